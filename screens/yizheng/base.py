"""What every 一证通办 screen shares: the flow it shows, a header with the masked applicant,
and small coloured tags.

Screens get the flow from the app (``show_flow``) on the main thread only; they read its
queries and send its intents, nothing else.
"""

from __future__ import annotations

from kivy.lang import Builder
from kivy.properties import BooleanProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk.flows.yizheng import YizhengFlow
from kiosk.session import SessionSnapshot

from ..widgets import KioskScreen

Builder.load_string(
    """
#:import dp kivy.metrics.dp

<Tag>:
    size_hint: None, None
    size: (self.texture_size[0] + dp(22), self.texture_size[1] + dp(8)) if self.text else (0, 0)
    font_size: app.theme.font_xs
    bold: self.solid
    color: (1, 1, 1, 1) if self.solid else {'primary': app.theme.primary, 'success': app.theme.success, 'notice': app.theme.notice, 'muted': app.theme.disabled_text, 'danger': app.theme.danger}[self.tone]
    canvas.before:
        Color:
            rgba: {'primary': app.theme.primary, 'success': app.theme.success, 'notice': app.theme.notice, 'muted': app.theme.disabled_text, 'danger': app.theme.danger}[self.tone] if self.solid else {'primary': app.theme.primary_soft, 'success': app.theme.success_soft, 'notice': app.theme.notice_soft, 'muted': app.theme.disabled_bg, 'danger': app.theme.danger_soft}[self.tone]
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [dp(8)]

<FlowHeader>:
    size_hint_y: None
    height: max(title.height, applicant.height)
    spacing: dp(20)
    WrapLabel:
        id: title
        text: root.title
        style: root.style
        bold: True
    Label:
        id: applicant
        text: root.applicant
        size_hint: None, None
        size: self.texture_size if root.applicant else (0, 0)
        pos_hint: {'center_y': .5}
        font_size: app.theme.font_xs
        color: app.theme.text_muted

# A wide notice in the brown "notice" colours (offline, cached catalogue, reasons).
<NoticeLabel@WrapLabel>:
    padding: (dp(20), dp(12)) if self.text else (0, 0)
    tone: 'notice'
    canvas.before:
        Color:
            rgba: app.theme.notice_soft if self.text else (0, 0, 0, 0)
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [dp(12)]
"""
)


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
