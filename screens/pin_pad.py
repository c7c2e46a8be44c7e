"""The social security card PIN pad: a modal panel over whatever screen is showing.

The card reader asks for the PIN on its own thread (drivers/pcsc/pinpad.py); the terminal
turns that into a ``pin_request`` notification and the app calls ``ask(tries_left)``. The
typed PIN lives only in this widget until 确定 hands it to ``on_answer``; then the panel
waits ("正在核验密码…") for what the card says: another ask after a wrong PIN (with the
tries left), or the app's ``hide()`` on the next session change or read failure. The
entry itself (prompt, dots, keypad, buttons) is screens/common/pin.py's, as on the staff
login.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from . import words
from .common.pin import PinTyping
from .dialogs import Modal

# Social security card PINs are 4 to 12 digits (the driver checks again); most are 6.
MIN_PIN, MAX_PIN, USUAL_PIN = 4, 12, 6


class PinOverlay(PinTyping, Modal):
    """Modal while shown: nothing underneath gets a touch. Events: ``on_answer(pin)`` when
    the citizen confirms a PIN, ``on_cancel`` when they give up."""

    prompt = StringProperty(words.PIN_PROMPT)
    hint = StringProperty(words.PIN_HINT)
    checking_text = StringProperty(words.PIN_CHECKING)
    min_pin, max_pin, blanks = MIN_PIN, MAX_PIN, USUAL_PIN

    __events__ = ("on_answer", "on_cancel")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._answered = False  # a PIN went to the card since the panel opened

    def ask(self, tries_left: int | None) -> None:
        """The card wants a PIN: the first time, or again after a wrong one."""
        self.message = words.pin_message(tries_left, again=self._answered)
        self.pin = ""
        self.checking = False
        self.shown = True

    def key(self, key: str) -> None:
        if self.shown:
            self.type_key(key)

    def submit(self) -> None:
        if self.checking or len(self.pin) < MIN_PIN:
            return
        pin, self.pin = self.pin, ""
        self.checking = True
        self._answered = True
        self.dispatch("on_answer", pin)

    def cancel(self) -> None:
        if not self.shown:
            return
        self.hide()
        self.dispatch("on_cancel")

    def hide(self) -> None:
        """Close and forget everything typed (also when the session changes under it)."""
        self.shown = False
        self.pin = self.message = ""
        self.checking = False
        self._answered = False

    def on_answer(self, pin: str) -> None:
        pass

    def on_cancel(self) -> None:
        pass
