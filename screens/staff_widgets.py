"""Widgets of the staff screens: filter chips, the record table's rows, the PIN dots.

Staff screens are a tool, not a citizen's path: denser than the citizen screens, but still
finger-sized targets and the same theme (适老化 sizes included).
"""

from __future__ import annotations

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.recycleview.views import RecycleDataViewBehavior

from kiosk.printing.printlog import PrintRecord

from . import words

Builder.load_string(
    """
#:import dp kivy.metrics.dp

# A filter or action button, lower than a BigButton so a row of them fits.
<StaffChip>:
    size_hint: None, None
    width: max(self.texture_size[0] + dp(36), dp(96))
    height: dp(68) if app.theme.elderly else dp(58)
    font_size: app.theme.font_s
    bold: self.selected
    color: app.theme.primary_text if self.selected else (app.theme.danger if self.tone == 'danger' else app.theme.primary)
    canvas.before:
        Color:
            rgba: (app.theme.primary_dark if self.state == 'down' else app.theme.primary) if self.selected else (app.theme.primary_soft if self.state == 'down' else app.theme.surface)
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [dp(10)]
        Color:
            rgba: (app.theme.danger if self.tone == 'danger' else app.theme.primary) if not self.selected else (0, 0, 0, 0)
        Line:
            rounded_rectangle: (self.x + 1, self.y + 1, self.width - 2, self.height - 2, dp(10))
            width: app.theme.border_width

# Two lines at most: 适老化 type and the keypad beside the table leave columns narrow.
<LogCell@Label>:
    font_size: app.theme.font_xs
    color: app.theme.text
    text_size: self.width - dp(6), self.height
    halign: 'left'
    valign: 'middle'
    max_lines: 2
    line_height: 1.0

<PrintLogRow>:
    padding: dp(10), 0
    spacing: dp(6)
    canvas.before:
        Color:
            rgba: app.theme.primary_soft if self.header else (app.theme.surface if self.index % 2 == 0 else app.theme.background)
        Rectangle:
            pos: self.pos
            size: self.size
    LogCell:
        text: root.at
        size_hint_x: .16
        bold: root.header
    LogCell:
        text: root.kind
        size_hint_x: .095
        bold: root.header
    LogCell:
        text: root.number
        size_hint_x: .285
        bold: root.header
    LogCell:
        text: root.printer
        size_hint_x: .08
        bold: root.header
    LogCell:
        text: root.result
        size_hint_x: .155
        bold: root.header or root.tone == 'danger'
        color: {'danger': app.theme.danger, 'notice': app.theme.notice}.get(root.tone, app.theme.text)
    LogCell:
        text: root.id_masked
        size_hint_x: .225
        bold: root.header
"""
)


class StaffChip(ButtonBehavior, Label):
    selected = BooleanProperty(False)
    tone = StringProperty("primary")


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
        "kind": words.doc_type(record.doc_type),
        "number": record.doc_number,
        "printer": PRINTER_NAMES.get(record.printer, record.printer),
        "result": words.print_result(record.result, record.reason),
        "id_masked": record.id_masked or "—",
        "tone": RESULT_TONES.get(record.result, "text"),
        "header": False,
    }
