"""Home: the services this terminal offers, as large tiles.

An unavailable service stays on screen, greyed, with its reason in words; tapping it says
why instead of doing nothing.
"""

from __future__ import annotations

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.services import ServiceView

from . import words
from .widgets import KioskScreen

Builder.load_string(
    """
#:import dp kivy.metrics.dp

<ServiceTile>:
    orientation: 'vertical'
    padding: dp(20), dp(16), dp(20), dp(14)
    spacing: dp(6)
    canvas.before:
        Color:
            rgba: (app.theme.primary_soft if self.state == 'down' else app.theme.surface) if self.available else app.theme.disabled_bg
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [dp(16)]
        Color:
            rgba: app.theme.primary if self.available else app.theme.border
        Line:
            rounded_rectangle: (self.x + 1, self.y + 1, self.width - 2, self.height - 2, dp(16))
            width: app.theme.border_width * (1.4 if self.available else 1)
    BoxLayout:
        size_hint_y: None
        height: dp(54)
        spacing: dp(14)
        Label:
            # The icon gives way to the title in 适老化 mode (larger type, same tile).
            size_hint_x: None
            width: 0 if app.theme.elderly else self.height
            opacity: 0 if app.theme.elderly else 1
            text: root.title[:1]
            bold: True
            font_size: app.theme.font_m
            color: app.theme.primary_text
            canvas.before:
                Color:
                    rgba: app.theme.primary if root.available else app.theme.disabled_text
                Ellipse:
                    pos: self.pos
                    size: self.size
        Label:
            text: root.title
            bold: True
            font_size: app.theme.font_l
            color: app.theme.primary if root.available else app.theme.disabled_text
            text_size: self.size
            halign: 'left'
            valign: 'middle'
            shorten: True
    WrapLabel:
        text: root.subtitle
        style: 's'
        line_height: 1.05
        tone: 'muted' if root.available else 'disabled'
    Widget:
    Label:
        text: root.reason_text
        size_hint: None, None
        size: (self.texture_size[0] + dp(24), self.texture_size[1] + dp(10)) if root.reason_text else (0, 0)
        font_size: app.theme.font_xs
        color: app.theme.notice
        canvas.before:
            Color:
                rgba: app.theme.notice_soft if root.reason_text else (0, 0, 0, 0)
            RoundedRectangle:
                pos: self.pos
                size: self.size
                radius: [dp(10)]

<HomeScreen>:
    name: 'home'
    BoxLayout:
        orientation: 'vertical'
        padding: dp(36), dp(24), dp(36), dp(20)
        spacing: dp(20)
        WrapLabel:
            text: '请选择要办理的业务'
            style: 'xl'
            bold: True
        GridLayout:
            id: tiles
            cols: 4
            spacing: dp(16)
        BoxLayout:
            # Only when a card on the reader would work: not with the reader down.
            size_hint_y: None
            height: (dp(104) if root.other_ways else dp(70)) if root.card_hint else 0
            opacity: 1 if root.card_hint else 0
            padding: dp(24), 0
            spacing: dp(20)
            canvas.before:
                Color:
                    rgba: app.theme.primary_soft
                RoundedRectangle:
                    pos: self.pos
                    size: self.size
                    radius: [dp(14)]
            Widget:
                size_hint_x: None
                width: dp(64)
                canvas:
                    Color:
                        rgba: app.theme.primary
                    RoundedRectangle:
                        pos: self.x, self.center_y - dp(20)
                        size: dp(64), dp(40)
                        radius: [dp(6)]
                    Color:
                        rgba: 1, 1, 1, 1
                    Rectangle:
                        pos: self.x + dp(8), self.center_y - dp(10)
                        size: dp(16), dp(20)
                    Rectangle:
                        pos: self.x + dp(30), self.center_y + dp(4)
                        size: dp(26), dp(4)
                    Rectangle:
                        pos: self.x + dp(30), self.center_y - dp(4)
                        size: dp(26), dp(4)
                    Rectangle:
                        pos: self.x + dp(30), self.center_y - dp(12)
                        size: dp(18), dp(4)
            BoxLayout:
                orientation: 'vertical'
                padding: 0, dp(10)
                Label:
                    id: hint
                    text: root.card_hint
                    font_size: app.theme.font_m
                    color: app.theme.primary
                    bold: True
                    text_size: self.size
                    halign: 'left'
                    valign: 'middle'
                Label:
                    id: ways
                    text: root.other_ways
                    size_hint_y: 1 if root.other_ways else 0.001
                    font_size: app.theme.font_s
                    color: app.theme.primary
                    text_size: self.size
                    halign: 'left'
                    valign: 'middle'
                    shorten: True
"""
)


class ServiceTile(ButtonBehavior, BoxLayout):
    service_id = StringProperty("")
    title = StringProperty("")
    subtitle = StringProperty("")
    available = BooleanProperty(True)
    reason = StringProperty("")
    reason_text = StringProperty("")

    def on_reason(self, _inst: object, value: str) -> None:
        self.reason_text = words.service_reason(value) if value else ""

    def on_release(self) -> None:
        App.get_running_app().service_tapped(self.service_id)


CARD_HINT = "也可直接将身份证放在感应区，自动进入{title}"


class HomeScreen(KioskScreen):
    columns = 4
    card_hint = StringProperty("")
    other_ways = StringProperty("")   # the social security card and codes, when ready
    _shown: list[ServiceView] | None = None

    def set_card_hint(self, default: ServiceView | None, ways: frozenset[str] = frozenset()) -> None:
        """``ways``: the devices ready to identify a citizen besides the ID card reader
        (words.OTHER_WAYS keys)."""
        offered = default is not None and default.available
        self.card_hint = CARD_HINT.format(title=default.title) if offered and default else ""
        self.other_ways = words.other_ways(ways, lead="还可") if offered else ""

    def set_services(self, services: list[ServiceView]) -> None:
        if services == self._shown:
            return
        self._shown = list(services)
        grid = self.ids.tiles
        grid.clear_widgets()
        grid.cols = self.columns if len(services) > 4 else max(1, min(len(services), 2))
        for view in services:
            grid.add_widget(
                ServiceTile(
                    service_id=view.id,
                    title=view.title,
                    subtitle=view.subtitle,
                    available=view.available,
                    reason=view.reason,
                )
            )
