"""Waiting on central or a device: a turning ring and a plain sentence. The work runs on the
flow's thread, never on the UI's. One screen class serves every flow's waiting steps."""

from __future__ import annotations

from typing import Any

from kivy.animation import Animation
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.widget import Widget

from .flow import F, FlowScreenBase


class BusyRing(Widget):
    angle = NumericProperty(0)

    def start(self) -> None:
        self.stop()
        anim = Animation(angle=360, duration=1.1) + Animation(angle=0, duration=0)
        anim.repeat = True
        anim.start(self)

    def stop(self) -> None:
        Animation.cancel_all(self, "angle")
        self.angle = 0


class WaitingScreen(FlowScreenBase[F]):
    """A step the citizen waits through; ``waiting(flow)`` says what for, as (headline,
    detail). One class, several screens: the screen's name tells which step it shows."""

    headline = StringProperty("")
    detail = StringProperty("")

    def waiting(self, flow: F | None) -> tuple[str, str]:
        raise NotImplementedError

    def show_flow(self, flow: F | None) -> None:
        super().show_flow(flow)
        self.headline, self.detail = self.waiting(flow)

    def on_enter(self, *_: Any) -> None:
        self.ids.ring.start()

    def on_leave(self, *_: Any) -> None:
        self.ids.ring.stop()

    def clear_flow(self) -> None:
        super().clear_flow()
        self.headline = self.detail = ""
