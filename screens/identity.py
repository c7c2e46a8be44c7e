"""Waiting for the ID card: "请将身份证放在感应区", with a drawn reader and card, and the
other ways in (social security card, electronic ID code) when the terminal has them ready.

A failed read shows its reason in plain words for a while, then the prompt alone again;
the reader keeps waiting for the next placement meanwhile.
"""

from __future__ import annotations

from typing import Any

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.widget import Widget

from kiosk.registry import SERVICES
from kiosk.session import SessionSnapshot

from . import words
from .widgets import KioskScreen

FAILURE_SHOWN_S = 6.0


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

    def set_ways(self, ways: tuple[str, ...], others: frozenset[str]) -> None:
        """``ways``: the identity devices ready for the service waited for (kiosk/services.py);
        without the ID reader among them, the prompt names the ways that work instead."""
        reader_down = bool(ways) and "id_reader" not in ways
        prompt = words.READER_DOWN_PROMPT if reader_down else words.PLACE_CARD_PROMPT
        if self.ids.prompt.text != prompt:
            self.ids.prompt.text = prompt
        self.other_ways = words.other_ways(ways, lead="请") if reader_down else words.other_ways(others)
        if reader_down:
            self.place_hint = ""

    def show_failure(self, code: str, source: str = "id_card") -> None:
        self.failure = words.read_failed(code, source)
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
