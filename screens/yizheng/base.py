"""What every 一证通办 screen shares: the flow it shows, a header with the masked applicant,
and small coloured tags.

Screens get the flow from the app (``show_flow``) on the main thread only; they read its
queries and send its intents, nothing else.
"""

from __future__ import annotations

from kivy.properties import BooleanProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk.flows.yizheng import YizhengFlow
from kiosk.session import SessionSnapshot

from ..widgets import KioskScreen


class Tag(Label):
    tone = OptionProperty("primary", options=["primary", "success", "notice", "muted", "danger"])
    solid = BooleanProperty(False)  # white on the colour, for what matters most (免提交)


class FlowHeader(BoxLayout):
    title = StringProperty("")
    applicant = StringProperty("")
    style = OptionProperty("xl", options=["xl", "l"])


class FlowScreen(KioskScreen):
    """A screen of the 一证通办 flow. ``applicant`` is the masked identity line."""

    applicant = StringProperty("")

    def show(self, snapshot: SessionSnapshot) -> None:
        identity = snapshot.identity
        self.applicant = f"申请人 {identity.name}　{identity.id_number}" if identity else ""

    def show_flow(self, flow: YizhengFlow | None) -> None:
        """Fill the screen from the flow (main thread). Called on every flow change: cheap
        when nothing this screen shows has changed."""

    def clear_identity(self) -> None:
        self.applicant = ""
        self.clear_flow()

    def clear_flow(self) -> None:
        """Blank everything that came from the flow: items, values, results."""
