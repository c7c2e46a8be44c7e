"""Result of the identity check (身份核验), the service this version implements."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.session import SessionSnapshot

from .. import words
from ..widgets import KioskScreen


class ResultScreen(KioskScreen):
    take_away = StringProperty(words.take_away("id_card"))

    def show(self, snapshot: SessionSnapshot) -> None:
        self.ids.panel.fill(snapshot.identity)
        if snapshot.identity is not None:
            self.take_away = words.take_away(snapshot.identity.source)

    def clear_identity(self) -> None:
        self.ids.panel.clear()
