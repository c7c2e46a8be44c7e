"""The identity just read, masked, for the citizen to confirm it is theirs."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.session import IdentitySource, SessionSnapshot

from . import words
from .widgets import KioskScreen

EXPIRED = "证件已过有效期，无法完成身份核验。请持有效证件办理，或到人工窗口咨询"


class IdentityReadScreen(KioskScreen):
    expired_text = StringProperty("")
    keep_card_text = StringProperty("")  # the profile needs the ID card on the reader

    def show(self, snapshot: SessionSnapshot) -> None:
        identity = snapshot.identity
        self.ids.panel.fill(identity)
        self.expired_text = EXPIRED if identity is not None and identity.expired else ""
        on_reader = identity is not None and identity.source == IdentitySource.ID_CARD.value
        self.keep_card_text = words.keep_card_hint(snapshot.card_required) if on_reader else ""

    def clear_identity(self) -> None:
        self.ids.panel.clear()
        self.expired_text = ""
        self.keep_card_text = ""
