"""我的预约: the person's bookings from today on (central's list), soonest first, each with
its status; 取消预约 on those still inside the cancel time, after a question (取消后该时段
将让给其他人). ``too_late`` and the other refusals show above the list in plain words."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.central_api.booking import Appointment
from kiosk.flows.appointment import AppointmentFlow

from ..dialogs import confirm_dialog
from ..widgets import WrapLabel
from . import words as ap_words
from .base import AppointmentScreen


class ApMineRow(BoxLayout):
    number = StringProperty("")
    title = StringProperty("")
    when = StringProperty("")
    where = StringProperty("")
    status = StringProperty("")
    status_tone = StringProperty("primary")
    can_cancel = BooleanProperty(False)
    note = StringProperty("")       # why 取消 is not offered on a booked one
    __events__ = ("on_cancel",)

    def on_cancel(self) -> None:
        pass


def when_text(a: Appointment) -> str:
    when = f"{ap_words.day_text(a.date)}　{ap_words.time_range(a.time, a.end)}"
    return when + (f"（{ap_words.session_name(a.session)}）" if a.session != "regular" else "")


class ApMineScreen(AppointmentScreen):
    notice = StringProperty("")
    notice_tone = StringProperty("danger")
    _shown: object = None

    def show_flow(self, flow: AppointmentFlow | None) -> None:
        super().show_flow(flow)
        if flow is None:
            self.clear_flow()
            return
        hall = flow.hall
        if flow.error:
            self.notice_tone = "danger"
            self.notice = ap_words.refusal(flow.error, hall.rules if hall else None, hall.phone if hall else "")
        elif flow.cancelled:
            self.notice_tone = "notice"
            self.notice = f"预约 {flow.cancelled} 已取消"
        else:
            self.notice = ""
        mine = flow.mine
        key = (mine, tuple(flow.can_cancel(a) for a in mine or ()))
        if key == self._shown:
            return
        self._shown = key
        rows = self.ids.rows
        rows.clear_widgets()
        if mine is not None and not mine:
            rows.add_widget(WrapLabel(text=ap_words.NO_MINE, style="l", tone="notice", bold=True))
        for a in mine or ():
            rows.add_widget(self._row(a, flow.can_cancel(a)))
        self.ids.scroll.scroll_y = 1

    def _row(self, a: Appointment, can_cancel: bool) -> ApMineRow:
        tone = {"booked": "success", "checked_in": "primary"}.get(a.status, "muted")
        row = ApMineRow(number=a.number, title=a.item_name, when=when_text(a),
                      where=f"{a.hall_name}　预约号 {a.number}",
                      status=ap_words.STATUS_WORDS.get(a.status, a.status), status_tone=tone,
                      can_cancel=can_cancel,
                      note="已过取消时限" if a.status == "booked" and not can_cancel else "")
        row.bind(on_cancel=lambda r: self.ask_cancel(r.number, r.title, r.when))
        return row

    def ask_cancel(self, number: str, title: str, when: str) -> None:
        flow = self._flow
        if flow is None:
            return
        confirm_dialog().ask("确定要取消这个预约吗？", f"{title}\n{when}\n取消后该时段将让给其他人",
                             "不取消", "确定取消",
                             lambda: flow.cancel(number) if self._flow is flow else None)

    def again(self) -> None:
        if self._flow is not None:
            self._flow.open_mine()

    def clear_flow(self) -> None:
        super().clear_flow()
        self._shown = None
        self.notice = ""
        self.ids.rows.clear_widgets()
