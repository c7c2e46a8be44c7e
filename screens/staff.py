"""Staff access: the PIN screen of staff mode (kiosk/flows/staff.py).

Five taps on the hall name in the top bar within three seconds, on the home screen with no
citizen being served, open staff mode; the right PIN opens the printed-output log
(screens/staff_log.py). The flow checks the PIN off the UI thread and keeps the lockout; this
screen keeps only the digits being typed and shows what the flow says.
"""

from __future__ import annotations

import logging
from typing import Any

from kivy.app import App

from kiosk.flows.staff import StaffFlow, StaffStep
from kiosk.staff import MAX_PIN, MIN_PIN

from . import printing_words as print_words
from .common.pin import PinTyping
from .widgets import KioskScreen

log = logging.getLogger(__name__)


class StaffPinScreen(PinTyping, KioskScreen):
    """The PIN entry (screens/common/pin.py) and what staff mode says about the PIN."""

    min_pin, max_pin, blanks = MIN_PIN, MAX_PIN, MIN_PIN  # blanks up to the minimum

    def show_staff(self, staff: StaffFlow) -> None:
        self.checking = staff.step is StaffStep.CHECKING
        result = staff.pin_result
        if not staff.configured:
            self.message = print_words.staff_pin("no_pin_configured")
        elif result is not None and not result.ok:
            self.message = print_words.staff_pin(result.reason, result.attempts_left, result.locked_for_s)
        elif staff.locked_for > 0:
            self.message = print_words.staff_pin("locked", locked_for_s=staff.locked_for)
        else:
            self.message = ""

    def submit(self) -> None:
        if self.checking or len(self.pin) < MIN_PIN:
            return
        pin, self.pin = self.pin, ""
        App.get_running_app().terminal.staff.enter_pin(pin)

    def on_enter(self, *_: Any) -> None:
        self.reset()

    def on_leave(self, *_: Any) -> None:
        self.reset()   # the digits typed go with the screen

    def reset(self) -> None:
        self.pin = ""
