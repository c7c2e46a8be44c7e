"""Building blocks every screen uses: wrapping labels, large buttons, panels.

Sizes and colours come from ``app.theme`` so the 适老化 mode restyles them all at once.
Buttons are at least 80 px high (100 px in 适老化 mode): targets for a finger, not a mouse.
"""

from __future__ import annotations

from kivy.properties import BooleanProperty, OptionProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen

from kiosk.session import MaskedIdentity, SessionSnapshot

from .linebreak import LineBreaking


class WrapLabel(LineBreaking, Label):
    """A label that wraps to its width and is as high as its text (0 when empty); lines
    break by the receipts' rule (screens/linebreak.py)."""

    style = OptionProperty("m", options=["huge", "xl", "l", "m", "s", "xs"])
    tone = OptionProperty("text", options=["text", "muted", "primary", "danger", "success", "notice", "disabled"])


class Notice(WrapLabel):
    """Text on a soft background of its tone's colour (danger or notice); nothing while
    empty. In kv: DangerNotice, NoticeLabel."""


class BigButton(ButtonBehavior, Label):
    kind = OptionProperty("primary", options=["primary", "secondary"])


class Panel(BoxLayout):
    """A white rounded card."""


class IdentityPanel(Panel):
    """The masked identity (MaskedIdentity: never the clear name or number)."""

    card_label = StringProperty("")
    name = StringProperty("")
    id_number = StringProperty("")
    gender = StringProperty("")
    valid_until = StringProperty("")
    expired = BooleanProperty(False)
    wide = BooleanProperty(True)   # room for two fields a row (widgets.kv)

    def fill(self, identity: MaskedIdentity | None) -> None:
        if identity is None:
            self.clear()
            return
        self.card_label = identity.card_label
        self.name = identity.name
        self.id_number = identity.id_number
        self.gender = identity.gender
        # A social security card or an electronic ID code carries no validity date.
        self.valid_until = identity.valid_until or "—"
        self.expired = identity.expired

    def clear(self) -> None:
        self.card_label = self.name = self.id_number = self.gender = self.valid_until = ""
        self.expired = False


class KioskScreen(Screen):
    """A screen the app routes to. Screens only read the snapshot and send intents."""

    def show(self, snapshot: SessionSnapshot) -> None:
        """Fill the screen from the session snapshot (main thread)."""

    def clear_identity(self) -> None:
        """Blank every text that showed personal data; called when a session ends."""
