"""Building blocks every screen uses: wrapping labels, large buttons, panels.

Sizes and colours come from ``app.theme`` so the 适老化 mode restyles them all at once.
Buttons are at least 80 px high (100 px in 适老化 mode): targets for a finger, not a mouse.
"""

from __future__ import annotations

from kivy.lang import Builder
from kivy.properties import BooleanProperty, OptionProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen

from kiosk.session import MaskedIdentity, SessionSnapshot

Builder.load_string(
    """
#:import dp kivy.metrics.dp

# The CJK fonts on terminals have no bold face and SDL2 does not embolden: a 1 px outline
# in the text colour gives `bold: True` its weight.
<Label>:
    outline_width: 1 if self.bold else 0
    outline_color: self.color[:3]

# A rule on a base class and a rule on an instance that both bind the same property
# fight on every theme change, so screens pick sizes and colours by name (style, tone)
# and only this rule binds them.
<WrapLabel>:
    font_size: {'huge': app.theme.font_huge, 'xl': app.theme.font_xl, 'l': app.theme.font_l, 'm': app.theme.font_m, 's': app.theme.font_s, 'xs': app.theme.font_xs}[self.style]
    color: {'text': app.theme.text, 'muted': app.theme.text_muted, 'primary': app.theme.primary, 'danger': app.theme.danger, 'success': app.theme.success, 'notice': app.theme.notice, 'disabled': app.theme.disabled_text}[self.tone]
    text_size: self.width, None
    size_hint_y: None
    height: self.texture_size[1]
    halign: 'left'
    valign: 'middle'
    line_height: 1.15

# A red notice on a soft red background, invisible while its text is empty.
<DangerNotice@WrapLabel>:
    padding: (dp(20), dp(14)) if self.text else (0, 0)
    tone: 'danger'
    bold: True
    canvas.before:
        Color:
            rgba: app.theme.danger_soft if self.text else (0, 0, 0, 0)
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [dp(12)]

<BigButton>:
    size_hint_y: None
    height: dp(100) if app.theme.elderly else dp(82)
    font_size: app.theme.font_l
    bold: True
    halign: 'center'
    valign: 'middle'
    text_size: self.width - dp(24), None
    color: app.theme.primary_text if self.kind == 'primary' else app.theme.primary
    canvas.before:
        Color:
            rgba: (app.theme.primary_dark if self.state == 'down' else app.theme.primary) if self.kind == 'primary' else (app.theme.primary_soft if self.state == 'down' else app.theme.surface)
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [dp(14)]
        Color:
            rgba: app.theme.primary if self.kind != 'primary' else (0, 0, 0, 0)
        Line:
            rounded_rectangle: (self.x + 1, self.y + 1, self.width - 2, self.height - 2, dp(14))
            width: app.theme.border_width

<Panel>:
    padding: dp(28), dp(22)
    spacing: dp(10)
    canvas.before:
        Color:
            rgba: app.theme.surface
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [dp(16)]
        Color:
            rgba: app.theme.border
        Line:
            rounded_rectangle: (self.x, self.y, self.width, self.height, dp(16))
            width: app.theme.border_width

<InfoRow@BoxLayout>:
    caption: ''
    value: ''
    size_hint_y: None
    height: max(value_label.texture_size[1], dp(40)) + dp(10)
    spacing: dp(14)
    Label:
        text: root.caption
        size_hint_x: None
        width: self.texture_size[0] + dp(12)
        font_size: app.theme.font_m
        color: app.theme.text_muted
        text_size: None, None
        halign: 'left'
    Label:
        id: value_label
        text: root.value
        font_size: app.theme.font_l
        bold: True
        color: app.theme.text
        text_size: self.width, None
        halign: 'left'
        valign: 'middle'

# Three rows so the panel still fits a 800 px high screen in 适老化 mode.
<IdentityPanel>:
    orientation: 'vertical'
    spacing: dp(4) if app.theme.elderly else dp(16)
    padding: dp(32), (dp(14) if app.theme.elderly else dp(26))
    size_hint_y: None
    height: self.minimum_height
    BoxLayout:
        size_hint_y: None
        height: max(name_row.height, gender_row.height)
        InfoRow:
            id: name_row
            caption: '姓　　名'
            value: root.name
        InfoRow:
            id: gender_row
            caption: '性　　别'
            value: root.gender
    InfoRow:
        caption: '证件号码'
        value: root.id_number
    BoxLayout:
        size_hint_y: None
        height: max(type_row.height, valid_row.height)
        InfoRow:
            id: type_row
            caption: '证件类型'
            value: root.card_label
        InfoRow:
            id: valid_row
            caption: '有效期至'
            value: root.valid_until

<KioskScreen>:
    canvas.before:
        Color:
            rgba: app.theme.background
        Rectangle:
            pos: self.pos
            size: self.size
"""
)


class WrapLabel(Label):
    """A label that wraps to its width and is as high as its text (0 when empty)."""

    style = OptionProperty("m", options=["huge", "xl", "l", "m", "s", "xs"])
    tone = OptionProperty("text", options=["text", "muted", "primary", "danger", "success", "notice", "disabled"])


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
