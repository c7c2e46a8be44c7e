"""Waiting: for the categories, for a number, for the printer, for the check-in."""

from __future__ import annotations

from kiosk.flows.queue_ticket import QueueTicketFlow

from ..common.busy import WaitingScreen
from .base import QueueScreen

WAITING = {
    "qt_loading": ("正在查询排队信息，请稍候", "正在连接政务服务平台"),
    "qt_taking": ("正在取号，请稍候", ""),
    "qt_printing": ("正在打印排队凭条…", "{label}\n打印完成后请从出纸口取走凭条"),
    "qt_checking_in": ("正在报到，请稍候", "{appointment}"),
}


class QueueProgressScreen(WaitingScreen[QueueTicketFlow], QueueScreen):
    """One class, four screens (the screen's name tells which step)."""

    def waiting(self, flow: QueueTicketFlow | None) -> tuple[str, str]:
        headline, detail = WAITING.get(self.name, WAITING["qt_loading"])
        ticket = flow.ticket if flow is not None else None
        return headline, detail.format(
            label=f"排队号 {ticket.label}" if ticket is not None else "",
            appointment=flow.appointment if flow is not None else "",
        ).strip("\n")
