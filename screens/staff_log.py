"""The printed-output log for hall staff: what this terminal printed, filtered by time, type
and a citizen's ID number; whether the log's chain is intact; export to a USB stick.

Reached only through the PIN screen (screens/staff.py). Every read runs on a worker thread
and comes back through the Kivy clock; a result that arrives after the filters changed or
the screen closed is dropped (``_generation``).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.widget import Widget

from kiosk.forms import valid_id_number
from kiosk.printlog import ChainReport, ExportResult, PrintRecord

from . import words
from .staff import in_background
from .staff_widgets import PrintLogRow, StaffChip, row_data  # noqa: F401  (kv: PrintLogRow)
from .widgets import KioskScreen
from .yizheng.keyboard import Keyboard, edit  # noqa: F401  (kv: Keyboard)

log = logging.getLogger(__name__)

LIMIT = 500  # rows read for the table (and exported); the CSV of a longer period: narrow it

Builder.load_string(
    """
#:import dp kivy.metrics.dp

<StaffLogScreen>:
    name: 'staff_log'
    BoxLayout:
        orientation: 'vertical'
        padding: dp(28), dp(12), dp(28), dp(14)
        spacing: dp(10)
        BoxLayout:
            size_hint_y: None
            height: export.height
            spacing: dp(16)
            Label:
                text: '打印记录'
                size_hint_x: None
                width: self.texture_size[0]
                font_size: app.theme.font_l
                bold: True
                color: app.theme.text
            WrapLabel:
                id: chain
                text: root.chain_text
                style: 's'
                tone: 'success' if root.chain_ok else ('danger' if root.chain_text else 'muted')
                pos_hint: {'center_y': .5}
            StaffChip:
                id: export
                text: '导出到U盘'
                disabled: root.busy
                on_release: root.export()
            StaffChip:
                text: '退出'
                on_release: app.close_staff()
        BoxLayout:
            id: filters
            size_hint_y: None
            height: export.height
            spacing: dp(8)
        BoxLayout:
            size_hint_y: None
            height: export.height
            spacing: dp(10)
            Label:
                text: '证件号码'
                size_hint_x: None
                width: self.texture_size[0]
                font_size: app.theme.font_s
                color: app.theme.text_muted
            StaffChip:
                text: root.id_number or '输入证件号码查询'
                selected: bool(root.id_number)
                on_release: root.open_keypad()
            StaffChip:
                text: '清除'
                opacity: 1 if root.id_number else 0
                disabled: not root.id_number
                width: self.texture_size[0] + dp(36) if root.id_number else 0
                on_release: root.clear_id()
            WrapLabel:
                text: root.count_text
                style: 's'
                tone: 'muted'
                halign: 'right'
                pos_hint: {'center_y': .5}
        BoxLayout:
            spacing: dp(16)
            BoxLayout:
                orientation: 'vertical'
                PrintLogRow:
                    size_hint_y: None
                    height: dp(60) if app.theme.elderly else dp(46)
                    header: True
                    at: '时间'
                    kind: '类型'
                    number: '文书编号'
                    printer: '打印机'
                    result: '结果'
                    id_masked: '证件号码'
                RecycleView:
                    id: table
                    viewclass: 'PrintLogRow'
                    bar_width: dp(10)
                    bar_color: app.theme.primary[:3] + [.7]
                    bar_inactive_color: app.theme.primary[:3] + [.35]
                    scroll_type: ['bars', 'content']
                    do_scroll_x: False
                    RecycleBoxLayout:
                        orientation: 'vertical'
                        size_hint_y: None
                        height: self.minimum_height
                        default_size: None, (dp(68) if app.theme.elderly else dp(52))
                        default_size_hint: 1, None
            # The keypad for the look-up number, beside the table while it is open.
            Panel:
                orientation: 'vertical'
                size_hint_x: None
                width: (dp(440) if app.theme.elderly else dp(380)) if root.keypad_open else 0
                opacity: 1 if root.keypad_open else 0
                disabled: not root.keypad_open
                padding: dp(14), dp(12)
                spacing: dp(8)
                WrapLabel:
                    text: root.typing or '请输入18位证件号码'
                    style: 's'
                    bold: bool(root.typing)
                    tone: 'text' if root.typing else 'muted'
                WrapLabel:
                    text: root.id_error
                    style: 'xs'
                    tone: 'danger'
                Keyboard:
                    kind: 'id_number'
                    on_key: root.key(args[1])
                BoxLayout:
                    size_hint_y: None
                    height: search.height
                    spacing: dp(8)
                    StaffChip:
                        text: '取消'
                        size_hint_x: .4
                        on_release: root.close_keypad()
                    StaffChip:
                        id: search
                        text: '查询'
                        selected: True
                        size_hint_x: .6
                        on_release: root.search()
"""
)


class StaffLogScreen(KioskScreen):
    days = ObjectProperty(1, allownone=True)
    doc_type = StringProperty("")
    id_number = StringProperty("")     # the look-up number in force (a citizen's: never logged)
    typing = StringProperty("")        # on the keypad, not yet applied
    id_error = StringProperty("")
    keypad_open = BooleanProperty(False)
    chain_text = StringProperty("")
    chain_ok = BooleanProperty(False)
    count_text = StringProperty("")
    busy = BooleanProperty(False)
    records: list[PrintRecord]
    _generation = 0   # bumped by every query: only the latest one's rows are shown
    _opened = 0       # bumped by reset(): nothing begun before it reaches the screen

    def __init__(self, **kwargs: Any) -> None:
        self.records = []
        self._day_chips: list[tuple[int | None, StaffChip]] = []
        self._type_chips: list[tuple[str, StaffChip]] = []
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget: object) -> None:
        box = self.ids.filters
        for days, text in words.STAFF_DAYS:
            chip = StaffChip(text=text)
            chip.bind(on_release=partial(self._pick_days, days))
            self._day_chips.append((days, chip))
            box.add_widget(chip)
        box.add_widget(_gap())
        for code, text in words.STAFF_DOC_FILTERS:
            chip = StaffChip(text=text)
            chip.bind(on_release=partial(self._pick_type, code))
            self._type_chips.append((code, chip))
            box.add_widget(chip)
        self._mark()

    # -- life cycle (the app opens and closes it) -------------------------------------------
    def open(self) -> None:
        self.reset()
        self.refresh()
        self.verify()

    def reset(self) -> None:
        """Forget everything shown: filters back to today, the look-up number gone."""
        self._generation += 1
        self._opened += 1
        self.days, self.doc_type = 1, ""
        self.id_number = self.typing = self.id_error = ""
        self.keypad_open = self.busy = False
        self.chain_text, self.chain_ok = "", False
        self.count_text = ""
        self.records = []
        self.ids.table.data = []
        self._mark()

    # -- filters ---------------------------------------------------------------------------
    def _pick_days(self, days: int | None, *_: Any) -> None:
        self.days = days
        self.refresh()

    def _pick_type(self, code: str, *_: Any) -> None:
        self.doc_type = code
        self.refresh()

    def _mark(self) -> None:
        for days, chip in self._day_chips:
            chip.selected = days == self.days
        for code, chip in self._type_chips:
            chip.selected = code == self.doc_type

    def open_keypad(self) -> None:
        self.typing, self.id_error = self.id_number, ""
        self.keypad_open = True

    def close_keypad(self) -> None:
        self.keypad_open = False
        self.typing = self.id_error = ""

    def key(self, key: str) -> None:
        self.typing = edit(self.typing, key, "id_number")
        self.id_error = ""

    def search(self) -> None:
        if not valid_id_number(self.typing):
            self.id_error = words.field_error("invalid_id_number")
            return
        self.id_number = self.typing
        self.close_keypad()
        self.refresh()

    def clear_id(self) -> None:
        self.id_number = ""
        self.refresh()

    # -- reading ---------------------------------------------------------------------------
    def refresh(self) -> None:
        self._mark()
        self._generation += 1
        generation = self._generation
        terminal = App.get_running_app().terminal
        days, doc_type, id_number = self.days, self.doc_type or None, self.id_number or None
        self.count_text = "正在查询…"

        def shown(records: list[PrintRecord]) -> None:
            if generation != self._generation:
                return
            self.records = records
            self.ids.table.data = [row_data(r) for r in records]
            self.ids.table.scroll_y = 1
            more = f"（仅显示最近{LIMIT}条）" if len(records) >= LIMIT else ""
            self.count_text = f"共{len(records)}条{more}" if records else "没有符合条件的记录"

        def broken() -> None:
            if generation == self._generation:
                self.count_text = "读取打印记录失败，请联系技术人员"

        in_background(lambda: terminal.print_records(days, doc_type, id_number, limit=LIMIT),
                      shown, broken)

    def verify(self) -> None:
        opened = self._opened
        terminal = App.get_running_app().terminal
        self.chain_text, self.chain_ok = "正在校验打印记录…", False

        def shown(report: ChainReport) -> None:
            if opened != self._opened:
                return
            self.chain_ok = report.ok
            self.chain_text = words.chain_status(report.ok, report.attempts, report.problem, report.seq)
            if not report.ok:
                log.warning("staff: print log chain check failed: %s", report.detail)

        def broken() -> None:
            if opened == self._opened:
                self.chain_text = words.chain_status(False, 0)

        in_background(terminal.printlog.verify, shown, broken)

    def export(self) -> None:
        if self.busy:
            return
        app = App.get_running_app()
        records, opened = list(self.records), self._opened
        self.busy = True

        def exported(result: ExportResult) -> None:
            self.busy = False
            if opened != self._opened:
                return
            if result.ok and result.path is not None:
                app.toast.show(words.export_done(result.path.name, result.count), seconds=8)
            else:
                app.toast.show(words.export_failed(result.reason), seconds=6)

        def broken() -> None:
            self.busy = False
            if opened == self._opened:
                app.toast.show(words.export_failed("export_failed"), seconds=6)

        in_background(lambda: app.terminal.export_print_records(records), exported, broken)


def _gap() -> Widget:
    return Widget(size_hint_x=None, width=dp(24))
