"""The handwriting pad: a character written with a finger. Strokes come from the pad's own
touches (down, moves, up), are drawn as ink as the finger moves, and after each stroke
``on_strokes(strokes)`` gives every stroke so far in pad coordinates (x right, y down, in
pixels of the pad's current size), as the recognizer takes them.
"""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Line
from kivy.metrics import dp
from kivy.properties import ColorProperty, NumericProperty
from kivy.uix.widget import Widget

MIN_STEP = dp(2)  # a move shorter than this adds no point


class HandwritingPad(Widget):
    ink = ColorProperty([0, 0, 0, 1])
    ink_width = NumericProperty(dp(4))

    __events__ = ("on_strokes",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.strokes: list[list[tuple[float, float]]] = []
        self._lines: list[Any] = []
        self._ink = None

    # -- touches ---------------------------------------------------------------------------
    def on_touch_down(self, touch: Any) -> bool:
        if not self.collide_point(*touch.pos) or self.disabled:
            return False
        touch.grab(self)
        self.strokes.append([self._local(touch)])
        with self.canvas.after:
            Color(*self.ink)
            line = Line(points=list(touch.pos), width=self.ink_width, cap="round", joint="round")
        self._lines.append(line)
        return True

    def on_touch_move(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return False
        point = self._local(touch)
        last = self.strokes[-1][-1]
        if abs(point[0] - last[0]) + abs(point[1] - last[1]) >= MIN_STEP:
            self.strokes[-1].append(point)
            self._lines[-1].points = [*self._lines[-1].points, touch.x, touch.y]
        return True

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return False
        touch.ungrab(self)
        point = self._local(touch)
        if point != self.strokes[-1][-1]:
            self.strokes[-1].append(point)
            self._lines[-1].points = [*self._lines[-1].points, touch.x, touch.y]
        self.dispatch("on_strokes", [list(s) for s in self.strokes])
        return True

    def _local(self, touch: Any) -> tuple[float, float]:
        x = min(max(touch.x - self.x, 0.0), self.width)
        y = min(max(self.top - touch.y, 0.0), self.height)
        return (round(x, 1), round(y, 1))

    # -- editing ---------------------------------------------------------------------------
    def undo(self) -> bool:
        """Take back the last stroke; False when the pad was empty."""
        if not self.strokes:
            return False
        self.strokes.pop()
        self._redraw()
        return True

    def clear(self) -> None:
        self.strokes = []
        self._lines = []
        self.canvas.after.clear()

    def _redraw(self) -> None:
        points = [list(s) for s in self.strokes]
        self.clear()
        for stroke in points:
            flat = [c for x, y in stroke for c in (self.x + x, self.top - y)]
            with self.canvas.after:
                Color(*self.ink)
                self._lines.append(Line(points=flat, width=self.ink_width, cap="round", joint="round"))
            self.strokes.append(stroke)

    def on_size(self, *_: Any) -> None:
        self._redraw()  # the ink follows the pad (points are kept from its top left)

    def on_pos(self, *_: Any) -> None:
        self._redraw()

    def on_strokes(self, strokes: list[list[tuple[float, float]]]) -> None:
        pass
