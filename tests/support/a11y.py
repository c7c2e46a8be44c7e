"""The accessibility check: walk a Kivy widget tree as drawn and report what a citizen
cannot read or touch.

``check(roots, ctx)`` runs on the Kivy main thread over the layers shown (the window's
children, or the app root's layers, topmost last) and returns ``Finding``s, each naming the
widget (class, id, text), the rule and the numbers:

- ``text_cut``: a label renders less than its text (lines dropped by a fixed ``text_size``,
  ``shorten``'s ellipsis);
- ``text_overflow``: the rendered text is larger than its widget, or sticks out of a shown
  ancestor (a ScrollView clips only in the directions it cannot scroll);
- ``overlap``: two shown touch targets overlap, or two shown texts do (same layer only: a
  modal layer hides what lies under it);
- ``target_size``: a touch target (ButtonBehavior, TextInput, ...) narrower or lower than
  ``TARGET_MM`` at the configured DPI;
- ``contrast``: text colour against the colour really behind it (every fill drawn before
  the text at its centre, composited over the window's clear colour) under 7:1 in elderly
  mode, 4.5:1 otherwise (WCAG 2.1 relative luminance);
- ``font_size``: text smaller than ``MIN_TEXT_MM`` of the mode;
- ``orphan``: a wrapped paragraph whose last line is one character;
- ``line_start_punct``: a wrapped line starting with closing punctuation (，。、）…).

``growth(normal, elderly)`` compares the font sizes of one screen in both modes: a text that
does not grow in elderly mode is reported (``no_growth``). Contrast uses coloraide's WCAG 2.1
ratio; compositing is plain source-over alpha blending.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from tests.support.a11y_contrast import background_at, contrast_ratio, fills, hex_rgb

TARGET_MM = 15.0
CONTRAST = {"normal": 4.5, "elderly": 7.0}
# Body text at least this tall on the glass (normal: 20 px at 102 dpi; elderly: x1.3).
MIN_TEXT_MM = {"normal": 4.9, "elderly": 6.3}
ELDERLY_GROWTH = 1.15           # every text grows at least this much in elderly mode
SLACK_PX = 1.5                  # rounding: Kivy places textures on whole pixels
OVERLAP_PX = 2.0
CLOSING_PUNCT = set("，。、；：？！）》」』】〕”’…,.;:?!)")
_MARKUP = re.compile(r"\[/?[a-z_]+(=[^\]]*)?\]")


@dataclass
class Finding:
    rule: str
    path: str
    detail: str
    numbers: dict[str, Any] = field(default_factory=dict)
    screen: str = ""
    mode: str = ""
    module: str = ""     # the module of the nearest widget class the project defines

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"[{self.screen}/{self.mode}] {self.rule}: {self.path}: {self.detail} {self.numbers}"


@dataclass
class Context:
    mode: str = "normal"            # "normal" | "elderly"
    dpi: float = 102.0
    clear_color: tuple[float, float, float] = (1.0, 1.0, 1.0)

    @property
    def target_px(self) -> float:
        return mm_to_px(TARGET_MM, self.dpi)

    @property
    def min_text_px(self) -> float:
        return mm_to_px(MIN_TEXT_MM[self.mode], self.dpi)


def mm_to_px(mm: float, dpi: float) -> float:
    return mm * dpi / 25.4


Rect = tuple[float, float, float, float]   # x, y, w, h in window coordinates


# -- the tree ------------------------------------------------------------------------------

def shown(widget: Any) -> bool:
    return bool(widget.opacity > 0.01 and widget.width > 0 and widget.height > 0)


def window_rect(widget: Any) -> Rect:
    x1, y1 = widget.to_window(widget.x, widget.y)
    x2, y2 = widget.to_window(widget.right, widget.top)
    return min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1)


def intersect(a: Rect, b: Rect) -> Rect | None:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    return (x1, y1, x2 - x1, y2 - y1) if x2 > x1 and y2 > y1 else None


def describe(widget: Any) -> str:
    """class#id "text" of one widget."""
    name = type(widget).__name__
    parent = getattr(widget, "parent", None)
    ids = getattr(parent, "ids", {}) if parent is not None else {}
    wid = next((k for k, v in _ids_of(widget).items() if v is widget), "")
    if not wid and ids:
        wid = next((k for k, v in ids.items() if v is widget), "")
    text = getattr(widget, "text", "")
    label = f"{name}#{wid}" if wid else name
    if isinstance(text, str) and text:
        short = text.replace("\n", "⏎")
        label += f' "{short[:24]}{"…" if len(short) > 24 else ""}"'
    return label


def _ids_of(widget: Any) -> dict[str, Any]:
    """The ids of the nearest ancestor rule that names this widget."""
    node = getattr(widget, "parent", None)
    for _ in range(12):
        if node is None or node is getattr(node, "parent", None):
            break
        ids = getattr(node, "ids", None)
        if ids:
            for key, value in ids.items():
                if value is widget:
                    return {key: value}
        node = getattr(node, "parent", None)
    return {}


# Building blocks every screen places: a finding in one is the placing layout's.
BUILDING_BLOCKS = {"WrapLabel", "Notice", "DangerNotice", "NoticeLabel", "BigButton", "Panel", "Tag"}


def owner_module(widget: Any) -> str:
    """The module of the nearest widget (itself first) of a class the project defines,
    building blocks skipped: where the layout that placed it is written."""
    node = widget
    while node is not None and not _is_window(node):
        cls = type(node)
        module = cls.__module__
        if not module.startswith(("kivy", "builtins")) and cls.__name__ not in BUILDING_BLOCKS:
            return str(module)
        node = node.parent
    return ""


def path_of(widget: Any, stop: Any = None) -> str:
    """Screen or layer > ... > widget, each as class#id "text" (the middle abbreviated)."""
    chain = []
    node = widget
    while node is not None and node is not stop and not _is_window(node):
        chain.append(node)
        node = node.parent
    chain.reverse()
    named = [describe(n) for n in chain if _named(n) or n is chain[0] or n is widget]
    return " > ".join(named)


def found(rule: str, widget: Any, detail: str, numbers: dict[str, Any]) -> Finding:
    return Finding(rule, path_of(widget), detail, numbers, module=owner_module(widget))


def _named(widget: Any) -> bool:
    from kivy.uix.screenmanager import Screen

    return isinstance(widget, Screen) or bool(_ids_of(widget))


def _is_window(widget: Any) -> bool:
    from kivy.core.window import WindowBase

    return isinstance(widget, WindowBase)


@dataclass
class Node:
    widget: Any
    layer: int
    ancestors: tuple[Any, ...]
    opacity: float


def walk(roots: Iterable[Any]) -> Iterator[Node]:
    """Every shown widget, parents first, with its layer and its effective opacity."""

    def visit(widget: Any, layer: int, ancestors: tuple[Any, ...], opacity: float) -> Iterator[Node]:
        if not shown(widget):
            return
        opacity *= widget.opacity
        yield Node(widget, layer, ancestors, opacity)
        for child in reversed(widget.children):   # draw order
            yield from visit(child, layer, (*ancestors, widget), opacity)

    for number, root in enumerate(roots):
        yield from visit(root, number, (), 1.0)


# -- what a label draws ----------------------------------------------------------------------

def is_text(widget: Any) -> bool:
    from kivy.uix.label import Label

    return isinstance(widget, Label) and bool(str(widget.text).strip())


def is_target(widget: Any) -> bool:
    from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior
    from kivy.uix.slider import Slider
    from kivy.uix.textinput import TextInput

    return isinstance(widget, ButtonBehavior | ToggleButtonBehavior | TextInput | Slider)


def ink_rect(label: Any) -> Rect:
    """Where the label's texture is drawn (Label's canvas centres it on the widget)."""
    tw, th = label.texture_size
    cx, cy = label.center
    x1, y1 = label.to_window(int(cx - tw / 2.0), int(cy - th / 2.0))
    return x1, y1, float(tw), float(th)


def rendered_lines(label: Any) -> list[tuple[str, bool]]:
    """(text of one drawn line, is the last line of a paragraph of the label's own text).
    Paragraphs are the label's text split at its newlines: a label that draws its text
    with newlines of its own (where it chose to break) still has its paragraphs."""
    core = getattr(label, "_label", None)
    lines = getattr(core, "_cached_lines", None) or []
    drawn = ["".join(getattr(word, "text", "") for word in getattr(line, "words", [])) for line in lines]
    markup = bool(getattr(label, "markup", False))
    paragraphs = [_plain(p, markup) for p in str(label.text).split("\n")]
    out, taken, number = [], "", 0
    for text in drawn:
        taken += _plain(text, markup)
        while number < len(paragraphs) and not paragraphs[number]:
            number += 1
        last = number < len(paragraphs) and taken == paragraphs[number]
        if last:
            taken, number = "", number + 1
        out.append((text, last))
    if number < len(paragraphs) and any(paragraphs[number:]) or taken:
        # Not the label's text (cut, shortened): Kivy's own paragraph ends.
        return [(t, bool(getattr(line, "is_last_line", False))) for t, line in zip(drawn, lines, strict=True)]
    return out


def _plain(text: str, markup: bool) -> str:
    if markup:
        text = _MARKUP.sub("", text)
    return re.sub(r"\s+", "", text)


# -- the rules ---------------------------------------------------------------------------------

def check(roots: list[Any], ctx: Context) -> list[Finding]:
    nodes = list(walk(_visible_layers(roots)))
    findings: list[Finding] = []
    texts = [n for n in nodes if is_text(n.widget)]
    targets = [n for n in nodes if is_target(n.widget)]
    for node in texts:
        findings += _text_rules(node, ctx)
        findings += _contrast(node, nodes, ctx)
    for node in targets:
        findings += _target_size(node, ctx)
    findings += _overlaps(targets, "touch targets", lambda n: _clipped_rect(n, window_rect(n.widget)))
    findings += _overlaps(texts, "texts", lambda n: _clipped_rect(n, ink_rect(n.widget)))
    for finding in findings:
        finding.mode = finding.mode or ctx.mode
    return findings


def _visible_layers(roots: list[Any]) -> list[Any]:
    """The layers from the topmost modal one up: a shown layer whose own canvas covers the
    whole layer with a scrim or a fill hides (and takes the touches of) what lies under it."""
    layers = [r for r in roots if shown(r)]
    for number in range(len(layers) - 1, 0, -1):
        layer = layers[number]
        if getattr(layer, "shown", False) and _covers_itself(layer):
            return layers[number:]
    return layers


def _covers_itself(layer: Any) -> bool:
    for rgba, rect in fills(layer, layer.canvas.before.children if layer.canvas.before else []):
        if rgba[3] >= 0.3 and rect[2] >= layer.width - 1 and rect[3] >= layer.height - 1:
            return True
    return False


def _text_rules(node: Node, ctx: Context) -> list[Finding]:
    label = node.widget
    out: list[Finding] = []
    lines = rendered_lines(label)
    text = _plain(str(label.text), bool(label.markup))
    drawn = _plain("".join(t for t, _ in lines), bool(label.markup))
    # A text changed this frame (a countdown) is drawn on the next one, not cut.
    pending = getattr(label, "_trigger_texture", None)
    stale = bool(getattr(pending, "is_triggered", False))
    if lines and drawn != text and not stale:
        out.append(found("text_cut", label, "the label draws less than its text",
                           {"text": str(label.text)[:60], "drawn": "".join(t for t, _ in lines)[:60]}))
    tw, th = label.texture_size
    if tw > label.width + SLACK_PX or th > label.height + SLACK_PX:
        out.append(found("text_overflow", label, "text larger than its widget",
                           {"text_px": [round(tw), round(th)], "widget_px": [round(label.width), round(label.height)]}))
    else:
        out += _outside_ancestors(node, ink_rect(label))
    size = float(label.font_size)
    if size + 0.01 < ctx.min_text_px:
        out.append(found("font_size", label, f"text smaller than {MIN_TEXT_MM[ctx.mode]} mm",
                           {"font_px": round(size, 1), "min_px": round(ctx.min_text_px, 1)}))
    out += _line_breaks(lines, label)
    return out


def _outside_ancestors(node: Node, rect: Rect) -> list[Finding]:
    from kivy.uix.scrollview import ScrollView

    for ancestor in reversed(node.ancestors):
        box = window_rect(ancestor)
        if isinstance(ancestor, ScrollView):
            # Content scrolls where the view scrolls: only the other direction clips.
            box = (box[0] if not ancestor.do_scroll_x else rect[0], box[1] if not ancestor.do_scroll_y else rect[1],
                   box[2] if not ancestor.do_scroll_x else rect[2], box[3] if not ancestor.do_scroll_y else rect[3])
        over = _sticks_out(rect, box)
        if over:
            return [found("text_overflow", node.widget, f"text outside {describe(ancestor)}",
                            {"text_rect": [round(v) for v in rect], "box": [round(v) for v in box],
                             "out_px": round(over, 1)})]
        if isinstance(ancestor, ScrollView):
            clipped = intersect(rect, window_rect(ancestor))
            if clipped is None:
                return []   # scrolled out of view: reachable by scrolling
            rect = clipped
    return []


def _sticks_out(rect: Rect, box: Rect) -> float:
    """How far (px, beyond the slack) rect sticks out of box; 0 when inside."""
    over = max(box[0] - rect[0], box[1] - rect[1], rect[0] + rect[2] - box[0] - box[2],
               rect[1] + rect[3] - box[1] - box[3])
    return max(0.0, over - SLACK_PX)


def _line_breaks(lines: list[tuple[str, bool]], label: Any) -> list[Finding]:
    out = []
    paragraph: list[str] = []
    for text, last in lines:
        paragraph.append(text)
        if len(paragraph) > 1 and text.strip() and text.strip()[0] in CLOSING_PUNCT:
            out.append(found("line_start_punct", label, "a line starts with closing punctuation",
                               {"line": text.strip()[:20]}))
        if last:
            if len(paragraph) > 1 and len(text.strip()) == 1:
                out.append(found("orphan", label, "one character alone on the last line",
                                   {"lines": [t.strip() for t in paragraph][-2:]}))
            paragraph = []
    return out


def _target_size(node: Node, ctx: Context) -> list[Finding]:
    _, _, w, h = window_rect(node.widget)
    if min(w, h) + 0.5 < ctx.target_px:
        return [found("target_size", node.widget, f"touch target under {TARGET_MM:.0f} mm",
                        {"size_px": [round(w), round(h)], "min_px": round(ctx.target_px, 1), "dpi": ctx.dpi})]
    return []


def _clipped_rect(node: Node, rect: Rect) -> Rect | None:
    """The part of rect inside every ScrollView around it (None: scrolled out of view)."""
    from kivy.uix.scrollview import ScrollView

    current: Rect | None = rect
    for ancestor in node.ancestors:
        if isinstance(ancestor, ScrollView) and current is not None:
            current = intersect(current, window_rect(ancestor))
    return current


def _overlaps(nodes: list[Node], what: str, rect_of: Any) -> list[Finding]:
    placed = [(n, rect_of(n)) for n in nodes]
    placed = [(n, r) for n, r in placed if r is not None and r[2] > 0 and r[3] > 0]
    out = []
    for i, (a, ra) in enumerate(placed):
        for b, rb in placed[i + 1:]:
            if a.layer != b.layer or a.widget in b.ancestors or b.widget in a.ancestors:
                continue
            common = intersect(ra, rb)
            if common is not None and common[2] > OVERLAP_PX and common[3] > OVERLAP_PX:
                out.append(found("overlap", a.widget, f"{what} overlap: {path_of(b.widget)}",
                                   {"overlap_px": [round(common[2]), round(common[3])]}))
    return out


# -- contrast ----------------------------------------------------------------------------------

def _contrast(node: Node, nodes: list[Node], ctx: Context) -> list[Finding]:
    label = node.widget
    x, y, w, h = ink_rect(label)
    bg = background_at((x + w / 2, y + h / 2), label, [(n.widget, n.opacity) for n in nodes], ctx.clear_color)
    # Kivy draws a disabled label in its disabled_color, not its color.
    r, g, b, a = (list(label.disabled_color if label.disabled else label.color) + [1.0])[:4]
    alpha = a * node.opacity
    fg = tuple(c * alpha + bc * (1 - alpha) for c, bc in zip((r, g, b), bg, strict=True))
    ratio = contrast_ratio(fg, bg)
    need = CONTRAST[ctx.mode]
    if ratio + 1e-6 < need:
        return [found("contrast", label, f"contrast under {need}:1",
                        {"ratio": round(ratio, 2), "need": need, "text_rgb": hex_rgb(fg), "background_rgb": hex_rgb(bg)})]
    return []


# -- across modes --------------------------------------------------------------------------------

def font_sizes(roots: list[Any]) -> dict[str, tuple[float, str]]:
    """path -> (font size, module) of every shown text (for ``growth``)."""
    out: dict[str, tuple[float, str]] = {}
    for node in walk(_visible_layers(roots)):
        if is_text(node.widget):
            out.setdefault(path_of(node.widget), (float(node.widget.font_size), owner_module(node.widget)))
    return out


def growth(normal: dict[str, tuple[float, str]], elderly: dict[str, tuple[float, str]]) -> list[Finding]:
    out = []
    for where, (size, module) in normal.items():
        grown = elderly.get(where, (None, ""))[0]
        if grown is not None and grown < size * ELDERLY_GROWTH - 0.01:
            out.append(Finding("no_growth", where, f"text does not grow in elderly mode (x{ELDERLY_GROWTH} needed)",
                               {"normal_px": round(size, 1), "elderly_px": round(grown, 1)}, mode="elderly",
                               module=module))
    return out


def layout_signature(roots: list[Any]) -> tuple[Any, ...]:
    """Positions, sizes and texture sizes of every shown widget: equal over a few frames
    means the layout has settled."""
    sig = []
    for node in walk(roots):
        w = node.widget
        sig.append((id(w), round(w.x), round(w.y), round(w.width), round(w.height),
                    tuple(getattr(w, "texture_size", ()) or ())))
    return tuple(sig)
