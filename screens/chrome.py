"""What surrounds every screen: the top bar, the device fault banner, the toast, and the
session overlay (idle warning, card removed)."""

from __future__ import annotations

from typing import Any

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.label import Label

from . import (
    widgets,  # noqa: F401  (kv rules for WrapLabel, BigButton, Panel)
    words,
)

Builder.load_string(
    """
#:import dp kivy.metrics.dp

<TopBar>:
    size_hint_y: None
    height: dp(108) if app.theme.elderly else dp(92)
    padding: dp(24), dp(8)
    spacing: dp(18)
    canvas.before:
        Color:
            rgba: app.theme.primary
        Rectangle:
            pos: self.pos
            size: self.size
    Widget:
        size_hint: None, None
        size: dp(58), dp(58)
        pos_hint: {'center_y': .5}
        canvas:
            Color:
                rgba: 1, 1, 1, 1
            Ellipse:
                pos: self.pos
                size: self.size
            Color:
                rgba: app.theme.primary
            Line:
                circle: (self.center_x, self.center_y, self.width / 2 - dp(5))
                width: dp(2)
        Label:
            center: self.parent.center
            size: self.parent.size
            text: '政'
            bold: True
            font_size: dp(30)
            color: app.theme.primary
    BoxLayout:
        orientation: 'vertical'
        padding: 0, dp(4)
        Label:
            id: title
            text: root.title
            bold: True
            font_size: app.theme.font_l
            color: app.theme.primary_text
            text_size: self.size
            halign: 'left'
            valign: 'bottom'
            shorten: True
        Label:
            id: hall
            text: root.hall_name
            font_size: app.theme.font_xs
            color: 1, 1, 1, .88
            text_size: self.size
            halign: 'left'
            valign: 'top'
            shorten: True
    Label:
        id: countdown
        text: root.countdown
        opacity: 1 if root.countdown else 0
        size_hint_x: None
        width: self.texture_size[0] + dp(36) if root.countdown else 0
        font_size: app.theme.font_m
        bold: True
        color: app.theme.primary
        canvas.before:
            Color:
                rgba: (1, 1, 1, 1) if root.countdown else (0, 0, 0, 0)
            RoundedRectangle:
                pos: self.x, self.center_y - self.texture_size[1] / 2 - dp(8)
                size: self.width, self.texture_size[1] + dp(16)
                radius: [dp(24)]
    Label:
        id: clock
        text: root.clock
        size_hint_x: None
        width: self.texture_size[0] + dp(8)
        font_size: app.theme.font_s
        color: app.theme.primary_text
        halign: 'right'
    ElderlyToggle:
        id: elderly
        size_hint_x: None
        width: self.minimum_width

<ElderlyToggle>:
    padding: dp(14), dp(12)
    spacing: dp(10)
    canvas.before:
        Color:
            rgba: (1, 1, 1, .22) if self.state == 'down' else (1, 1, 1, .12)
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [dp(12)]
        Color:
            rgba: 1, 1, 1, .9
        Line:
            rounded_rectangle: (self.x + 1, self.y + 1, self.width - 2, self.height - 2, dp(12))
            width: dp(1.5)
    Label:
        size_hint_x: None
        width: self.texture_size[0]
        text: '适老化'
        bold: True
        font_size: app.theme.font_s
        color: app.theme.primary_text
    Widget:
        size_hint_x: None
        width: dp(62)
        canvas:
            Color:
                rgba: (1, 1, 1, 1) if app.theme.elderly else (1, 1, 1, .35)
            RoundedRectangle:
                pos: self.x, self.center_y - dp(16)
                size: dp(62), dp(32)
                radius: [dp(16)]
            Color:
                rgba: app.theme.primary if app.theme.elderly else (1, 1, 1, 1)
            Ellipse:
                pos: (self.x + dp(33) if app.theme.elderly else self.x + dp(3)), self.center_y - dp(13)
                size: dp(26), dp(26)
    Label:
        size_hint_x: None
        width: self.texture_size[0]
        text: '开' if app.theme.elderly else '关'
        font_size: app.theme.font_s
        color: app.theme.primary_text

<FaultBanner>:
    size_hint_y: None
    height: (self.ids.message.texture_size[1] + dp(28)) if root.message else 0
    opacity: 1 if root.message else 0
    padding: dp(28), 0
    spacing: dp(16)
    canvas.before:
        Color:
            rgba: app.theme.danger
        Rectangle:
            pos: self.pos
            size: self.size
    Label:
        size_hint_x: None
        width: dp(40)
        text: '!'
        bold: True
        font_size: dp(28)
        color: app.theme.danger
        canvas.before:
            Color:
                rgba: 1, 1, 1, 1
            Ellipse:
                pos: self.center_x - dp(18), self.center_y - dp(18)
                size: dp(36), dp(36)
    Label:
        id: message
        text: root.message
        bold: True
        font_size: app.theme.font_m
        color: 1, 1, 1, 1
        text_size: self.width, None
        halign: 'left'
        valign: 'middle'

<Toast>:
    size_hint: None, None
    width: min(self.texture_size[0] + dp(64), self.parent.width * .86) if self.parent else 100
    text_size: (self.parent.width * .86 - dp(64)) if self.parent else None, None
    height: self.texture_size[1] + dp(40)
    # Just under the top bar (and banner): never over the buttons at the bottom.
    pos_hint: {'center_x': .5}
    top: self.anchor_top - dp(14)
    font_size: app.theme.font_m
    halign: 'center'
    color: 1, 1, 1, 1
    line_height: 1.15
    opacity: 0
    canvas.before:
        Color:
            rgba: 0.1, 0.14, 0.2, .93 * self.opacity
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [dp(20)]

<SessionOverlay>:
    opacity: 1 if self.shown else 0
    canvas.before:
        Color:
            rgba: 0, 0, 0, .55 if self.shown else 0
        Rectangle:
            pos: self.pos
            size: self.size
    Panel:
        orientation: 'vertical'
        size_hint: .62, None
        height: self.minimum_height
        pos_hint: {'center_x': .5, 'center_y': .5}
        padding: dp(40), dp(34)
        spacing: dp(18)
        Label:
            id: number
            text: root.number
            size_hint_y: None
            height: self.texture_size[1]
            font_size: app.theme.font_huge * 1.4
            bold: True
            color: app.theme.notice
        WrapLabel:
            id: headline
            text: root.headline
            halign: 'center'
            style: 'xl'
            bold: True
        WrapLabel:
            id: detail
            text: root.detail
            halign: 'center'
            tone: 'muted'
        BigButton:
            id: action
            text: root.action_text
            kind: 'secondary'
            on_release: root.dispatch('on_action')
"""
)


class TopBar(BoxLayout):
    title = StringProperty("")
    hall_name = StringProperty("")
    clock = StringProperty("")
    countdown = StringProperty("")


class ElderlyToggle(ButtonBehavior, BoxLayout):
    """Switches the 适老化 mode for every screen (app.theme.elderly)."""


class FaultBanner(BoxLayout):
    message = StringProperty("")


class Toast(Label):
    """A short message that fades out by itself. A tap on it dismisses it and still reaches
    what is underneath: a message must never swallow a citizen's tap."""

    anchor_top = NumericProperty(0)  # top of the screen area, below the top bar and banner
    _hide_event: Any = None

    def show(self, text: str, seconds: float = 5.0) -> None:
        Animation.cancel_all(self, "opacity")
        self.text = text
        self.opacity = 1
        if self._hide_event is not None:
            self._hide_event.cancel()
        self._hide_event = Clock.schedule_once(lambda _dt: self.hide(), seconds)

    def hide(self) -> None:
        if self._hide_event is not None:
            self._hide_event.cancel()
            self._hide_event = None
        Animation(opacity=0, duration=0.3).start(self)

    def on_opacity(self, _inst: Any, value: float) -> None:
        if value == 0:
            self.text = ""

    def on_touch_down(self, touch: Any) -> bool:
        if self.opacity > 0 and self.collide_point(*touch.pos):
            self.hide()
        return False


class SessionOverlay(FloatLayout):
    """Modal notice over the current screen.

    mode "warning": the idle countdown; any touch continues the session (the window's touch
    handler already reset the idle timer) and closes the notice.
    mode "removed": the card left the reader; only putting it back (or the button) ends it.
    mode "back": the card came back within the grace; 继续办理 (any touch) closes it.
    """

    shown = BooleanProperty(False)
    mode = OptionProperty("warning", options=["warning", "removed", "back"])
    number = StringProperty("")
    headline = StringProperty("")
    detail = StringProperty("")
    action_text = StringProperty("")

    __events__ = ("on_action", "on_dismiss")
    _source = "id_card"

    def show_warning(self, seconds_left: int) -> None:
        self.mode = "warning"
        self.headline = "即将返回首页"
        self.detail = "如需继续办理，请触摸屏幕"
        self.action_text = "继续办理"
        self.set_seconds(seconds_left)
        self.shown = True

    def show_removed(self, seconds_left: int, source: str = "id_card") -> None:
        """``source``: the kiosk.session.IdentitySource value of the card that left."""
        self.mode = "removed"
        self._source = source
        self.set_seconds(seconds_left)
        self.action_text = "立即结束"
        self.shown = True

    def show_back(self, source: str = "id_card") -> None:
        """The card is back: the session goes on once the citizen says so (继续办理)."""
        self.mode = "back"
        self._source = source
        self.number = ""
        self.headline, self.detail = words.card_returned(source)
        self.action_text = words.CONTINUE
        self.shown = True

    def set_seconds(self, seconds_left: int) -> None:
        if self.mode == "back":
            return  # nothing counts down
        self.number = str(seconds_left)
        if self.mode == "removed":
            self.headline, self.detail = words.card_removed(self._source, seconds_left)

    def hide(self) -> None:
        self.shown = False

    def on_touch_down(self, touch: Any) -> bool:
        if not self.shown:
            return False
        if self.mode in ("warning", "back"):
            self.hide()
            self.dispatch("on_dismiss")
            return True
        super().on_touch_down(touch)
        return True  # modal: nothing underneath gets the touch

    def on_touch_move(self, touch: Any) -> bool:
        return self.shown

    def on_touch_up(self, touch: Any) -> bool:
        if not self.shown:
            return False
        super().on_touch_up(touch)
        return True

    def on_action(self) -> None:
        pass

    def on_dismiss(self) -> None:
        pass
