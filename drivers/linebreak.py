"""Line breaking for Chinese text: receipts, and the screens' wrapped labels (through
kiosk/linebreak.py, since screens reach drivers only through kiosk/). Chinese, Latin words
and numbers, and punctuation rules.

Chinese may break between any two characters. A run of narrow characters (Latin letters,
digits, URL and number punctuation) is one word and is kept whole when it fits on a line;
a word longer than a line is broken where the line ends. Closing punctuation (，。、）》...)
never starts a line: the character before it moves down with it. Opening punctuation
(（《「...) never ends a line. Spaces at a break vanish.

Widths come from a ``measure`` function, so one algorithm serves both modes: display
columns for native GB18030 text, rendered pixel widths for rasters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

Measure = Callable[[str], float]

# Characters that must not start a line (Chinese 避头点 plus their ASCII cousins).
CLOSING = frozenset(
    "，。、；：？！）》」』】〗〕〉”’％…‥·～﹐﹑﹒﹔﹕﹖﹗）］｝"
    ",.;:?!)]}%"
)
# Characters that must not end a line (避尾点).
OPENING = frozenset("（《「『【〖〔〈“‘［｛([{")


def gb18030_columns(text: str) -> int:
    """Display columns of ``text`` on a printer in Chinese mode: an ASCII character takes
    one column (font A, 12 dots); anything else is a double-byte (or four-byte) GB18030
    character printed from the 24-dot Chinese font, two columns."""
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text)


def wrap(text: str, width: float, measure: Measure) -> list[str]:
    """Break ``text`` into lines no wider than ``width``. Explicit newlines start a new
    line; an empty paragraph gives an empty line."""
    if width <= 0:
        raise ValueError(f"line width must be positive, not {width}")
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        lines.extend(_Wrapper(width, measure).run(paragraph.replace("\t", " ")))
    return lines


def _units(paragraph: str) -> list[str]:
    """Split into break units: runs of spaces, runs of narrow non-space characters (a
    word), and single wide characters (CJK ideographs, full-width punctuation)."""
    units: list[str] = []
    start = 0
    for i in range(1, len(paragraph)):
        kind = _kind(paragraph[i])
        if kind == _WIDE or kind != _kind(paragraph[i - 1]):
            units.append(paragraph[start:i])
            start = i
    if paragraph:
        units.append(paragraph[start:])
    return units


_SPACE, _NARROW, _WIDE = 0, 1, 2


def _kind(ch: str) -> int:
    if ch.isspace():
        return _SPACE
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return _WIDE
    return _NARROW


class _Wrapper:
    def __init__(self, width: float, measure: Measure) -> None:
        self.width = width
        self.measure = measure
        self.lines: list[str] = []
        self.line: list[str] = []      # units on the current line
        self.used = 0.0

    def run(self, paragraph: str) -> list[str]:
        for unit in _units(paragraph):
            self._add(unit)
        self._flush()
        if not self.lines:
            self.lines.append("")
        return self.lines

    def _add(self, unit: str) -> None:
        if unit.isspace():
            # Leading spaces of a paragraph are indentation; after a break they vanish.
            if self.line or not self.lines:
                self._put(unit)
            return
        w = self.measure(unit)
        if self.used + w <= self.width:
            self._put(unit)
            return
        if w > self.width:
            self._break_word(unit)
            return
        self._new_line_with(unit)

    def _put(self, unit: str) -> None:
        self.line.append(unit)
        self.used += self.measure(unit)

    def _break_word(self, word: str) -> None:
        """A word longer than a whole line: fill lines character by character."""
        for ch in word:
            if self.used + self.measure(ch) > self.width and self._content():
                carried = []
                last = self.line[-1]
                if ch in CLOSING and len(self.line) > 1 and last[-1] not in CLOSING \
                        and not last.isspace():
                    carried.append(self.line.pop())   # "gov" / ".cn" -> "go" / "v.cn"
                self._flush()
                for moved in carried:
                    self._put(moved)
            self._put(ch)

    def _new_line_with(self, unit: str) -> None:
        if not self._content():  # only indentation so far: drop it rather than break
            self.line, self.used = [], 0.0
            self._put(unit)
            return
        carried = self._carry(unit)
        self._flush()
        for moved in carried:
            self._put(moved)
        self._put(unit)

    def _carry(self, unit: str) -> list[str]:
        """Units to move from the end of the current line down to the next one, so that
        the next line does not start with closing punctuation and this line does not end
        with opening punctuation. The current line always keeps at least one unit."""
        moved: list[str] = []
        budget = self.width - self.measure(unit)
        line = list(self.line)
        while line and line[-1].isspace():
            line.pop()
        needs_move = unit[0] in CLOSING
        while len(line) > 1 and (needs_move or line[-1][-1] in OPENING):
            last = line[-1]
            cost = self.measure(last)
            if cost > budget:
                break  # the moved text would not fit either: leave the line as it is
            line.pop()
            moved.insert(0, last)
            budget -= cost
            needs_move = last[0] in CLOSING
            while line and line[-1].isspace():
                line.pop()
        if moved:
            self.line = line
        return moved

    def _content(self) -> bool:
        return any(not u.isspace() for u in self.line)

    def _flush(self) -> None:
        while self.line and self.line[-1].isspace():
            self.line.pop()
        if self.line or not self.lines:
            self.lines.append("".join(self.line))
        self.line = []
        self.used = 0.0
