"""Booked: the appointment number, large; what, where and when; the slip (printing, printed:
take it; or why it could not print: the booking stands and 我的预约 shows it)."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk.central_api.booking import Appointment
from kiosk.flows.appointment import AppointmentFlow
from kiosk.printing.documents.appointment_slip import arrival_rule

from . import words as ap_words
from .base import AppointmentScreen


class ApDoneScreen(AppointmentScreen):
    number = StringProperty("")
    details = StringProperty("")
    slip_state = StringProperty("")
    slip_text = StringProperty("")
    arrival = StringProperty("")
    can_reprint = BooleanProperty(False)
    _shown: Appointment | None = None

    def show_flow(self, flow: AppointmentFlow | None) -> None:
        super().show_flow(flow)
        appointment = flow.appointment if flow is not None else None
        if flow is None or appointment is None:
            self.clear_flow()
            return
        self.slip_state = flow.slip_state
        self.slip_text = ap_words.slip_line(flow.slip_state, flow.slip_error)
        # Again only where a printer is there to try (none configured: nothing to retry).
        self.can_reprint = flow.slip_state == "failed" and flow.slip_error != "no_printer"
        if appointment == self._shown:
            return
        self._shown = appointment
        self.number = appointment.number
        when = ap_words.time_range(appointment.time, appointment.end)
        if appointment.session != "regular":
            when += f"（{ap_words.session_name(appointment.session)}）"
        self.details = "\n".join((appointment.item_name, appointment.hall_name,
                                  f"{ap_words.day_text(appointment.date)}　{when}"))
        hall = flow.hall_of(appointment.hall) or flow.hall
        self.arrival = arrival_rule(hall.rules) if hall is not None else ""

    def open_mine(self) -> None:
        if self._flow is not None:
            self._flow.open_mine()

    def reprint(self) -> None:
        if self._flow is not None:
            self._flow.print_slip()

    def clear_flow(self) -> None:
        super().clear_flow()
        self._shown = None
        self.number = self.details = self.slip_state = self.slip_text = self.arrival = ""
        self.can_reprint = False
