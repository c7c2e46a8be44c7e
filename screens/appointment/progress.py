"""Waiting on central: the halls, the calendar, the times, the booking, 我的预约, a cancel."""

from __future__ import annotations

from kiosk.flows.appointment import AppointmentFlow

from ..common.busy import WaitingScreen
from .base import AppointmentScreen
from .words import day_text

# screen name -> (headline, detail); {day} is the chosen date
WAITING = {
    "ap_loading": ("正在查询可预约的大厅和事项，请稍候", "正在连接政务服务平台"),
    "ap_loading_days": ("正在查询可预约的日期，请稍候", "正在查询大厅的办公安排和余量"),
    "ap_loading_slots": ("正在查询可预约的时段，请稍候", "{day}"),
    "ap_booking": ("正在预约，请稍候", "正在向政务服务平台提交预约，请不要离开"),
    "ap_loading_mine": ("正在查询您的预约，请稍候", "正在连接政务服务平台"),
    "ap_cancelling": ("正在取消预约，请稍候", "正在连接政务服务平台"),
}


class ApProgressScreen(WaitingScreen[AppointmentFlow], AppointmentScreen):
    """One class, six screens (the names above)."""

    def waiting(self, flow: AppointmentFlow | None) -> tuple[str, str]:
        headline, detail = WAITING.get(self.name, WAITING["ap_loading"])
        day = flow.day.date if flow is not None and flow.day is not None else None
        return headline, detail.format(day=day_text(day) if day else "")
