"""预约报到: show the appointment code to the scanner or place the ID card. A refusal
(too early, too late, not today, cancelled, not found, a code that does not verify, central
down) is said here in words, with what to do instead; 取普通号 goes back to the list."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.flows.queue_ticket import QueueTicketFlow

from . import words
from .base import QueueScreen


class QueueCheckinScreen(QueueScreen):
    how = StringProperty(words.CHECKIN_HOW)
    message = StringProperty("")
    appointment = StringProperty("")

    def show_flow(self, flow: QueueTicketFlow | None) -> None:
        super().show_flow(flow)
        if flow is None:
            self.clear_flow()
            return
        self.message = words.checkin_refusal(flow.error, flow.checkin_detail) if flow.error else ""
        self.appointment = f"预约：{flow.appointment}" if flow.appointment and flow.error else ""

    def normal_ticket(self) -> None:
        if self._flow is not None:
            self._flow.back()

    def clear_flow(self) -> None:
        super().clear_flow()
        self.message = self.appointment = ""
