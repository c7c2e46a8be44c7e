"""Widgets of the staff screens (and the technician's): filter chips, the record table's
rows, the countdown before the mode closes by itself.

Staff screens are a tool, not a citizen's path: denser than the citizen screens, but still
finger-sized targets and the same theme (适老化 sizes included).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.recycleview.views import RecycleDataViewBehavior

from kiosk.printing.printlog import PrintRecord

from . import printing_words as print_words


class StaffChip(ButtonBehavior, Label):
    selected = BooleanProperty(False)
    tone = StringProperty("primary")


class IdleNotice(BoxLayout):
    """即将退出管理模式 with the seconds left and 继续, over the top of a staff or
    technician screen while the mode's countdown runs (``seconds`` < 0: hidden)."""

    seconds = NumericProperty(-1)
    text = StringProperty("")
    on_continue = ObjectProperty(None, allownone=True)   # keeps the mode open

    def show_left(self, left: int | None) -> None:
        self.seconds = -1 if left is None else left
        self.text = "" if left is None else f"即将退出管理模式（{left}秒）"

    def keep(self) -> None:
        callback: Callable[[], Any] | None = self.on_continue
        if callback is not None:
            callback()
        self.show_left(None)


def add_idle_notice(screen: Any, keep: Callable[[], Any]) -> IdleNotice:
    """The countdown bar, laid over the top of ``screen`` (a Screen is a RelativeLayout)."""
    notice = IdleNotice(on_continue=keep)
    screen.add_widget(notice)
    return notice


class PrintLogRow(RecycleDataViewBehavior, BoxLayout):
    """One print attempt in the table (or, with ``header``, the column titles)."""

    at = StringProperty("")
    kind = StringProperty("")
    number = StringProperty("")
    printer = StringProperty("")
    result = StringProperty("")
    id_masked = StringProperty("")
    tone = StringProperty("text")
    header = BooleanProperty(False)
    index = NumericProperty(0)

    def refresh_view_attrs(self, rv: object, index: int, data: dict[str, object]) -> None:
        self.index = index
        super().refresh_view_attrs(rv, index, data)


RESULT_TONES = {"failed": "danger", "sending": "notice"}
PRINTER_NAMES = {"receipt_printer": "凭条", "a4_printer": "A4"}


def row_data(record: PrintRecord) -> dict[str, object]:
    """A record as the table shows it: masked ID only (the log holds nothing else)."""
    return {
        "at": record.at.strftime("%m-%d %H:%M:%S"),
        "kind": print_words.doc_type(record.doc_type),
        "number": record.doc_number,
        "printer": PRINTER_NAMES.get(record.printer, record.printer),
        "result": print_words.print_result(record.result, record.reason),
        "id_masked": record.id_masked or "—",
        "tone": RESULT_TONES.get(record.result, "text"),
        "header": False,
    }
