"""Small widget trees with one known fault each, checked by tests/support/a11y.py in a real
Kivy window (run as a script under Xvfb by tests/ui/test_a11y.py; one window per process):

    python tests/ui/a11y_synthetic.py OUT.json

Writes {case: [finding, ...]} for every case, and the faultless case must stay empty.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from screens.fonts import find_cjk_font, register_default_font  # noqa: E402
from tests.support import a11y  # noqa: E402

WHITE, GREY = (1, 1, 1, 1), (0.6, 0.6, 0.6, 1)
KV = """
<A11yFilled@Label>:
    size_hint: None, None
    size: 240, 80
    font_size: 30
    canvas.before:
        Color:
            rgba: 0.05, 0.1, 0.35, 1
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [12]
"""
BLACK, BLUE = (0, 0, 0, 1), (0.04, 0.31, 0.64, 1)


def _panel(background: tuple[float, ...] = WHITE) -> Any:
    from kivy.graphics import Color, Rectangle
    from kivy.uix.floatlayout import FloatLayout

    panel = FloatLayout(size_hint=(None, None), size=(600, 300), pos=(0, 0))
    with panel.canvas.before:
        Color(*background)
        rect = Rectangle(pos=panel.pos, size=panel.size)
    panel.bind(pos=lambda w, v: setattr(rect, "pos", v), size=lambda w, v: setattr(rect, "size", v))
    return panel


def _label(**kw: Any) -> Any:
    from kivy.uix.label import Label

    kw.setdefault("color", BLACK)
    kw.setdefault("font_size", 30)
    kw.setdefault("size_hint", (None, None))
    return Label(**kw)


def _button(**kw: Any) -> Any:
    from kivy.uix.button import Button

    kw.setdefault("font_size", 30)
    kw.setdefault("size_hint", (None, None))
    kw.setdefault("background_normal", "")
    kw.setdefault("background_color", BLUE)
    kw.setdefault("color", WHITE)
    return Button(**kw)


def cases() -> dict[str, Any]:
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.scrollview import ScrollView

    built: dict[str, Any] = {}

    # Three lines of text in a box of one line: the rest is dropped.
    p = _panel()
    p.add_widget(_label(text="请将身份证放在读卡区域内，保持不动直到读取完成", pos=(10, 100), size=(200, 40),
                        text_size=(200, 40), valign="top"))
    built["clipped_label"] = p

    # No text_size: one long line wider than its widget.
    p = _panel()
    p.add_widget(_label(text="免提交材料（系统自动调取）", pos=(10, 100), size=(150, 60)))
    built["overflowing_label"] = p

    # A label sized right but placed half outside its (fixed-size) box.
    p = _panel()
    box = BoxLayout(size_hint=(None, None), size=(200, 100), pos=(300, 100))
    inner = _label(text="首页", size=(100, 60), pos=(450, 120))
    box.add_widget(inner)
    box.do_layout = lambda *a: None   # keep the child where it was put
    inner.pos = (450, 120)
    p.add_widget(box)
    built["outside_parent"] = p

    p = _panel()
    p.add_widget(_button(text="确认", pos=(10, 10), size=(200, 100)))
    p.add_widget(_button(text="返回", pos=(150, 60), size=(200, 100)))
    built["overlapping_buttons"] = p

    p = _panel()
    p.add_widget(_button(text="清", pos=(10, 10), size=(30, 30), font_size=20))
    built["small_button"] = p

    p = _panel()
    p.add_widget(_label(text="灰色的说明文字", pos=(10, 100), size=(400, 60), color=GREY))
    built["grey_on_white"] = p

    # 7 characters at 30 px in a 190 px wide box: 6 on the first line, 1 alone below.
    p = _panel()
    p.add_widget(_label(text="请选择办理的事项", pos=(10, 100), size=(212, 100), text_size=(212, None)))
    built["orphan"] = p

    p = _panel()
    p.add_widget(_label(text="办理完成后请取走身份证，", pos=(10, 100), size=(330, 100), text_size=(330, None)))
    built["punct_first"] = p

    p = _panel()
    p.add_widget(_label(text="小字", pos=(10, 100), size=(200, 60), font_size=12))
    built["small_text"] = p

    # A list taller than its view scrolls: text below the fold is fine. One line wider
    # than a view that does not scroll sideways is not.
    p = _panel()
    view = ScrollView(size_hint=(None, None), size=(400, 150), pos=(10, 10), do_scroll_x=False)
    column = BoxLayout(orientation="vertical", size_hint=(None, None), size=(400, 600))
    for n in range(8):
        column.add_widget(_label(text=f"第{n + 1}项", size_hint=(1, None), height=70))
    view.add_widget(column)
    p.add_widget(view)
    built["scroll_ok"] = p
    p = _panel()
    view = ScrollView(size_hint=(None, None), size=(200, 150), pos=(10, 10), do_scroll_x=False)
    wide = _label(text="一行很长很长很长很长的文字", size=(420, 150))
    view.add_widget(wide)
    p.add_widget(view)
    built["scroll_sideways"] = p

    # White text on a dark rounded fill drawn in kv (Kivy gives kv shapes a default
    # texture): readable; the same fill under dark blue text is not.
    from kivy.lang import Builder

    Builder.load_string(KV)
    from kivy.factory import Factory

    p = _panel()
    p.add_widget(Factory.A11yFilled(text="请核对", color=WHITE, pos=(10, 100)))
    built["white_on_dark_fill"] = p
    p = _panel()
    p.add_widget(Factory.A11yFilled(text="请核对", color=(0.1, 0.1, 0.3, 1), pos=(10, 100)))
    built["dark_on_dark_fill"] = p

    # A countdown ticks just before the check: drawn on the next frame, not cut.
    p = _panel()
    p.add_widget(_label(text="剩余 10 秒", pos=(10, 100), size=(300, 60)))
    built["stale_text"] = p

    # White text on the button's blue, a good size, alone: nothing to report.
    p = _panel()
    p.add_widget(_button(text="开始办理", pos=(10, 10), size=(260, 90)))
    p.add_widget(_label(text="请核对以下信息", pos=(10, 150), size=(300, 60)))
    built["good"] = p
    return built


def main() -> None:
    out = Path(sys.argv[1])
    register_default_font(find_cjk_font(None))
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.uix.floatlayout import FloatLayout

    results: dict[str, Any] = {}
    built = cases()
    names = list(built)

    class Probe(App):
        def build(self) -> Any:
            Window.clearcolor = (1, 1, 1, 1)
            return FloatLayout()

        def on_start(self) -> None:
            Clock.schedule_once(lambda _dt: self.next_case(), 0)

        def next_case(self) -> None:
            if not names:
                out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
                self.stop()
                return
            name = names.pop(0)
            self.root.clear_widgets()
            self.root.add_widget(built[name])
            # Two frames for the layout and the textures, then check.
            Clock.schedule_once(lambda _dt: Clock.schedule_once(lambda _dt2: self.run_case(name), 0.05), 0.05)

        def run_case(self, name: str) -> None:
            if name == "stale_text":
                built[name].children[0].text = "剩余 9 秒"
            found = a11y.check([built[name]], a11y.Context(mode="normal", dpi=102))
            results[name] = [f.as_dict() for f in found]
            self.next_case()

    Probe().run()


if __name__ == "__main__":
    main()
