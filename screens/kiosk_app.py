"""The Kivy application: chrome around a ScreenManager, drawn from the terminal's state.

The terminal publishes frozen events on driver and worker threads; ``_on_event`` only queues
the event and pulls a ``Clock.create_trigger``. On the UI thread, ``_draw`` lets the queued
events say what they say once (a toast, the PIN pad, the countdown notice: screens/notices.py)
and then draws everything from one fresh ``KioskState`` (screens/routing.py): which screen,
the home tiles, the fault banner. Services and their screens come from the registry
(kiosk/registry.py). The UI never waits on a device or the network; it sends intents.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from importlib import import_module
from types import ModuleType
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import ObjectProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import FadeTransition, ScreenManager

from kiosk.events import KioskEvent
from kiosk.fleet import restart
from kiosk.registry import SERVICES
from kiosk.session import EndReason
from kiosk.terminal import Terminal

from . import liveness, maintenance, maintenance_mode, notices, routing, voice_prompts, words
from .chrome import FaultBanner, SessionOverlay, Toast, TopBar
from .common.kv import load_kv
from .home import HomeScreen
from .identity import IdentityScreen
from .identity_read import IdentityReadScreen
from .pin_pad import PinOverlay
from .staff import StaffPinScreen
from .staff_log import StaffLogScreen
from .theme import Theme
from .widgets import KioskScreen

log = logging.getLogger(__name__)

CLOCK_S = 0.5   # the time shown, the countdown, and faults that lasted long enough to show


class KioskApp(App):
    theme = ObjectProperty(None)

    def __init__(self, terminal: Terminal, on_started: Callable[[KioskApp], None] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.terminal = terminal
        self.kiosk_config = terminal.config
        self.theme = Theme(elderly=terminal.config.ui.elderly_mode)
        self.title = terminal.config.terminal.title
        self._on_started = on_started
        self.exit_status: int | None = None   # EXIT_RESTART when the app stopped to restart
        self.screens: dict[str, KioskScreen] = {}
        self.packages: dict[str, ModuleType] = {}  # service id -> its screens package
        self._events: deque[KioskEvent] = deque()
        self._redraw = Clock.create_trigger(self._draw, 0)
        # Subscribed before the devices start: nothing they report is missed.
        terminal.subscribe(self._on_event)

    # -- layout ----------------------------------------------------------------------------
    def build(self) -> FloatLayout:
        load_kv()
        Window.bind(on_touch_down=self._any_touch, on_request_close=self._refuse_close)
        Window.clearcolor = (1, 1, 1, 1)
        settings = self.kiosk_config.terminal
        root = FloatLayout()
        column = BoxLayout(orientation="vertical")
        self.top_bar = TopBar(title=settings.title, hall_name=settings.hall_name)
        self.top_bar.ids.elderly.bind(on_release=lambda *_: self.toggle_elderly())
        self.top_bar.bind(on_touch_down=self._top_bar_touched)
        self.banner = FaultBanner()
        self.manager = ScreenManager(transition=FadeTransition(duration=0.15))
        self.staff_pin, self.staff_log = StaffPinScreen(), StaffLogScreen()
        screens: list[KioskScreen] = [HomeScreen(), IdentityScreen(), IdentityReadScreen(),
                                      self.staff_pin, self.staff_log]
        screens.extend(maintenance.build_screens())   # the technician's (screens/maintenance)
        screens.extend(maintenance_mode.build_screens())   # central's 设备维护中
        for spec in SERVICES.values():
            if spec.screens and spec.id in self.kiosk_config.services.offered:
                package = self.packages[spec.id] = import_module(f"screens.{spec.screens}")
                screens.extend(package.build_screens())
        for screen in screens:
            self.screens[screen.name] = screen
            self.manager.add_widget(screen)
        column.add_widget(self.top_bar)
        column.add_widget(self.banner)
        column.add_widget(self.manager)
        root.add_widget(column)
        # Under the session overlay: an idle warning must still show over a PIN pad.
        self.pin_pad = PinOverlay()
        self.pin_pad.bind(on_answer=lambda _pad, pin: self.terminal.answer_pin(pin),
                          on_cancel=lambda *_: self.terminal.cancel_pin())
        root.add_widget(self.pin_pad)
        self.overlay = SessionOverlay()
        self.overlay.bind(on_action=lambda *_: self.end_now(), on_dismiss=lambda *_: self.terminal.session.touch())
        root.add_widget(self.overlay)
        self.toast = Toast()
        self.manager.bind(top=self.toast.setter("anchor_top"))
        root.add_widget(self.toast)
        self.maintenance_gesture = maintenance.attach(self)   # long press on the clock
        # Each screen's instruction spoken (terminal.voice), cut off when the screen changes.
        self.voice_prompts = voice_prompts.attach(self)
        return root

    def on_start(self) -> None:
        # Before the first frame: READY=1 to systemd once it is drawn, then the watchdog.
        self.liveness = liveness.Liveness(self)
        self._draw()
        Clock.schedule_interval(self._clock, CLOCK_S)
        if self._on_started is not None:
            self._on_started(self)

    def on_stop(self) -> None:
        self.liveness.stop()
        self.close_pin_pad(cancel=True)
        self.terminal.staff.close("stop")
        self.clear_identity()

    # -- lockdown --------------------------------------------------------------------------
    def _refuse_close(self, *_: Any, **__: Any) -> bool:
        log.info("window close request refused")
        return True

    def _any_touch(self, _window: Any, _touch: Any) -> bool:
        self.terminal.session.touch()
        self.terminal.staff.touch()
        return False  # widgets still get the touch

    # -- intents (from widgets) ------------------------------------------------------------
    def service_tapped(self, service_id: str) -> None:
        view = self.terminal.state().service(service_id)
        if view is None:
            return
        if not view.available:
            self.toast.show(words.unavailable_notice(view.title, view.reason), seconds=6)
        elif not self.terminal.choose_service(service_id):
            self.toast.show(words.unavailable_notice(view.title, "unavailable"), seconds=6)
        self._redraw()

    def confirm_identity(self) -> None:
        self.terminal.confirm_identity()
        self._redraw()

    def cancel_session(self) -> None:
        self.terminal.session.finish(EndReason.CANCELLED)

    def finish_session(self) -> None:
        # 好差评 may be offered first for what was completed (kiosk/evaluation/offer.py).
        self.terminal.finish_service()

    def end_now(self) -> None:
        self.overlay.hide()
        self.terminal.session.finish(EndReason.CANCELLED)

    def toggle_elderly(self) -> None:
        self.theme.elderly = not self.theme.elderly
        self.terminal.session.set_elderly(self.theme.elderly)  # a longer idle timeout
        log.info("elderly mode %s", "on" if self.theme.elderly else "off")

    def _top_bar_touched(self, bar: TopBar, touch: Any) -> bool:
        # The hall name and title: nothing there reacts to a citizen's tap.
        if bar.ids.title.parent.collide_point(*touch.pos) and self.manager.current == "home":
            self.terminal.staff.tap()
        return False

    def open_staff_login(self) -> bool:
        """The PIN screen, from the home screen with no citizen being served."""
        if self.manager.current != "home":
            return False
        opened = self.terminal.staff.open_login()
        if opened:
            self.toast.hide()
        return opened

    def close_staff(self, why: str = "exit") -> None:
        self.terminal.staff.close(why)

    def close_pin_pad(self, cancel: bool) -> None:
        """Close the PIN pad; with ``cancel``, a prompt still waiting for the citizen ends
        too (the card reader would otherwise wait for its timeout)."""
        if not self.pin_pad.shown:
            return
        waiting = not self.pin_pad.checking
        self.pin_pad.hide()
        if cancel and waiting:
            self.terminal.cancel_pin()

    def clear_identity(self) -> None:
        for screen in self.screens.values():
            screen.clear_identity()

    # -- drawing ---------------------------------------------------------------------------
    def _on_event(self, event: KioskEvent) -> None:
        # Any thread: queue it and pull the trigger; the UI thread does the rest.
        self._events.append(event)
        self._redraw()

    def _draw(self, *_: Any) -> None:
        if self.root is None:
            return  # not built yet; on_start draws
        while self._events:
            notices.tell(self, self._events.popleft())
        state = self.terminal.state()
        routing.show(self, state)
        routing.chrome(self, state, time.monotonic())

    def _clock(self, _dt: float) -> None:
        state = self.terminal.state()
        routing.clock(self, state)
        routing.chrome(self, state, time.monotonic())
        reason = restart.due(state)   # a new version or configuration: between sessions only
        if reason is not None and self.exit_status is None:
            log.info("restarting between sessions: %s", reason)
            self.exit_status = restart.EXIT_RESTART
            self.stop()
