"""Contrast for the accessibility check (tests/support/a11y.py): the colour really drawn
behind a point, from the canvases of the widgets drawn before it, and the WCAG 2.1 ratio
(coloraide)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from coloraide import Color

Rect = tuple[float, float, float, float]


def fills(widget: Any, instructions: Iterable[Any]) -> Iterator[tuple[tuple[float, ...], Rect]]:
    """(rgba, window rect) of each untextured fill in a list of canvas instructions."""
    from kivy.graphics import BorderImage, Ellipse, Rectangle, RoundedRectangle
    from kivy.graphics import Color as KColor
    from kivy.uix.relativelayout import RelativeLayout

    local = isinstance(widget, RelativeLayout)   # its canvas draws in its own frame
    rgba: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0)
    for ins in instructions:
        if isinstance(ins, KColor):
            rgba = tuple(ins.rgba)
        elif isinstance(ins, BorderImage) or (isinstance(ins, Rectangle | RoundedRectangle | Ellipse)
                                              and _plain_fill(ins.texture)):
            # A BorderImage is a button's 9-patch background: taken as its colour.
            (x, y), (w, h) = ins.pos, ins.size
            x1, y1 = widget.to_window(x, y, initial=not local)
            x2, y2 = widget.to_window(x + w, y + h, initial=not local)
            yield rgba, (min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1))


def _plain_fill(texture: Any) -> bool:
    """No texture, or Kivy's default one (one white pixel stretched: kv shapes get it)."""
    return texture is None or "glsl/default.png" in repr(texture)


def background_at(point: tuple[float, float], label: Any, drawn: list[tuple[Any, float]],
                  clear_color: tuple[float, float, float]) -> tuple[float, float, float]:
    """The colour drawn behind ``point`` (window coordinates) under ``label``: every fill
    of every widget drawn before the label's text (its own canvas.before and canvas
    included), composited over the window's clear colour. ``drawn``: (widget, effective
    opacity) in draw order."""
    px, py = point
    colour = list(clear_color)

    def blend(rgba: tuple[float, ...], rect: Rect, opacity: float) -> None:
        if rect[0] <= px <= rect[0] + rect[2] and rect[1] <= py <= rect[1] + rect[3]:
            alpha = rgba[3] * opacity
            for i in range(3):
                colour[i] = rgba[i] * alpha + colour[i] * (1 - alpha)

    for widget, opacity in drawn:
        before = widget.canvas.before.children if widget.canvas.before else []
        for rgba, rect in fills(widget, before):
            blend(rgba, rect, opacity)
        # canvas: a Button's own background is drawn there, before its text's texture.
        for rgba, rect in fills(widget, widget.canvas.children):
            blend(rgba, rect, opacity)
        if widget is label:
            break
    # canvas.after of ancestors is drawn after the label: not behind it.
    return colour[0], colour[1], colour[2]


def contrast_ratio(fg: tuple[float, ...], bg: tuple[float, ...]) -> float:
    return float(Color("srgb", list(fg[:3])).contrast(Color("srgb", list(bg[:3])), method="wcag21"))


def hex_rgb(rgb: Iterable[float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c * 255))):02X}" for c in rgb)
