"""The flow cannot go on: central unreachable, no hall to book for, booking suspended after
no-shows (until when), an ID number that fails its check. Retry only where it can help."""

from __future__ import annotations

from kiosk.flows.appointment import AppointmentFlow

from ..common.outcome import ErrorScreen
from . import words as ap_words
from .base import AppointmentScreen

NO_RETRY = frozenset({"suspended", "invalid_id", "no_halls"})


class ApErrorScreen(ErrorScreen[AppointmentFlow], AppointmentScreen):
    def show_flow(self, flow: AppointmentFlow | None) -> None:
        super().show_flow(flow)
        if flow is not None:
            hall = flow.hall
            self.message = ap_words.refusal(flow.error, hall.rules if hall else None,
                                            hall.phone if hall else "", flow.until)
            self.can_retry = flow.error not in NO_RETRY
            self.headline = "暂时不能预约" if flow.error in NO_RETRY else "暂时无法预约"

    def error_words(self, error: str) -> str:
        return ap_words.refusal(error)
