"""Staff access: the PIN screen of staff mode (kiosk/flows/staff.py).

Five taps on the hall name in the top bar within three seconds, on the home screen with no
citizen being served, open staff mode; the right PIN opens the printed-output log
(screens/staff_log.py). The flow checks the PIN off the UI thread and keeps the lockout; this
screen keeps only the digits being typed and shows what the flow says. The PIN shows as many
places as the site's PIN has digits (``[staff] pin_digits``, six when not set).
"""

from __future__ import annotations

import logging
from typing import Any

from kivy.app import App

from kiosk.flows.pin_mode import PinMode
from kiosk.flows.staff import StaffFlow

from . import printing_words as print_words
from .common.pin import PinTyping
from .staff_widgets import add_idle_notice
from .widgets import KioskScreen

log = logging.getLogger(__name__)


class ModePinScreen(PinTyping, KioskScreen):
    """The PIN entry (screens/common/pin.py) of a mode behind a PIN (staff, technician):
    what the mode says about the PIN, and the countdown before it closes by itself."""

    def mode(self) -> PinMode:
        raise NotImplementedError

    def on_kv_post(self, base_widget: Any) -> None:
        self.idle_notice = add_idle_notice(self, lambda: self.mode().touch())

    def show_mode(self, mode: PinMode) -> None:
        self.set_places(*mode.pin_places)
        self.checking = mode.step is mode.CHECKING
        result = mode.pin_result
        if not mode.configured:
            self.message = self.not_configured()
        elif result is not None and not result.ok:
            self.message = print_words.staff_pin(result.reason, result.attempts_left, result.locked_for_s)
        elif mode.locked_for > 0:
            self.message = print_words.staff_pin("locked", locked_for_s=mode.locked_for)
        else:
            self.message = ""
        self.idle_notice.show_left(mode.notice_left())

    def not_configured(self) -> str:
        return print_words.staff_pin("no_pin_configured")

    def type_key(self, key: str) -> None:
        super().type_key(key)
        if self.message and not self.checking:
            self.mode().clear_message()   # typing again: the last answer goes

    def submit(self) -> None:
        if self.checking or len(self.pin) < self.min_pin:
            return
        pin, self.pin = self.pin, ""
        self.mode().enter_pin(pin)

    def on_enter(self, *_: Any) -> None:
        self.pin = ""

    def on_leave(self, *_: Any) -> None:
        self.reset()   # the digits typed and what was said about them go with the screen

    def reset(self) -> None:
        self.pin = ""
        self.message = ""


class StaffPinScreen(ModePinScreen):
    def mode(self) -> PinMode:
        return App.get_running_app().terminal.staff   # type: ignore[no-any-return]

    def show_staff(self, staff: StaffFlow) -> None:
        self.show_mode(staff)
