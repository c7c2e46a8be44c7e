"""On-screen keyboards: the pinyin letters, digits and symbols of the Chinese text entry
(screens/common/ime_entry.py), and the code pads: numbers (with X for ID numbers, - for
phones), dates, the letters of a unified social credit code, and 办件查询's 查询码.

Keys have a fixed height (``app.theme.key_size``: larger in elderly mode), never squeezed
by what is above the keyboard; rows keep their keys' relative widths.

``Keyboard.on_key(key)`` gives one character, or BACK / CLEAR; ``edit()`` applies a key
(or a committed piece of text) to a value the way the field's type wants it (dates get
their dashes by themselves).
"""

from __future__ import annotations

import re
from typing import Any

from kivy.metrics import dp
from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

BACK, CLEAR = "\b", "\x7f"
BACK_LABEL, CLEAR_LABEL = "退格", "清空"

# GB 32100: digits and capital letters except I, O, Z, S, V.
USCC_LETTERS = "ABCDEFGHJKLMNPQRTUWXY"
USCC_LENGTH = 18

Row = list[tuple[str, float]]  # (key, relative width); key "" is an empty gap


def _pad(extra: str) -> list[Row]:
    """Four rows: the digits, 退格 and 清空 on the right, a wide 0 at the bottom."""
    return [[("1", 1), ("2", 1), ("3", 1), (BACK, 1)],
            [("4", 1), ("5", 1), ("6", 1), (CLEAR, 1)],
            [("7", 1), ("8", 1), ("9", 1), (extra, 1)],
            [("0", 3), ("", 1)]]


def _chars(text: str) -> Row:
    return [(c, 1) for c in text]


LAYOUTS: dict[str, list[Row]] = {
    "number": _pad(""),
    "date": _pad(""),
    "phone": _pad("-"),
    "id_number": _pad("X"),
    "uscc": [
        _chars("1234567890"),
        _chars(USCC_LETTERS[:10]),
        _chars(USCC_LETTERS[10:20]),
        [(USCC_LETTERS[20], 1), ("", 3), (BACK, 3), (CLEAR, 3)],
    ],
    # 办件查询's 查询码: central's alphabet without look-alikes (no 0 1 I O).
    "check_code": [
        _chars("23456789"),
        _chars("ABCDEFGHJK"),
        _chars("LMNPQRSTUV"),
        [*_chars("WXYZ"), (BACK, 3), (CLEAR, 3)],
    ],
    # The text entry's keyboards: three rows each, so the candidate bar fits above them.
    "pinyin": [
        _chars("qwertyuiop"),
        [("", 0.5), *_chars("asdfghjkl"), ("", 0.5)],
        [*_chars("zxcvbnm"), (CLEAR, 1.5), (BACK, 1.5)],
    ],
    "digits": [
        _chars("12345"),
        _chars("67890"),
        [("-", 1), ("#", 1), ("/", 1), (CLEAR, 1), (BACK, 1)],
    ],
    "symbols": [
        _chars("，。、；：？！（）—"),
        _chars("《》“”·…@#-/"),
        [(" ", 4), (CLEAR, 3), (BACK, 3)],
    ],
}


def _compact(extra: str) -> list[Row]:
    """Three rows of five: the code pads inside the text entry, where a candidate bar or
    the 下一项 button sits above the keys and four rows would not fit in elderly mode."""
    last: Row = [(extra, 1), (CLEAR, 2), (BACK, 2)] if extra else [(CLEAR, 2.5), (BACK, 2.5)]
    return [_chars("12345"), _chars("67890"), last]


for _kind, _extra in (("number", ""), ("date", ""), ("phone", "-"), ("id_number", "X")):
    LAYOUTS[f"compact:{_kind}"] = _compact(_extra)

MAX_LENGTH = {"phone": 13, "id_number": 18, "uscc": USCC_LENGTH, "date": 10, "check_code": 6}


class KeyButton(ButtonBehavior, Label):
    key = StringProperty("")


class Keyboard(BoxLayout):
    """Rows of keys, each ``key_height`` high (kv binds it to the theme); ``kind`` picks
    the layout. The keyboard is as high as its rows (``minimum_height``)."""

    kind = StringProperty("")
    rows = ListProperty([])
    key_height = NumericProperty(dp(72))

    __events__ = ("on_key",)

    def on_kind(self, *_: object) -> None:
        self.rows = LAYOUTS.get(self.kind, [])

    def on_rows(self, *_: object) -> None:
        self.clear_widgets()
        for row in self.rows:
            line = BoxLayout(size_hint_y=None, height=self.key_height)
            total = sum(width for _, width in row)
            for key, width in row:
                button = KeyButton(key=key, text=_label(key), size_hint_x=width / total)
                button.bind(on_release=lambda b: self.dispatch("on_key", b.key))
                line.add_widget(button)
            self.add_widget(line)

    def on_key_height(self, *_: Any) -> None:
        for line in self.children:
            line.height = self.key_height

    def on_key(self, key: str) -> None:
        pass


def _label(key: str) -> str:
    return {BACK: BACK_LABEL, CLEAR: CLEAR_LABEL, " ": "空格"}.get(key, key)


def edit(value: str, key: str, kind: str) -> str:
    """The value after one key press (or a committed piece of text) in a field of type
    ``kind``."""
    if kind == "date":
        return _edit_date(value, key)
    if key == CLEAR:
        return ""
    if key == BACK:
        return value[:-1]
    limit = MAX_LENGTH.get(kind)
    if limit is not None and len(value) >= limit:
        return value
    return value + key


def _edit_date(value: str, key: str) -> str:
    digits = re.sub(r"\D", "", value)
    if key == CLEAR:
        digits = ""
    elif key == BACK:
        digits = digits[:-1]
    elif key.isdigit() and len(digits) < 8:
        digits += key
    parts = [digits[:4], digits[4:6], digits[6:8]]
    return "-".join(p for p in parts if p)
