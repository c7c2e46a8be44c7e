"""How taking a ticket ended: printed (the number large, its kind, people ahead and wait),
the printer failed (the reason, a reprint of the same ticket), or no ticket could be issued
at all (offline without reserved numbers: go to the service desk)."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import StringProperty

from kiosk.flows.queue_ticket import QueueTicketFlow

from .. import printing_words as print_words
from ..common.outcome import ErrorScreen
from . import words
from .base import QueueScreen


class TicketOutcome(QueueScreen):
    label = StringProperty("")
    category = StringProperty("")
    kind = StringProperty("")
    ahead = StringProperty("")
    offline = StringProperty("")

    def show_flow(self, flow: QueueTicketFlow | None) -> None:
        super().show_flow(flow)
        ticket = flow.ticket if flow is not None else None
        if ticket is None:
            self.clear_flow()
            return
        self.label = ticket.label
        category = ticket.category_name + (f"（{ticket.appointment}）" if ticket.appointment else "")
        self.category = f"{ticket.hall_name}　{category}".strip("　")
        self.kind = words.KINDS.get(ticket.kind, "")
        self.ahead = words.ahead_line(ticket.people_ahead, ticket.wait_minutes)
        self.offline = "离线取号" if ticket.offline else ""

    def clear_flow(self) -> None:
        super().clear_flow()
        self.label = self.category = self.kind = self.ahead = self.offline = ""


class QueueDoneScreen(TicketOutcome):
    """Printed: take the ticket, watch the display."""

    @property
    def voice_prompt(self) -> str:
        if not self.label:
            return ""
        number = "，".join(self.label)   # 「A，0，1，2」: read one by one
        return f"取号成功，您的号码是{number}。{self.ahead}。请取走排队凭条，留意叫号。"


class QueueFailedScreen(TicketOutcome):
    message = StringProperty("")

    def show_flow(self, flow: QueueTicketFlow | None) -> None:
        super().show_flow(flow)
        self.message = print_words.print_failed(flow.error) if flow is not None else ""

    def reprint(self) -> None:
        if self._flow is not None:
            self._flow.reprint()

    def clear_flow(self) -> None:
        super().clear_flow()
        self.message = ""


class QueueErrorScreen(ErrorScreen[QueueTicketFlow], QueueScreen):
    def error_words(self, error: str) -> str:
        return words.error(error)

    def leave(self) -> None:
        App.get_running_app().finish_session()
