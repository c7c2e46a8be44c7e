"""One application: its status, the lines that say what kind of case it is (mode, 代办,
delivery, the 多地联办 parts with their own status and the combined one), what the citizen
must still do, and the timeline step by step (受理 / 审查 / 流转 / custody with the actor,
送达 with the tracking number where posted). Two screens: ``pq_detail`` for the identified
citizen (查询码, 补打回执: disabled with the printer's reason when it cannot print) and
``pq_public`` for the anonymous look-up (status and timeline only, applicant masked)."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.flows.progress_query import ProgressQueryFlow
from kiosk.flows.progress_query_views import AppView, PartView, StepView

from .. import printing_words as print_words
from . import words
from .base import PqScreen


class PqStepRow(BoxLayout):
    step = StringProperty("")
    at = StringProperty("")
    detail = StringProperty("")


def step_detail(s: StepView) -> str:
    parts = [s.part, s.actor, s.note]
    if s.tracking_number:
        parts.append(f"邮件号 {s.tracking_number}")
    return "　".join(p for p in parts if p)


def part_line(p: PartView) -> str:
    return f"子件{p.seq}　{p.where}　{p.task}：{words.status(p.status)}"


def facts(app: AppView) -> str:
    lines = [f"办件编号 {app.number}" + (f"　查询码 {app.check_code}" if app.check_code else ""),
             f"办理方式 {app.mode}　申请人 {app.applicant}"]
    if app.submitted:
        lines.append(f"提交时间 {app.submitted}")
    if app.role == "agent":
        lines.append(words.ROLE["agent"])
    if app.agent:
        lines.append(f"代办人 {app.agent}")
    if app.delivery:
        lines.append(app.delivery)
    return "\n".join(lines)


class PqDetailScreen(PqScreen):
    title = StringProperty("")
    status = StringProperty("")
    status_tone = StringProperty("primary")
    facts = StringProperty("")
    todo = StringProperty("")
    parts = StringProperty("")
    next_steps = StringProperty("")
    message = StringProperty("")
    message_tone = StringProperty("danger")
    identified = BooleanProperty(False)
    can_print = BooleanProperty(False)
    print_note = StringProperty("")
    _shown: object = None

    def show_flow(self, flow: ProgressQueryFlow | None) -> None:
        super().show_flow(flow)
        if flow is None:
            self.clear_flow()
            return
        app = flow.selected if self.name == "pq_detail" else flow.public_app
        self.identified = self.name == "pq_detail"
        if self.identified:
            ready, reason = flow.reprint_ready()
            self.can_print = ready
            self.print_note = "" if ready else print_words.print_failed(reason)
        if flow.printed:
            self.message, self.message_tone = words.REPRINTED, "notice"
        else:
            self.message, self.message_tone = words.error(flow.error), "danger"
        if app is None or app is self._shown:
            return
        self._shown = app
        self.title = app.item_name
        self.status, self.status_tone = words.status(app.status), words.status_tone(app.status)
        self.facts = facts(app)
        self.todo = f"需要您：{app.todo}" if app.todo else ""
        self.parts = (f"多地联办，共{len(app.parts)}个子件（全部办结后本件办结）\n"
                      + "\n".join(part_line(p) for p in app.parts)) if app.parts else ""
        self.next_steps = app.next_steps
        rows = self.ids.steps
        rows.clear_widgets()
        for s in app.timeline:
            rows.add_widget(PqStepRow(step=s.step, at=s.at or "—", detail=step_detail(s)))
        self.ids.scroll.scroll_y = 1

    def reprint(self) -> None:
        if self._flow is not None:
            self._flow.reprint()

    def again(self) -> None:
        if self._flow is not None:
            self._flow.restart()

    def leave(self) -> None:
        if self._flow is not None:
            self._flow.back()

    def clear_flow(self) -> None:
        super().clear_flow()
        self._shown = None
        self.title = self.status = self.facts = self.todo = self.parts = ""
        self.next_steps = self.message = self.print_note = ""
        self.can_print = False
        self.ids.steps.clear_widgets()
