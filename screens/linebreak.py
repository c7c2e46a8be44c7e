"""Wrapped labels break lines by the receipts' rule (kiosk/linebreak.py): closing
punctuation (，。、；：？！）」』》…) never starts a line and an opening bracket never ends
one; a single character is not left alone on the last line when the line before can give
it company.

``LineBreaking`` is mixed into a Label whose width is fixed by ``text_size``: before Kivy
draws, the text is broken into lines with the label's own font metrics and the drawn text
carries the breaks. ``text`` itself is unchanged (what tests and voice read).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from kiosk.linebreak import CLOSING, wrap


def break_lines(text: str, width: float, measure: Any) -> str:
    """``text`` with a newline wherever a line of ``width`` ends."""
    lines = wrap(text, width, measure)
    last = "".join(ch for ch in lines[-1] if ch not in CLOSING) if lines else ""
    if len(lines) >= 2 and len(last) == 1 and len(lines[-2]) > 3:
        # An orphan: one character (with its closing marks, "等。") alone on the last
        # line. The character before goes down with it, and one more if that was a mark.
        lines[-1] = lines[-2][-1] + lines[-1]
        lines[-2] = lines[-2][:-1]
        if lines[-1][0] in CLOSING:
            lines[-1] = lines[-2][-1] + lines[-1]
            lines[-2] = lines[-2][:-1]
        # A number or a Latin word goes down whole ("12号", not "1" / "2号") when it fits.
        word = _trailing_word(lines[-2])
        if word and _narrow(lines[-1][0]) and len(lines[-2]) - word > 3 \
                and measure(lines[-2][-word:] + lines[-1]) <= width:
            lines[-1] = lines[-2][-word:] + lines[-1]
            lines[-2] = lines[-2][:-word]
    return "\n".join(lines)


def _narrow(ch: str) -> bool:
    """A digit, a Latin letter or ASCII punctuation: part of a word kept whole."""
    return not ch.isspace() and unicodedata.east_asian_width(ch) not in ("W", "F")


def _trailing_word(line: str) -> int:
    """How many narrow characters end ``line``."""
    n = 0
    while n < len(line) and _narrow(line[-1 - n]):
        n += 1
    return n


class LineBreaking:
    """Mix into a Label (before Label in the bases)."""

    def texture_update(self, *largs: Any) -> None:
        label: Any = self
        core = label._label
        width = (label.text_size[0] if label.text_size else None) or 0
        padding = list(core.options.get("padding") or [0, 0, 0, 0])
        if len(padding) == 4:
            width -= padding[0] + padding[2]   # Kivy wraps inside the padding
        text = label.text
        if text and width > 1 and not label.markup and not label.shorten:
            core.text = _broken(text, float(width), core.options.get("font_size", 0),
                                core.options.get("font_name", ""), core.options.get("bold", False),
                                _Measure(core))
        super().texture_update(*largs)  # type: ignore[misc]


class _Measure:
    """The rendered width of a piece of text in the core label's font."""

    def __init__(self, core: Any) -> None:
        self.core = core

    def __call__(self, piece: str) -> float:
        return float(self.core.get_extents(piece)[0])

    # lru_cache keys: equal for one font (the font is in the key beside it)
    def __hash__(self) -> int:
        return 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Measure)


@lru_cache(maxsize=2048)
def _broken(text: str, width: float, _size: float, _font: str, _bold: bool, measure: _Measure) -> str:
    # Slightly narrower than the box: Kivy must not wrap a line again on its own.
    return break_lines(text, width - 1, measure)
