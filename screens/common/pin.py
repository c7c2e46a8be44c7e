"""PIN entry, shared by the social security card PIN pad (screens/pin_pad.py) and the staff
login (screens/staff.py): a prompt, a hint, the PIN as dots and a message on the left, the
number keypad on the right, the way back and 确定 below.

``PinTyping`` is the owner's side (the PIN typed so far, its dots, whether it is being
checked); ``PinEntry`` only shows what its owner binds into it and reports the keys.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from .keyboard import edit

PIN_DOT, PIN_BLANK = "●", "○"


def pin_dots(typed: int, blanks: int) -> str:
    """``typed`` dots, then open circles up to ``blanks`` places."""
    return " ".join(PIN_DOT * typed + PIN_BLANK * max(0, blanks - typed))


class PinTyping:
    """Mixin for the widget that owns a PIN being typed (a Kivy widget)."""

    pin = StringProperty("")
    dots = StringProperty("")
    message = StringProperty("")
    checking = BooleanProperty(False)
    complete = BooleanProperty(False)   # long enough for 确定
    min_pin = 4
    max_pin = 12
    blanks = 6  # places shown before anything is typed

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_pin()

    def set_places(self, blanks: int, least: int, most: int) -> None:
        """The PIN's places as configured: ``blanks`` circles, ``least`` to ``most`` digits
        (a 6-digit PIN: six circles, and 确定 once six are typed)."""
        if (blanks, least, most) != (self.blanks, self.min_pin, self.max_pin):
            self.blanks, self.min_pin, self.max_pin = blanks, least, most
            self.pin = self.pin[:most]
            self.on_pin()

    def type_key(self, key: str) -> None:
        """One key of the keypad (a digit, 退格 or 清空); nothing while the PIN is checked."""
        if self.checking:
            return
        value = edit(self.pin, key, "number")
        if len(value) <= self.max_pin:
            self.pin = value

    def on_pin(self, *_: Any) -> None:
        self.dots = pin_dots(len(self.pin), self.blanks)
        self.complete = len(self.pin) >= self.min_pin


class PinEntry(BoxLayout):
    """The look of a PIN entry. Events: ``on_key(key)``, ``on_submit``, ``on_cancel``."""

    prompt = StringProperty("")
    hint = StringProperty("")
    dots = StringProperty("")
    message = StringProperty("")
    checking = BooleanProperty(False)
    complete = BooleanProperty(False)   # long enough for 确定
    cancel_text = StringProperty("取消")
    checking_text = StringProperty("")
    left_share = NumericProperty(0.48)  # of the width, for the words; the keypad has the rest
    column_spacing = NumericProperty(18)  # dp between the words on the left

    __events__ = ("on_key", "on_submit", "on_cancel")

    def on_key(self, key: str) -> None:
        pass

    def on_submit(self) -> None:
        pass

    def on_cancel(self) -> None:
        pass
