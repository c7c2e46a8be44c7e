"""The maintenance tools that draw live: the scan test (the camera's frames as a texture,
made off the UI thread by the flow, with the decoded text), the enrollment code typed on
the on-screen keyboard or scanned, and the touch test (finger ink, 清除)."""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Line
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.widget import Widget

from kiosk.flows.technician import TechnicianFlow
from kiosk.flows.technician_work import Preview, ToolView

from ..common.keyboard import BACK, CLEAR, Row, edit
from .tools import ToolScreen, technician


# The enrollment code's characters (`kiosk-central terminal add`: no I, O, 0, 1), and the dash.
def _keys(text: str) -> Row:
    return [(c, 1.0) for c in text]


ENROLL_ROWS: list[Row] = [
    [*_keys("23456789"), ("-", 1.0), (BACK, 2.0)],
    [*_keys("ABCDEFGHJK"), (CLEAR, 1.0)],
    [*_keys("LMNPQRSTUV"), ("", 1.0)],
    [("", 3.0), *_keys("WXYZ"), ("", 4.0)],
]


class ScanToolScreen(ToolScreen):
    texture = ObjectProperty(None, allownone=True)
    code_text = StringProperty("")
    code_kind = StringProperty("")
    frames = NumericProperty(0)          # frames drawn (the test reads it)

    def fill(self, flow: TechnicianFlow, view: ToolView) -> None:
        if view.preview is not None:
            self._draw(view.preview)
        self.code_text = view.text
        self.code_kind = view.kind
        if view.outcome == "ok":
            self.outcome_text = f"已识别（{view.kind}）"
        elif not view.outcome:
            self.outcome_text = "请将二维码或条码对准扫码窗口"

    def _draw(self, preview: Preview) -> None:
        texture = self.texture
        if texture is None or tuple(texture.size) != (preview.width, preview.height) \
                or texture.colorfmt != preview.fmt:
            texture = Texture.create(size=(preview.width, preview.height), colorfmt=preview.fmt)
        texture.blit_buffer(preview.pixels, colorfmt=preview.fmt, bufferfmt="ubyte")
        self.texture = texture
        self.frames += 1
        self.ids.preview.canvas.ask_update()

    def on_leave(self, *_: Any) -> None:
        super().on_leave()
        self.texture = None
        self.code_text = self.code_kind = ""


class EnrollToolScreen(ToolScreen):
    code = StringProperty("")
    enrolled = BooleanProperty(False)

    def on_kv_post(self, base_widget: Any) -> None:
        super().on_kv_post(base_widget)
        self.ids.keyboard.rows = ENROLL_ROWS

    def fill(self, flow: TechnicianFlow, view: ToolView) -> None:
        self.code = view.enroll_code
        self.enrolled = view.outcome == "ok"
        if view.busy:
            self.outcome_text = "正在注册…"
        elif view.outcome == "ok":
            self.outcome_text = f"注册成功，终端编号 {view.text}"
        elif view.outcome == "already_enrolled":
            self.outcome_text = f"本机已注册（终端编号 {view.text}），如需重新注册请点“重新注册”"

    def key(self, key: str) -> None:
        technician().set_enroll_code(edit(self.code, key, "enroll_code"))

    def enroll(self, force: bool = False) -> None:
        technician().enroll(force=force)


class InkPad(Widget):
    """Finger ink: each touch draws a line where it goes; ``strokes`` counts them."""

    strokes = NumericProperty(0)

    def on_touch_down(self, touch: Any) -> bool:
        if not self.collide_point(*touch.pos):
            return False
        with self.canvas:
            Color(0.11, 0.36, 0.75, 1)
            touch.ud["ink"] = Line(points=[*touch.pos], width=3)
        touch.grab(self)
        self.strokes += 1
        return True

    def on_touch_move(self, touch: Any) -> bool:
        if touch.grab_current is self and "ink" in touch.ud:
            x = min(max(touch.x, self.x), self.right)
            y = min(max(touch.y, self.y), self.top)
            touch.ud["ink"].points += [x, y]
            return True
        return False

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is self:
            touch.ungrab(self)
            return True
        return False

    def clear(self) -> None:
        self.canvas.clear()
        self.strokes = 0


class TouchToolScreen(ToolScreen):
    def clear(self) -> None:
        pad = self.ids.pad
        technician().touch_drawn(int(pad.strokes))
        pad.clear()

    def back(self) -> None:
        self.ids.pad.clear()
        super().back()

    def on_leave(self, *_: Any) -> None:
        super().on_leave()
        self.ids.pad.clear()
