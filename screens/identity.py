"""Waiting for the ID card: "请将身份证放在感应区", with a drawn reader and card, and the
other ways in (social security card, electronic ID code) when the terminal has them ready.

A failed read shows its reason in plain words for a while, then the prompt alone again;
the reader keeps waiting for the next placement meanwhile.
"""

from __future__ import annotations

from typing import Any

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.widget import Widget

from kiosk.registry import SERVICES
from kiosk.session import SessionSnapshot

from . import words
from .widgets import KioskScreen

FAILURE_SHOWN_S = 6.0

Builder.load_string(
    """
#:import dp kivy.metrics.dp

<CardIllustration>:
    canvas:
        # the reader
        Color:
            rgba: 0.23, 0.27, 0.33, 1
        RoundedRectangle:
            pos: self.center_x - dp(170), self.y + dp(30)
            size: dp(340), dp(110)
            radius: [dp(18)]
        Color:
            rgba: 0.33, 0.38, 0.45, 1
        RoundedRectangle:
            pos: self.center_x - dp(140), self.y + dp(112)
            size: dp(280), dp(18)
            radius: [dp(8)]
        Color:
            rgba: 0.55, 0.85, 0.55, 1
        Ellipse:
            pos: self.center_x + dp(130), self.y + dp(50)
            size: dp(14), dp(14)
        # the sensing area
        Color:
            rgba: app.theme.primary[:3] + [0.35 + 0.4 * (1 - root.lift)]
        Line:
            ellipse: (self.center_x - dp(60), self.y + dp(150) - dp(18), dp(120), dp(36))
            width: dp(2)
        Line:
            ellipse: (self.center_x - dp(100), self.y + dp(150) - dp(30), dp(200), dp(60))
            width: dp(1.5)
        # the card
        Color:
            rgba: 0, 0, 0, .12
        RoundedRectangle:
            pos: self.center_x - dp(118), self.y + dp(160) + root.lift * dp(90) - dp(8)
            size: dp(244), dp(150)
            radius: [dp(14)]
        Color:
            rgba: 0.86, 0.92, 0.98, 1
        RoundedRectangle:
            pos: self.center_x - dp(122), self.y + dp(166) + root.lift * dp(90)
            size: dp(244), dp(150)
            radius: [dp(14)]
        Color:
            rgba: app.theme.primary
        Line:
            rounded_rectangle: (self.center_x - dp(122), self.y + dp(166) + root.lift * dp(90), dp(244), dp(150), dp(14))
            width: dp(2)
        Color:
            rgba: 0.62, 0.72, 0.84, 1
        RoundedRectangle:
            pos: self.center_x + dp(40), self.y + dp(196) + root.lift * dp(90)
            size: dp(62), dp(80)
            radius: [dp(6)]
        Rectangle:
            pos: self.center_x - dp(100), self.y + dp(262) + root.lift * dp(90)
            size: dp(120), dp(10)
        Rectangle:
            pos: self.center_x - dp(100), self.y + dp(240) + root.lift * dp(90)
            size: dp(100), dp(10)
        Rectangle:
            pos: self.center_x - dp(100), self.y + dp(218) + root.lift * dp(90)
            size: dp(120), dp(10)
        Rectangle:
            pos: self.center_x - dp(100), self.y + dp(186) + root.lift * dp(90)
            size: dp(200), dp(10)
        # the arrow
        Color:
            rgba: app.theme.primary[:3] + [root.lift]
        Line:
            points: self.center_x - dp(180), self.y + dp(320), self.center_x - dp(180), self.y + dp(200)
            width: dp(4)
        Triangle:
            points: self.center_x - dp(196), self.y + dp(206), self.center_x - dp(164), self.y + dp(206), self.center_x - dp(180), self.y + dp(180)

<IdentityScreen>:
    name: 'identity'
    BoxLayout:
        orientation: 'vertical'
        padding: dp(40), dp(24), dp(40), dp(24)
        spacing: dp(16)
        WrapLabel:
            text: root.service_title
            style: 'l'
            tone: 'primary'
            bold: True
        BoxLayout:
            spacing: dp(40)
            CardIllustration:
                id: illustration
                size_hint_x: .45
            BoxLayout:
                orientation: 'vertical'
                spacing: dp(22)
                Widget:
                WrapLabel:
                    id: prompt
                    text: '请将身份证放在感应区'
                    style: 'xl'
                    bold: True
                WrapLabel:
                    id: place_hint
                    text: root.place_hint
                    tone: 'muted'
                WrapLabel:
                    id: ways
                    text: root.other_ways
                    tone: 'primary'
                    bold: True
                DangerNotice:
                    id: failure
                    text: root.failure
                Widget:
        BoxLayout:
            size_hint_y: None
            height: back.height
            BigButton:
                id: back
                text: '返回'
                kind: 'secondary'
                size_hint_x: None
                width: dp(260)
                on_release: app.cancel_session()
            Widget:
"""
)


class CardIllustration(Widget):
    lift = NumericProperty(1.0)  # 1: card above the reader, 0: lying on it

    def start(self) -> None:
        self.stop()
        anim = Animation(lift=0.0, duration=1.2, t="in_out_quad") + Animation(duration=0.8) + Animation(
            lift=1.0, duration=0.4
        )
        anim.repeat = True
        anim.start(self)

    def stop(self) -> None:
        Animation.cancel_all(self, "lift")
        self.lift = 0.35


class IdentityScreen(KioskScreen):
    service_title = StringProperty("")
    failure = StringProperty("")
    other_ways = StringProperty("")  # "也可插入社保卡，或出示电子证照码" when those are ready
    # "办理期间请勿取走身份证" where the profile needs the card on the reader all along
    place_hint = StringProperty(words.place_card_hint(False))
    _clear_event: Any = None

    def show(self, snapshot: SessionSnapshot) -> None:
        spec = SERVICES.get(snapshot.service_id or "")
        self.service_title = spec.title if spec else ""
        self.place_hint = words.place_card_hint(snapshot.card_required)

    def show_failure(self, code: str) -> None:
        self.failure = words.read_failed(code)
        if self._clear_event is not None:
            self._clear_event.cancel()
        self._clear_event = Clock.schedule_once(lambda _dt: self.clear_failure(), FAILURE_SHOWN_S)

    def clear_failure(self) -> None:
        if self._clear_event is not None:
            self._clear_event.cancel()
            self._clear_event = None
        self.failure = ""

    def on_enter(self, *_: Any) -> None:
        self.ids.illustration.start()

    def on_leave(self, *_: Any) -> None:
        self.ids.illustration.stop()
        self.clear_failure()
