"""Staff access: the hidden gesture on the home screen and the PIN screen.

Five taps on the hall name in the top bar within three seconds, on the home screen with no
citizen being served, open the PIN screen; the right PIN opens the printed-output log
(screens/staff_log.py). PIN checks (scrypt, a lock file) and every read of the log run on a
worker thread: the UI thread never waits on them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from kiosk.staff import MAX_PIN, MIN_PIN, PinResult

from . import words
from .staff_widgets import StaffChip  # noqa: F401  (kv)
from .widgets import KioskScreen
from .yizheng.keyboard import Keyboard, edit  # noqa: F401  (kv: Keyboard)

log = logging.getLogger(__name__)

T = TypeVar("T")

GESTURE_TAPS, GESTURE_WINDOW_S = 5, 3.0
STAFF_IDLE_S = 120.0   # the staff screens close by themselves after this long untouched
PIN_DOT, PIN_BLANK = "●", "○"


class TapCounter:
    """True on the ``taps``-th tap within ``window_s`` seconds (then it starts over)."""

    def __init__(self, taps: int = GESTURE_TAPS, window_s: float = GESTURE_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.taps = taps
        self.window_s = window_s
        self._clock = clock
        self._times: list[float] = []

    def tap(self) -> bool:
        now = self._clock()
        self._times = [t for t in self._times if now - t <= self.window_s] + [now]
        if len(self._times) >= self.taps:
            self._times.clear()
            return True
        return False

    def reset(self) -> None:
        self._times.clear()


def in_background(work: Callable[[], T], done: Callable[[T], None],
                  failed: Callable[[], None] | None = None) -> None:
    """Run ``work`` on a worker thread, then ``done(value)`` (or ``failed()`` when work
    raised) on the Kivy main thread."""

    def run() -> None:
        try:
            value = work()
        except Exception:  # a database or disk problem: the screen says so, the app lives
            log.exception("staff: background work failed")
            if failed is not None:
                Clock.schedule_once(lambda _dt: failed(), 0)
            return
        Clock.schedule_once(lambda _dt: done(value), 0)

    threading.Thread(target=run, name="staff work", daemon=True).start()


Builder.load_string(
    """
#:import dp kivy.metrics.dp

<StaffPinScreen>:
    name: 'staff_pin'
    BoxLayout:
        orientation: 'vertical'
        padding: dp(48), dp(20), dp(48), dp(20)
        spacing: dp(16)
        BoxLayout:
            spacing: dp(40)
            BoxLayout:
                orientation: 'vertical'
                size_hint_x: .5
                spacing: dp(16)
                WrapLabel:
                    text: '工作人员登录'
                    style: 'xl'
                    bold: True
                WrapLabel:
                    text: '请输入工作人员密码，查看本机打印记录'
                    tone: 'muted'
                Label:
                    id: dots
                    text: root.dots
                    size_hint_y: None
                    height: self.texture_size[1] + dp(28)
                    font_size: app.theme.font_l
                    color: app.theme.primary
                    canvas.before:
                        Color:
                            rgba: app.theme.surface
                        RoundedRectangle:
                            pos: self.pos
                            size: self.size
                            radius: [dp(12)]
                        Color:
                            rgba: app.theme.primary
                        Line:
                            rounded_rectangle: (self.x + 1, self.y + 1, self.width - 2, self.height - 2, dp(12))
                            width: app.theme.border_width * 1.4
                DangerNotice:
                    text: root.message
                Widget:
            Keyboard:
                id: keyboard
                kind: 'number'
                size_hint_x: .5
                on_key: root.key(args[1])
        BoxLayout:
            size_hint_y: None
            height: back.height
            spacing: dp(32)
            BigButton:
                id: back
                text: '返回'
                kind: 'secondary'
                size_hint_x: .4
                on_release: app.close_staff()
            BigButton:
                text: '正在验证…' if root.checking else '确定'
                size_hint_x: .6
                disabled: root.checking or len(root.pin) < root.min_pin
                opacity: .4 if self.disabled else 1
                on_release: root.submit()
"""
)


class StaffPinScreen(KioskScreen):
    pin = StringProperty("")
    dots = StringProperty(" ".join(PIN_BLANK * MIN_PIN))  # the PIN as dots, blanks up to the minimum
    message = StringProperty("")
    checking = BooleanProperty(False)
    min_pin = MIN_PIN
    _attempt = 0  # results of a check begun before the screen was reset are dropped

    def open(self) -> None:
        self.reset()
        staff = App.get_running_app().terminal.staff
        if not staff.configured:
            self.message = words.staff_pin("no_pin_configured")
            return
        attempt = self._attempt

        def shown(locked_for: float) -> None:
            if attempt == self._attempt and locked_for > 0:
                self.message = words.staff_pin("locked", locked_for_s=locked_for)

        in_background(staff.locked_for, shown)

    def key(self, key: str) -> None:
        if self.checking:
            return
        value = edit(self.pin, key, "number")
        if len(value) <= MAX_PIN:
            self.pin = value

    def submit(self) -> None:
        if self.checking or len(self.pin) < MIN_PIN:
            return
        app = App.get_running_app()
        pin, attempt = self.pin, self._attempt
        self.checking = True

        def checked(result: PinResult) -> None:
            if attempt != self._attempt:
                return
            self.checking = False
            self.pin = ""
            if result.ok:
                app.staff_logged_in()
            else:
                self.message = words.staff_pin(result.reason, result.attempts_left, result.locked_for_s)

        def broken() -> None:
            if attempt == self._attempt:
                self.checking = False
                self.pin = ""
                self.message = words.STAFF_PIN_DEFAULT

        in_background(lambda: app.terminal.staff_login(pin), checked, broken)

    def on_pin(self, *_: Any) -> None:
        blank = PIN_BLANK * max(0, MIN_PIN - len(self.pin))
        self.dots = " ".join(PIN_DOT * len(self.pin) + blank)

    def reset(self) -> None:
        self._attempt += 1
        self.pin = self.message = ""
        self.checking = False
