"""The Kivy application: chrome around a ScreenManager, routed by the session state (and,
for 一证通办 and 证明打印, by the step of the terminal's flow: screens/yizheng/,
screens/proofs/). With no citizen being served, staff reach the printed-output log through
a hidden gesture and a PIN (screens/staff.py), or with a staff card; a citizen's card closes
it. A social security card that wants its PIN gets the PIN pad (screens/pin_pad.py) over
whatever screen is showing.

Terminal notifications arrive on driver threads; ``_on_terminal`` only schedules them onto
the Kivy clock. Everything else here runs on the main thread and never waits on a device:
it reads ``terminal.snapshot()`` / ``services()`` (in-memory state) and sends intents.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import ObjectProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import FadeTransition, ScreenManager

from kiosk.flows.proofs import ProofFlow
from kiosk.flows.yizheng import YizhengFlow
from kiosk.session import EndReason, SessionSnapshot, SessionState
from kiosk.terminal import Terminal

from . import words
from .chrome import FaultBanner, SessionOverlay, Toast, TopBar
from .home import HomeScreen
from .identity import IdentityScreen
from .identity_read import IdentityReadScreen
from .pin_pad import PinOverlay
from .proofs import SERVICE_ID as PROOFS
from .proofs import ProofScreen
from .proofs import build_screens as proof_screens
from .proofs import screen_for as proof_screen_for
from .result import ResultScreen
from .staff import STAFF_IDLE_S, StaffPinScreen, TapCounter
from .staff_log import StaffLogScreen
from .theme import Theme
from .widgets import KioskScreen
from .yizheng import SERVICE_ID as YIZHENG
from .yizheng import FlowScreen, build_screens, screen_for

log = logging.getLogger(__name__)

TICK_S = 0.5
# A device must stay faulty this long before the banner shows: the reader reports
# "offline" for a moment while it connects at start-up and after a replug.
BANNER_DELAY_S = 1.5

# The screen that shows a running service without a flow, per service id.
RESULT_SCREENS = {"identity_check": "result"}
# Services whose confirmed citizen gets a flow from terminal.start_flow().
FLOW_SERVICES = frozenset({YIZHENG, PROOFS})
# Staff mode -> its screen ("" : no staff screen open).
STAFF_SCREENS = {"pin": "staff_pin", "log": "staff_log"}
# Devices that identify a citizen besides the ID card reader (words.OTHER_WAYS), and whether
# the way also needs the central (an electronic ID code is resolved there).
OTHER_WAYS_NEED_CENTRAL = {"card_reader": False, "code_scanner": True}


class KioskApp(App):
    theme = ObjectProperty(None)

    def __init__(self, terminal: Terminal, on_started: Callable[[KioskApp], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.terminal = terminal
        self.kiosk_config = terminal.config
        self.theme = Theme(elderly=terminal.config.ui.elderly_mode)
        self.title = terminal.config.terminal.title
        self._on_started = on_started
        self._fault_since: dict[str, float] = {}
        self.screens: dict[str, KioskScreen] = {}
        self.staff_mode = ""             # "" | pin | log (STAFF_SCREENS)
        self.staff_idle_s = STAFF_IDLE_S
        self._staff_touched = 0.0
        self._staff_gesture = TapCounter()
        self._source = "id_card"         # how the citizen being served identified
        # Subscribed before the devices start: nothing they report is missed.
        terminal.subscribe(self._on_terminal)

    # -- layout ----------------------------------------------------------------------------
    def build(self) -> FloatLayout:
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
        for screen in (HomeScreen(), IdentityScreen(), IdentityReadScreen(), ResultScreen(), *build_screens(),
                       *proof_screens(), self.staff_pin, self.staff_log):
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
        return root

    def on_start(self) -> None:
        self._refresh_devices()
        self._route()
        self._tick(0)
        Clock.schedule_interval(self._tick, TICK_S)
        if self._on_started is not None:
            self._on_started(self)

    def on_stop(self) -> None:
        self.close_pin_pad(cancel=True)
        self.close_staff()
        self.clear_identity()

    # -- lockdown --------------------------------------------------------------------------
    def _refuse_close(self, *_: Any, **__: Any) -> bool:
        log.info("window close request refused")
        return True

    def _any_touch(self, _window: Any, _touch: Any) -> bool:
        self.terminal.session.touch()
        self._staff_touched = time.monotonic()
        return False  # widgets still get the touch

    # -- intents (from widgets) ------------------------------------------------------------
    def service_tapped(self, service_id: str) -> None:
        view = next((s for s in self.terminal.services() if s.id == service_id), None)
        if view is None:
            return
        if not view.available:
            self.toast.show(words.unavailable_notice(view.title, view.reason), seconds=6)
        elif not self.terminal.choose_service(service_id):
            self.toast.show(words.unavailable_notice(view.title, "unavailable"), seconds=6)
        self._refresh_devices()

    def confirm_identity(self) -> None:
        service_id = self.terminal.snapshot().service_id
        if self.terminal.session.confirm() and service_id in FLOW_SERVICES:
            self._start_flow()

    # -- flows (一证通办, 证明打印) -----------------------------------------------------------
    def _flow(self) -> YizhengFlow | None:
        flow = self.terminal.flow
        return flow if isinstance(flow, YizhengFlow) else None

    def _proof_flow(self) -> ProofFlow | None:
        flow = self.terminal.flow
        return flow if isinstance(flow, ProofFlow) else None

    def _start_flow(self) -> None:
        # The terminal forwards the flow's changes as "flow" notifications (any thread),
        # which _on_terminal hands to the Kivy clock like every other notification.
        self.terminal.start_flow()
        self._route()

    def cancel_session(self) -> None:
        self.terminal.session.finish(EndReason.CANCELLED)

    def finish_session(self) -> None:
        self.terminal.session.finish(EndReason.FINISHED)

    def end_now(self) -> None:
        self.overlay.hide()
        self.terminal.session.finish(EndReason.CANCELLED)

    def toggle_elderly(self) -> None:
        self.theme.elderly = not self.theme.elderly
        log.info("elderly mode %s", "on" if self.theme.elderly else "off")

    # -- staff (printed-output log) --------------------------------------------------------
    def _top_bar_touched(self, bar: TopBar, touch: Any) -> bool:
        # The hall name and title: nothing there reacts to a citizen's tap.
        if bar.ids.title.parent.collide_point(*touch.pos) and self._staff_gesture.tap():
            self.open_staff_login()
        return False

    def open_staff_login(self) -> bool:
        """The PIN screen, from the home screen with no citizen being served."""
        snap = self.terminal.snapshot()
        if snap.state is not SessionState.IDLE or self.manager.current != "home":
            return False
        log.info("staff: PIN screen opened")
        self.staff_mode = "pin"
        self._staff_touched = time.monotonic()
        self.toast.hide()
        self.staff_pin.open()
        self._route()
        return True

    def open_staff_by_card(self) -> bool:
        """A staff card in the card reader: the print log without the PIN (home screen only)."""
        if not self.open_staff_login():
            return False
        log.info("staff: card accepted")
        self.staff_logged_in()
        return True

    def staff_logged_in(self) -> None:
        if self.staff_mode != "pin" or self.terminal.snapshot().state is not SessionState.IDLE:
            return
        log.info("staff: print log opened")
        self.staff_mode = "log"
        self._staff_touched = time.monotonic()
        self.staff_log.open()
        self._route()

    def close_staff(self, why: str = "exit", route: bool = True) -> None:
        if not self.staff_mode:
            return
        log.info("staff: %s screen closed (%s)", self.staff_mode, why)
        self.staff_mode = ""
        self._staff_gesture.reset()
        self.staff_pin.reset()
        self.staff_log.reset()  # the look-up number and the rows go with the screen
        if route and self.root is not None:
            self._route()

    # -- social security card PIN ---------------------------------------------------------
    def close_pin_pad(self, cancel: bool) -> None:
        """Close the PIN pad; with ``cancel``, a prompt still waiting for the citizen ends
        too (the card reader would otherwise wait for its timeout)."""
        if not self.pin_pad.shown:
            return
        waiting = not self.pin_pad.checking
        self.pin_pad.hide()
        if cancel and waiting:
            self.terminal.cancel_pin()

    # -- notifications ---------------------------------------------------------------------
    def _on_terminal(self, kind: str, data: dict[str, Any]) -> None:
        # Any thread: hand over to the Kivy clock and return at once.
        Clock.schedule_once(partial(self._handle, kind, data), 0)

    def _handle(self, kind: str, data: dict[str, Any], *_: Any) -> None:
        if self.root is None:
            return  # not built yet; on_start and the tick read the current state anyway
        if kind == "state":
            # The session moved on (the card's outcome, or another card): a PIN prompt
            # nobody is answering any more ends here.
            self.close_pin_pad(cancel=True)
            if data.get("state") is not SessionState.IDLE:
                self.toast.hide()  # what the last citizen was told is not for this one
                self.close_staff("citizen session", route=False)
            self._route()
        elif kind == "ended":
            self.close_pin_pad(cancel=True)
            take_card = data.get("take_card")
            self._ended(str(data.get("reason", EndReason.CANCELLED)),
                        take_card if isinstance(take_card, bool) else None)
        elif kind == "pin_request":
            if not self.pin_pad.shown:
                self.toast.hide()
            tries = data.get("tries_left")
            self.pin_pad.ask(tries if isinstance(tries, int) else None)
        elif kind == "warning":
            snap = self._route()
            if snap.state is not SessionState.IDLE and not snap.card_removed:
                self.overlay.show_warning(words.seconds(snap.seconds_left))
        elif kind == "card_removed":
            snap = self.terminal.snapshot()
            if snap.state is not SessionState.IDLE:
                self.overlay.show_removed(words.seconds(snap.seconds_left), self._source_of(snap))
        elif kind == "card_back":
            snap = self.terminal.snapshot()
            if snap.card_returned:  # back within the grace: the citizen says 继续办理
                self.overlay.show_back(self._source_of(snap))
            else:
                if self.overlay.mode == "removed":
                    self.overlay.hide()
                self.toast.show(words.card_back(self._source), seconds=3)
        elif kind == "read_failed":
            self.close_pin_pad(cancel=False)  # the read is over: nothing waits for a PIN
            code = str(data.get("code", ""))
            if self.manager.current == "identity":
                self.screens["identity"].show_failure(code)  # type: ignore[attr-defined]
            else:
                self.toast.show(words.read_failed(code))
        elif kind == "device_status":
            self._refresh_devices()
        elif kind == "flow":
            if self.terminal.snapshot().state is SessionState.ACTIVE:
                self._route()
        elif kind == "code":
            self.toast.show(words.code_message(data), seconds=8)
        elif kind == "card_refused":
            self.toast.show(words.card_refused(str(data.get("kind", "")), str(data.get("reason", ""))),
                            seconds=6)
        elif kind == "staff_card":
            self.open_staff_by_card()

    def _ended(self, reason: str, take_card: bool | None = None) -> None:
        self.clear_identity()
        self.overlay.hide()
        self.manager.current = "home"
        self.toast.show(words.ended(reason, self._source, take_card), seconds=8 if take_card else 5)
        self._source = "id_card"
        self._refresh_devices()

    def _source_of(self, snap: SessionSnapshot) -> str:
        if snap.identity is not None:
            self._source = snap.identity.source
        return self._source

    def clear_identity(self) -> None:
        for screen in self.screens.values():
            screen.clear_identity()

    def _target(self, snap: SessionSnapshot) -> str:
        if snap.state is SessionState.WAITING_CARD:
            return "identity"
        if snap.state is SessionState.IDENTIFIED:
            return "identity_read"
        if snap.state is SessionState.ACTIVE:
            if snap.service_id == YIZHENG:
                return screen_for(self._flow())
            if snap.service_id == PROOFS:
                return proof_screen_for(self._proof_flow())
            return RESULT_SCREENS.get(snap.service_id or "", "home")
        if snap.state is SessionState.IDLE and self.staff_mode:
            return STAFF_SCREENS[self.staff_mode]
        return "home"

    def _route(self) -> SessionSnapshot:
        snap = self.terminal.snapshot()
        if snap.state is not SessionState.IDLE and self.staff_mode:
            self.close_staff("citizen session", route=False)  # a citizen never meets a staff screen
        target = self._target(snap)
        self._source_of(snap)
        if snap.state is SessionState.IDLE:
            self.clear_identity()
        screen = self.screens[target]
        screen.show(snap)
        if isinstance(screen, FlowScreen):
            screen.show_flow(self._flow())
        elif isinstance(screen, ProofScreen):
            screen.show_flow(self._proof_flow())
        if self.manager.current != target:
            self.manager.current = target
        return snap

    # -- clock -----------------------------------------------------------------------------
    def _tick(self, _dt: float) -> None:
        self.terminal.session.tick()
        if self.staff_mode and time.monotonic() - self._staff_touched > self.staff_idle_s:
            self.close_staff("idle")
        snap = self.terminal.snapshot()
        self.top_bar.clock = words.clock(self.terminal.zone)
        running = snap.state is not SessionState.IDLE
        self.top_bar.countdown = words.countdown(snap.seconds_left) if running else ""
        overlay = self.overlay
        if overlay.shown:
            gone = {"removed": not snap.card_removed,
                    "back": not snap.card_returned}.get(overlay.mode, not snap.warning)
            if not running or gone:
                overlay.hide()
            else:
                overlay.set_seconds(words.seconds(snap.seconds_left))
        elif running and snap.card_removed:
            overlay.show_removed(words.seconds(snap.seconds_left), self._source_of(snap))
        elif running and snap.card_returned:
            overlay.show_back(self._source_of(snap))
        if self.manager.current != self._target(snap):
            self._route()  # a lost or reordered notification heals here
        self._refresh_devices()

    def _refresh_devices(self) -> None:
        messages = []
        now = time.monotonic()
        statuses = self.terminal.device_statuses()
        for name, status in statuses.items():
            if status.ready:
                self._fault_since.pop(name, None)
                continue
            since = self._fault_since.setdefault(name, now)
            if now - since >= BANNER_DELAY_S:
                state = status.state.value if status.state.value != "online" else "supplies"
                if state == "user_error" and status.fault in words.DEVICE_STATE_WORDS:
                    state = status.fault  # "缺纸" says more than "需要工作人员处理"
                messages.append(words.device_banner(name, state))
        self.banner.message = "\n".join(messages)
        services = self.terminal.services()
        home: HomeScreen = self.screens["home"]  # type: ignore[assignment]
        home.set_services(services)
        default = self.kiosk_config.services.default
        ways = self._other_ways(statuses)
        home.set_card_hint(next((s for s in services if s.id == default), None), ways)
        identity: IdentityScreen = self.screens["identity"]  # type: ignore[assignment]
        identity.other_ways = words.other_ways(ways)

    def _other_ways(self, statuses: Mapping[str, Any]) -> frozenset[str]:
        """The devices besides the ID card reader that can identify a citizen right now
        (``statuses``: Terminal.device_statuses())."""
        enrolled = self.terminal.central is not None
        return frozenset(
            name for name, needs_central in OTHER_WAYS_NEED_CENTRAL.items()
            if name in statuses and statuses[name].ready and (enrolled or not needs_central)
        )
