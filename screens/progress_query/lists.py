"""The identified citizen's applications, newest first: each with its status tag, item,
number, mode, when filed, whether they filed it for someone else, and what they must still
do; a tap opens the timeline."""

from __future__ import annotations

from kivy.properties import StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.flows.progress_query import ProgressQueryFlow
from kiosk.flows.progress_query_views import AppView

from ..widgets import WrapLabel
from . import words
from .base import PqScreen


class PqRow(ButtonBehavior, BoxLayout):
    number = StringProperty("")
    title = StringProperty("")
    status = StringProperty("")
    status_tone = StringProperty("primary")
    line = StringProperty("")
    todo = StringProperty("")


def row_line(app: AppView) -> str:
    parts = [f"办件编号 {app.number}", app.mode]
    if app.role == "agent":
        parts.append(f"{words.ROLE['agent']}（申请人 {app.applicant}）")
    if app.submitted:
        parts.append(f"提交于 {app.submitted}")
    return "　".join(p for p in parts if p)


class PqListScreen(PqScreen):
    _shown: object = None

    def show_flow(self, flow: ProgressQueryFlow | None) -> None:
        super().show_flow(flow)
        if flow is None:
            self.clear_flow()
            return
        if flow.applications is self._shown:
            return
        self._shown = flow.applications
        rows = self.ids.rows
        rows.clear_widgets()
        if not flow.applications:
            rows.add_widget(WrapLabel(text=words.NO_APPLICATIONS, style="l", tone="notice", bold=True))
        for app in flow.applications:
            row = PqRow(number=app.number, title=app.item_name, status=words.status(app.status),
                        status_tone=words.status_tone(app.status), line=row_line(app),
                        todo=f"需要您：{app.todo}" if app.todo else "")
            row.bind(on_release=lambda r: self.open(r.number))
            rows.add_widget(row)
        self.ids.scroll.scroll_y = 1

    def open(self, number: str) -> None:
        if self._flow is not None:
            self._flow.open(number)

    def clear_flow(self) -> None:
        super().clear_flow()
        self._shown = None
        self.ids.rows.clear_widgets()
