"""Before booking: the item, hall and address, date, time (its session named), the booker's
masked name, and the cancel rule, for the citizen to check. The reason a booking was not
confirmed (central did not answer) shows here: 确认预约 again uses the same key."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.flows.appointment import AppointmentFlow
from kiosk.printing.documents.appointment_slip import arrival_rule
from kiosk.session import SessionSnapshot

from . import words as ap_words
from .base import AppointmentScreen


class ApSummaryLine(BoxLayout):
    caption = StringProperty("")
    value = StringProperty("")


def summary(flow: AppointmentFlow, booker: str) -> list[tuple[str, str]]:
    hall, item, day, slot = flow.hall, flow.item, flow.day, flow.slot
    if hall is None or item is None or day is None or slot is None:
        return []
    when = ap_words.time_range(slot.time, slot.end)
    if slot.session != "regular":
        when += f"（{ap_words.session_name(slot.session)}）"
    lines = [("预约事项", item.name), ("办理大厅", hall.name)]
    if hall.address:
        lines.append(("大厅地址", hall.address))
    lines += [("预约日期", ap_words.day_text(day.date)), ("预约时段", when), ("预约人", booker),
              ("取消规则", ap_words.cancel_rule(hall.rules)), ("报到", arrival_rule(hall.rules))]
    return lines


class ApConfirmScreen(AppointmentScreen):
    booker = StringProperty("")     # the masked name
    notice = StringProperty("")
    scrollable = BooleanProperty(False)   # 适老化 type under a banner: the lines scroll
    _shown: Any = None

    def on_kv_post(self, base_widget: object) -> None:
        self.ids.lines.bind(height=self._update_scrollable)
        self.ids.scroll.bind(height=self._update_scrollable)

    def _update_scrollable(self, *_: object) -> None:
        self.scrollable = self.ids.lines.height > self.ids.scroll.height + 1

    def show(self, snapshot: SessionSnapshot) -> None:
        super().show(snapshot)
        self.booker = snapshot.identity.name if snapshot.identity else ""

    def show_flow(self, flow: AppointmentFlow | None) -> None:
        super().show_flow(flow)
        if flow is None:
            self.clear_flow()
            return
        hall = flow.hall
        self.notice = ap_words.refusal(flow.error, hall.rules if hall else None,
                                       hall.phone if hall else "") if flow.error else ""
        lines = summary(flow, self.booker)
        if lines == self._shown:
            return
        self._shown = lines
        box = self.ids.lines
        box.clear_widgets()
        self.ids.scroll.scroll_y = 1
        for caption, value in lines:
            box.add_widget(ApSummaryLine(caption=caption, value=value))

    def book(self) -> None:
        if self._flow is not None:
            self._flow.book()

    def clear_flow(self) -> None:
        super().clear_flow()
        self._shown = None
        self.booker = self.notice = ""
        self.ids.lines.clear_widgets()
