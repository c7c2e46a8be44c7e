"""What the 预约办事 flow does around a booking: the 预约凭条 printed (again after a printer
fault: the booking stands either way) and 我的预约 (the person's bookings read from central,
one cancelled after the screen asked). The flow's steps and the booking itself are in
kiosk/flows/appointment.py; this base keeps its half of the flow's state."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial

from kiosk import hall_time
from kiosk.central_api.booking import Appointment, BookingCentral, Hall
from kiosk.central_api.errors import CentralError
from kiosk.flows.appointment_print import SlipsLike
from kiosk.flows.appointment_rules import Step, can_cancel, person_name, reason_of
from kiosk.flows.base import Flow, keeping_alive

log = logging.getLogger(__name__)


class AfterBooking(Flow):
    """The slip and 我的预约 (AppointmentFlow sets these in its ``_clear``)."""

    _central: BookingCentral
    _slips: SlipsLike | None
    _clock: Callable[[], float]
    zone: dt.tzinfo
    halls: tuple[Hall, ...]
    hall: Hall | None
    appointment: Appointment | None
    slip_state: str               # "" | printing | printed | failed (slip_error says why)
    slip_error: str
    mine: tuple[Appointment, ...] | None   # None: not read (error says why)
    cancelled: str                # the number of the appointment just cancelled
    _mine_from: Step

    def now(self) -> dt.datetime:
        return hall_time.now(self.zone, self._clock)

    def today(self) -> dt.date:
        return self.now().date()

    def can_cancel(self, appointment: Appointment) -> bool:
        return can_cancel(appointment, self.now())

    def hall_of(self, code: str) -> Hall | None:
        return next((h for h in self.halls if h.code == code), None)

    # -- intents ---------------------------------------------------------------------------
    def print_slip(self) -> None:
        """Print the slip again (after the printer failed, once staff fixed it)."""
        if self.step is not Step.DONE or self.appointment is None or self.slip_state == "printing":
            return
        self._require_card()
        self._touch()
        self._background(lambda: self._print_slip(self._generation))

    def open_mine(self) -> None:
        """我的预约: the person's bookings from today on (read again on every visit)."""
        if self.step not in (Step.HALLS, Step.ITEMS, Step.DONE, Step.MINE):
            return
        self._require_card()
        self._touch()
        if self.step is not Step.MINE:
            self._mine_from = Step.ITEMS if self.hall is not None else Step.HALLS
        self.cancelled = ""
        self._load_mine("")

    def cancel(self, number: str) -> None:
        """Cancel one of the person's appointments (the screen asked first)."""
        if self.step is not Step.MINE or not any(a.number == number for a in self.mine or ()):
            return
        self._require_card()
        self._touch()
        self._set(Step.CANCELLING)

        def work() -> None:
            gen = self._generation
            card = self._card_now(gen)
            if card is None:
                return
            try:
                self._central.cancel(number, card["id_number"])
            except CentralError as err:
                self._apply(gen, partial(self._back_to, Step.MINE, reason_of(err)))
                return
            finally:
                del card
            log.info("appointment %s cancelled", number)

            def done() -> None:
                self.cancelled = number
                self._back_to(Step.LOADING_MINE, "")

            self._apply(gen, done)
            self._read_mine(gen, "")

        self._background(work)

    # -- work ------------------------------------------------------------------------------
    def _load_mine(self, reason: str) -> None:
        self._back_to(Step.LOADING_MINE, reason)
        self._background(lambda: self._read_mine(self._generation, reason))

    def _read_mine(self, gen: int, reason: str) -> None:
        card = self._card_now(gen)
        if card is None:
            return
        try:
            found: tuple[Appointment, ...] | None = self._central.mine(
                card["id_number"], person_name(card)).appointments
            code = reason
        except CentralError as err:
            found, code = None, reason_of(err)
        finally:
            del card

        def done() -> None:
            self.mine = found
            self._back_to(Step.MINE, code)

        self._apply(gen, done)

    def _print_slip(self, gen: int) -> None:
        slips, appointment = self._slips, self.appointment
        if appointment is None:
            return
        hall = self.hall_of(appointment.hall) or self.hall
        if hall is None:
            return
        if slips is None:
            self._apply(gen, lambda: self._slip("failed", "no_printer"))
            return
        ready, reason = slips.ready()
        if not ready:
            self._apply(gen, lambda: self._slip("failed", reason))
            return
        card = self._card_now(gen)   # the print log keeps the number masked and keyed
        if card is None:
            return
        self._apply(gen, lambda: self._slip("printing", ""))
        with keeping_alive(self._touch):
            outcome = slips.print_slip(appointment, hall, card["id_number"])
        del card
        self._apply(gen, lambda: self._slip("printed" if outcome.ok else "failed", outcome.reason))

    def _slip(self, state: str, error: str) -> None:
        self.slip_state, self.slip_error = state, error
        self._changed()

