"""输入办件编号 and 查询码: two boxes, one keypad that follows the box being filled (the
digits for the number, the code keyboard of the 查询码's alphabet for the code). The
number comes first; six characters of code, then 查询."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty
from kivy.utils import escape_markup, get_hex_from_color

from kiosk.flows.progress_query import ProgressQueryFlow

from ..common.keyboard import edit
from . import words
from .base import PqScreen

NUMBER_MAX = 24
CHECK_LENGTH = 6


class PqEnterScreen(PqScreen):
    number = StringProperty("")
    check = StringProperty("")
    active = StringProperty("number")      # which box the keypad fills: number | check
    error_text = StringProperty("")
    _dismissed = ""

    def show_flow(self, flow: ProgressQueryFlow | None) -> None:
        super().show_flow(flow)
        if flow is None:
            self.clear_flow()
            return
        error = flow.error if flow.error != self._dismissed else ""
        self.error_text = words.error(error)
        if flow.number and not self.number:
            self.number = flow.number    # a scanned receipt refused: its number shown back

    def on_pre_enter(self, *_: Any) -> None:
        """A fresh entry starts empty at the number; back from a refusal keeps what was
        typed (the citizen corrects it)."""
        flow = self._flow
        if flow is None or not flow.error:
            self.number = flow.number if flow is not None else ""
            self.check = ""
            self.active = "number"
            self._dismissed = ""

    @staticmethod
    def box_text(caption: str, value: str, active: bool, size: float, muted: list[float],
                 primary: list[float]) -> str:
        """What a box shows: its caption, small, then the value typed (or 请输入). The caption
        sits inside the box so the column fits in 适老化 mode with a refusal shown."""
        tone = get_hex_from_color(primary if active else muted)
        shown = escape_markup(value) if value else f"[color={get_hex_from_color(muted)}]请输入[/color]"
        return f"[size={int(size)}][color={tone}]{caption}[/color][/size]  {shown}"

    def focus(self, box: str) -> None:
        self.active = box

    def key(self, key: str) -> None:
        if self.active == "number":
            self.number = edit(self.number, key, "number")[:NUMBER_MAX]
        else:
            self.check = edit(self.check, key, "check_code")
            if len(self.check) > CHECK_LENGTH:
                self.check = self.check[:CHECK_LENGTH]
        if self._flow is not None and self._flow.error:
            self._dismissed = self._flow.error
        self.error_text = ""

    def next_or_submit(self) -> None:
        if self.active == "number" and len(self.check) < CHECK_LENGTH:
            self.active = "check"
            return
        if self._flow is not None:
            self._dismissed = ""
            self._flow.lookup(self.number, self.check)

    def clear_flow(self) -> None:
        super().clear_flow()
        self._dismissed = ""
        self.number = self.check = self.error_text = ""
        self.active = "number"
