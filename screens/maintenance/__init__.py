"""The technician's maintenance screens (kiosk/flows/technician.py): the PIN, the device
list with the tools, and one screen per tool. ``build_screens()`` makes them,
``screen_for(flow)`` names the one to show, ``attach(app)`` arms the hidden gesture: a
long press (three seconds) on the clock in the top bar, on the home screen with no citizen
being served (staff have five taps on the hall name; the two never meet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kivy.clock import Clock
from kivy.core.window import Window

from kiosk.flows.technician import TechnicianFlow, TechStep

from .home import MaintHomeScreen
from .pin import MaintPinScreen
from .tools import (
    CardToolScreen,
    CentralToolScreen,
    ConfigToolScreen,
    PrintToolScreen,
    VoiceToolScreen,
)
from .tools_live import EnrollToolScreen, ScanToolScreen, TouchToolScreen

if TYPE_CHECKING:
    from ..widgets import KioskScreen

LONG_PRESS_S = 3.0
# The home screen, and 设备维护中 (central's maintenance mode) for the technician sent to fix it.
OPENS_FROM = ("home", "fleet_maintenance")
TOOL_SCREENS = {
    "id_card": "maint_card", "smart_card": "maint_card", "scan": "maint_scan",
    "print": "maint_print", "central": "maint_central", "enroll": "maint_enroll",
    "voice": "maint_voice", "touch": "maint_touch", "config": "maint_config",
}


def build_screens() -> list[KioskScreen]:
    return [MaintPinScreen(), MaintHomeScreen(), CardToolScreen(), ScanToolScreen(),
            PrintToolScreen(), CentralToolScreen(), EnrollToolScreen(), VoiceToolScreen(),
            TouchToolScreen(), ConfigToolScreen()]


def screen_for(flow: TechnicianFlow) -> str:
    if flow.step in (TechStep.PIN, TechStep.CHECKING):
        return "maint_pin"
    if flow.step is TechStep.TOOL:
        return TOOL_SCREENS.get(flow.view.tool, "maint_home")
    return "maint_home"


class LongPress:
    """Opens the technician's PIN screen when the clock is held for LONG_PRESS_S."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._pending: Any = None
        self._touch: Any = None
        app.top_bar.bind(on_touch_down=self._down, on_touch_up=self._up)
        # Any touch keeps maintenance open (the app does the same for staff mode).
        Window.bind(on_touch_down=lambda *_: self._touched())

    def _touched(self) -> bool:
        self.app.terminal.technician.touch()
        return False

    def _down(self, bar: Any, touch: Any) -> bool:
        if bar.ids.clock.collide_point(*touch.pos) and self.app.manager.current in OPENS_FROM:
            self._cancel()
            self._touch = touch.uid
            self._pending = Clock.schedule_once(self._held, LONG_PRESS_S)
        return False

    def _up(self, _bar: Any, touch: Any) -> bool:
        if touch.uid == self._touch:
            self._cancel()
        return False

    def _cancel(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
        self._pending = self._touch = None

    def _held(self, _dt: float) -> None:
        self._pending = self._touch = None
        if self.app.manager.current in OPENS_FROM and self.app.terminal.technician.open_login():
            self.app.toast.hide()


def attach(app: Any) -> LongPress:
    return LongPress(app)
