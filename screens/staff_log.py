"""The printed-output log for hall staff: what this terminal printed, filtered by time, type
and a citizen's ID number; whether the log's chain is intact; export to a USB stick.

Staff mode (kiosk/flows/staff.py) runs the queries, the chain check and the export off the
UI thread and holds the rows; this screen shows ``StaffFlow.view`` and sends it queries. Only
the look-up number being typed on the keypad stays here until it is applied.
"""

from __future__ import annotations

import dataclasses
import logging
from functools import partial
from typing import Any

from kivy.app import App
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.widget import Widget

from kiosk.flows.staff import RECORD_LIMIT, StaffFlow
from kiosk.forms import valid_id_number
from kiosk.privacy import mask_number

from . import printing_words as print_words
from .common.keyboard import edit
from .staff_widgets import StaffChip, add_idle_notice, row_data
from .widgets import KioskScreen
from .yizheng import words as yz_words

log = logging.getLogger(__name__)


class StaffLogScreen(KioskScreen):
    days = ObjectProperty(1, allownone=True)
    doc_type = StringProperty("")
    id_number = StringProperty("")     # the look-up number in force (a citizen's: never logged)
    id_masked = StringProperty("")     # what the filter chip shows of it: 1101**********1233
    typing = StringProperty("")        # on the keypad, not yet applied
    id_error = StringProperty("")
    keypad_open = BooleanProperty(False)
    chain_text = StringProperty("")
    chain_ok = BooleanProperty(False)
    count_text = StringProperty("")
    busy = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        self._day_chips: list[tuple[int | None, StaffChip]] = []
        self._type_chips: list[tuple[str, StaffChip]] = []
        self._shown_rows: object = None     # the record list drawn last (redrawn when replaced)
        self._told_export: object = None    # the export result already said in a toast
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget: object) -> None:
        self.idle_notice = add_idle_notice(self, lambda: App.get_running_app().terminal.staff.touch())
        box = self.ids.filters
        for days, text in print_words.STAFF_DAYS:
            chip = StaffChip(text=text)
            chip.bind(on_release=partial(self._pick_days, days))
            self._day_chips.append((days, chip))
            box.add_widget(chip)
        box.add_widget(_gap())
        for code, text in print_words.STAFF_DOC_FILTERS:
            chip = StaffChip(text=text)
            chip.bind(on_release=partial(self._pick_type, code))
            self._type_chips.append((code, chip))
            box.add_widget(chip)
        self._mark()

    # -- what staff mode holds -------------------------------------------------------------
    def show_staff(self, staff: StaffFlow) -> None:
        view = staff.view
        query = view.query
        self.days, self.doc_type, self.id_number = query.days, query.doc_type, query.id_number
        self.id_masked = mask_number(query.id_number) if query.id_number else ""
        self.idle_notice.show_left(staff.notice_left())
        self._mark()
        if view.records is not self._shown_rows:
            self._shown_rows = view.records
            self.ids.table.data = [row_data(r) for r in view.records]
            self.ids.table.scroll_y = 1
        self.count_text = (print_words.id_lookup_unavailable(view.lookup_unavailable)
                           if view.lookup_unavailable and not view.loading
                           else _count_text(view.loading, view.failed, len(view.records)))
        if view.chain is not None:
            self.chain_ok = view.chain.ok
            self.chain_text = print_words.chain_status(view.chain.ok, view.chain.attempts,
                                                 view.chain.problem, view.chain.seq)
        else:
            self.chain_ok = False
            self.chain_text = print_words.chain_status(False, 0) if view.chain_failed else "正在校验打印记录…"
        self.busy = view.exporting
        result = view.export
        if result is not None and result is not self._told_export:
            self._told_export = result
            toast = App.get_running_app().toast
            if result.ok and result.path is not None:
                toast.show(print_words.export_done(result.path.name, result.count), seconds=8)
            else:
                toast.show(print_words.export_failed(result.reason), seconds=6)

    def on_leave(self, *_: Any) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget what the keypad held (the flow forgets the rest when staff mode closes)."""
        self.typing = self.id_error = ""
        self.keypad_open = False
        self._shown_rows = None
        self.ids.table.data = []

    # -- filters ---------------------------------------------------------------------------
    def _query(self, **change: Any) -> None:
        staff = App.get_running_app().terminal.staff
        staff.query(dataclasses.replace(staff.view.query, **change))

    def _pick_days(self, days: int | None, *_: Any) -> None:
        self._query(days=days)

    def _pick_type(self, code: str, *_: Any) -> None:
        self._query(doc_type=code)

    def _mark(self) -> None:
        for days, chip in self._day_chips:
            chip.selected = days == self.days
        for code, chip in self._type_chips:
            chip.selected = code == self.doc_type

    def open_keypad(self) -> None:
        self.typing, self.id_error = "", ""   # a fresh number: the one in force stays masked
        self.keypad_open = True

    def close_keypad(self) -> None:
        self.keypad_open = False
        self.typing = self.id_error = ""

    def key(self, key: str) -> None:
        self.typing = edit(self.typing, key, "id_number")
        self.id_error = ""

    def search(self) -> None:
        if not valid_id_number(self.typing):
            self.id_error = yz_words.field_error("invalid_id_number")
            return
        number = self.typing
        self.close_keypad()
        self._query(id_number=number)

    def clear_id(self) -> None:
        self._query(id_number="")

    def export(self) -> None:
        App.get_running_app().terminal.staff.export()


def _count_text(loading: bool, failed: bool, count: int) -> str:
    if loading:
        return "正在查询…"
    if failed:
        return "读取打印记录失败，请联系技术人员"
    more = f"（仅显示最近{RECORD_LIMIT}条）" if count >= RECORD_LIMIT else ""
    return f"共{count}条{more}" if count else "没有符合条件的记录"


def _gap() -> Widget:
    return Widget(size_hint_x=None, width=dp(24))
