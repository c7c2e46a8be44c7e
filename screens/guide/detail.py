"""One item's 办事指南 in sections (kiosk/printing/documents/notice.py prints the same), and
打印一次性告知单: disabled with the printer's reason when it cannot print; the print's
state is said above the buttons."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk.flows.guide import GuideFlow

from ..widgets import WrapLabel
from . import words
from .base import GuideScreen


class GuideDetailScreen(GuideScreen):
    title = StringProperty("")
    message = StringProperty("")
    message_tone = StringProperty("notice")
    can_print = BooleanProperty(False)
    print_note = StringProperty("")
    _shown: object = None

    def show_flow(self, flow: GuideFlow | None) -> None:
        super().show_flow(flow)
        if flow is None or flow.item is None:
            self.clear_flow()
            return
        item = flow.item
        ready, reason = flow.notice.ready()
        state, failed = flow.notice.status_for(item.code)
        self.can_print = ready and state != "printing"
        self.print_note = "" if ready else words.not_ready(reason)
        self.message, self.message_tone = words.print_line(state, failed)
        if item is self._shown:
            return
        self._shown = item
        self.title = item.name
        box = self.ids.sections
        box.clear_widgets()
        for heading, text in words.sections(item, flow.mode(item), flow.region_name):
            box.add_widget(WrapLabel(text=heading, style="m", tone="primary", bold=True))
            box.add_widget(WrapLabel(text=text, style="s"))
        self.ids.scroll.scroll_y = 1

    def print_notice(self) -> None:
        if self._flow is not None:
            self._flow.print_notice()

    def clear_flow(self) -> None:
        super().clear_flow()
        self._shown = None
        self.title = self.message = self.print_note = ""
        self.can_print = False
        self.ids.sections.clear_widgets()
