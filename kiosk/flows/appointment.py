"""预约办事: book a time at a hall, print the 预约凭条; 我的预约: see and cancel.

The terminal starts the flow once the citizen confirmed who they are (ID card, social
security card or e-ID code). halls (only when central gives several: a bank terminal books
for the city hall) -> item (what the hall books; 错时 / 无休 sessions named) -> day (the
calendar of the next two weeks from central: 无休 days, holidays, full days, days too soon
or too far, each with why) -> slot (time, session, places left) -> confirm -> booking ->
done (the slip prints on the receipt printer, or the screen says why not: the booking
stands either way and is in 我的预约). 我的预约 lists the person's bookings from today on;
取消预约 cancels one (central refuses ``too_late``).

A booking carries one Idempotency-Key per chosen slot for the whole session: a retry after
central did not answer (the booking may have been made) gets the same appointment, never a
second one. A refusal sends the citizen back where they can act (kiosk.flows.
appointment_rules): a full slot to the refreshed times, a day too far to the refreshed
calendar, a suspension to the error step with its end date.

Nothing personal is kept: the ID number and name are fetched from the session where a
call needs them (``_card_now``) and let go after it; what central answers carries the name
masked; the wipe drops it all.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from functools import partial
from typing import ClassVar

from kiosk import hall_time
from kiosk.central_api.booking import (
    Appointment,
    BookingCentral,
    BookingDay,
    Hall,
    HallItem,
    Slot,
)
from kiosk.central_api.errors import CentralError, CentralRejected, NotEnrolled
from kiosk.flows.appointment_mine import AfterBooking
from kiosk.flows.appointment_print import SlipsLike
from kiosk.flows.appointment_rules import (
    DAYS_SHOWN,
    UNCONFIRMED,
    Step,
    after_refusal,
    date_in,
    person_name,
    reason_of,
)
from kiosk.flows.base import Handling, Runner, keeping_alive, thread_runner
from kiosk.flows.deps import FlowDeps
from kiosk.session import Session

log = logging.getLogger(__name__)

__all__ = ["AppointmentFlow", "Step", "build"]


class AppointmentFlow(AfterBooking):
    SERVICE_ID = "appointment"
    FIRST = Step.LOADING
    ERROR_STEP = Step.ERROR
    TRANSITIONS: ClassVar = {
        Step.LOADING: frozenset({Step.HALLS, Step.ITEMS}),
        Step.HALLS: frozenset({Step.ITEMS, Step.LOADING_MINE}),
        Step.ITEMS: frozenset({Step.LOADING_DAYS, Step.HALLS, Step.LOADING_MINE}),
        Step.LOADING_DAYS: frozenset({Step.DAYS, Step.ITEMS}),
        Step.DAYS: frozenset({Step.LOADING_SLOTS, Step.ITEMS}),
        Step.LOADING_SLOTS: frozenset({Step.SLOTS, Step.DAYS}),
        Step.SLOTS: frozenset({Step.CONFIRM, Step.DAYS}),
        Step.CONFIRM: frozenset({Step.BOOKING, Step.SLOTS}),
        Step.BOOKING: frozenset({Step.DONE, Step.CONFIRM, Step.LOADING_SLOTS, Step.LOADING_DAYS}),
        Step.DONE: frozenset({Step.LOADING_MINE}),
        Step.LOADING_MINE: frozenset({Step.MINE}),
        Step.MINE: frozenset({Step.CANCELLING, Step.LOADING_MINE, Step.ITEMS, Step.HALLS}),
        Step.CANCELLING: frozenset({Step.LOADING_MINE, Step.MINE}),
        Step.ERROR: frozenset({Step.LOADING}),
    }

    def __init__(
        self,
        session: Session | None,
        central: BookingCentral,
        slips: SlipsLike | None = None,
        runner: Runner = thread_runner,
        zone: dt.tzinfo | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(session, runner)
        self._central = central
        self._slips = slips
        self.zone = zone or hall_time.default_zone()
        self._clock = clock
        self._keys: dict[tuple[str, str, str, str], str] = {}
        self._clear()

    def _clear(self) -> None:
        self.halls: tuple[Hall, ...] = ()
        self.hall: Hall | None = None
        self.item: HallItem | None = None
        self.days: tuple[BookingDay, ...] = ()
        self.day: BookingDay | None = None
        self.slots: tuple[Slot, ...] = ()
        self.slot: Slot | None = None
        self.appointment: Appointment | None = None
        self.slip_state = ""      # "" | printing | printed | failed (slip_error says why)
        self.slip_error = ""
        self.mine: tuple[Appointment, ...] | None = None   # None: not read (error says why)
        self.cancelled = ""       # the number of the appointment just cancelled
        self.until: dt.date | None = None   # a suspension's end (error "suspended")
        self._mine_from = Step.ITEMS

    # -- intents ---------------------------------------------------------------------------
    def load(self) -> None:
        """The halls this terminal books for; one goes straight to its items."""
        self._require_card()
        self._set(Step.LOADING)

        def work() -> None:
            gen = self._generation
            try:
                halls = self._central.halls().halls
            except CentralError as err:
                self._apply(gen, partial(self._fail, reason_of(err)))
                return

            def done() -> None:
                self.halls = halls
                if not halls:
                    self._fail("no_halls")
                elif len(halls) == 1:
                    self.hall = halls[0]
                    self._set(Step.ITEMS)
                else:
                    self._set(Step.HALLS)

            self._apply(gen, done)

        self._background(work)

    def choose_hall(self, code: str) -> None:
        hall = self.hall_of(code)
        if self.step is not Step.HALLS or hall is None:
            return
        self._touch()
        with self._lock:
            self.hall, self.item = hall, None
        self._set(Step.ITEMS)

    def choose_item(self, code: str) -> None:
        hall = self.hall
        item = hall.item(code) if hall is not None else None
        if self.step is not Step.ITEMS or item is None:
            return
        self._touch()
        with self._lock:
            self.item, self.day, self.slot = item, None, None
        self._load_days("")

    def choose_day(self, date: dt.date) -> None:
        """A bookable day loads its times; another says why it cannot be booked."""
        day = next((d for d in self.days if d.date == date), None)
        if self.step is not Step.DAYS or day is None:
            return
        self._touch()
        if not day.bookable:
            self._set_error(day.reason or "closed")
            return
        with self._lock:
            self.day, self.slot = day, None
        self._load_slots("")

    def choose_slot(self, time_: str) -> None:
        slot = next((s for s in self.slots if s.time == time_), None)
        if self.step is not Step.SLOTS or slot is None:
            return
        self._touch()
        if not slot.bookable or slot.remaining <= 0:
            self._set_error(slot.reason or "full")
            return
        with self._lock:
            self.slot = slot
        self._set(Step.CONFIRM)

    def book(self) -> None:
        """Book the confirmed slot (again after central did not answer: the same key)."""
        hall, item, day, slot = self.hall, self.item, self.day, self.slot
        if self.step is not Step.CONFIRM or hall is None or item is None or day is None or slot is None:
            return
        self._require_card()
        key = self._keys.setdefault((hall.code, item.code, day.date.isoformat(), slot.time),
                                    str(uuid.uuid4()))
        self._touch()
        self._set(Step.BOOKING)

        def work() -> None:
            gen = self._generation
            card = self._card_now(gen)
            if card is None:
                return
            try:
                with keeping_alive(self._touch):
                    booked = self._central.book(
                        hall=hall.code, item_code=item.code, day=day.date, time=slot.time,
                        id_number=card["id_number"], name=person_name(card),
                        idempotency_key=key)
            except CentralRejected as err:
                self._apply(gen, partial(self._refused, err.error, err.detail))
                return
            except CentralError as err:
                log.warning("booking not confirmed by central (%s): the same key is kept", err.code)
                self._apply(gen, lambda: self._back_to(Step.CONFIRM, UNCONFIRMED))
                return
            finally:
                del card
            log.info("appointment %s booked", booked.number)

            def done() -> None:
                self.appointment = booked
                self.slip_state, self.slip_error = "", ""
                self._set(Step.DONE)

            self._apply(gen, done)
            self._print_slip(gen)

        self._background(work)

    def back(self) -> None:
        self._touch()
        previous = {
            Step.ITEMS: Step.HALLS if len(self.halls) > 1 else None,
            Step.DAYS: Step.ITEMS, Step.SLOTS: Step.DAYS, Step.CONFIRM: Step.SLOTS,
            Step.MINE: self._mine_from,
        }.get(self.step)
        if previous is None:
            return
        with self._lock:
            self.cancelled = ""
            if previous is Step.HALLS:     # another hall may be chosen: none is chosen now
                self.hall = self.item = None
        self._back_to(previous, "")

    # -- work ------------------------------------------------------------------------------
    def _refused(self, reason: str, detail: str) -> None:
        """A refused booking: back where the citizen can act, the reason kept to show."""
        step = after_refusal(reason)
        if step is None:
            self.until = date_in(detail) if reason == "suspended" else None
            self._fail(reason)
        elif step is Step.LOADING_SLOTS:
            self._load_slots(reason)
        elif step is Step.LOADING_DAYS:
            self._load_days(reason)
        else:
            self._back_to(step, reason)

    def _load_days(self, reason: str) -> None:
        """The calendar for the chosen item; ``reason`` (a refusal) stays shown on it."""
        hall, item = self.hall, self.item
        if hall is None or item is None:
            return
        start = self.today()
        self._back_to(Step.LOADING_DAYS, reason)

        def work() -> None:
            gen = self._generation
            try:
                days = self._central.days(hall.code, item.code, start, DAYS_SHOWN).days
            except CentralError as err:
                self._apply(gen, partial(self._back_to, Step.ITEMS, reason_of(err)))
                return

            def done() -> None:
                self.days = days
                self._back_to(Step.DAYS, reason)

            self._apply(gen, done)

        self._background(work)

    def _load_slots(self, reason: str) -> None:
        hall, item, day = self.hall, self.item, self.day
        if hall is None or item is None or day is None:
            return
        self._back_to(Step.LOADING_SLOTS, reason)

        def work() -> None:
            gen = self._generation
            try:
                slots = self._central.slots(hall.code, item.code, day.date).slots
            except CentralError as err:
                self._apply(gen, partial(self._back_to, Step.DAYS, reason_of(err)))
                return

            def done() -> None:
                self.slots = slots
                self._back_to(Step.SLOTS, reason)

            self._apply(gen, done)

        self._background(work)

    def completed_handling(self) -> Handling | None:
        booked = self.appointment if self.step is Step.DONE else None
        if booked is not None:
            return Handling(self.SERVICE_ID, f"预约办事：{booked.item_name}", booked.item_code)
        return Handling(self.SERVICE_ID, "取消预约") if self.cancelled else None

    def wipe(self) -> None:
        super().wipe()
        with self._lock:
            self._clear()
            self._keys.clear()


def build(deps: FlowDeps) -> AppointmentFlow:
    if deps.central is None:
        raise NotEnrolled()  # the registry says it needs central: the terminal checked
    from kiosk.central_api.booking import BookingApi
    from kiosk.flows.appointment_print import SlipPrinter

    slips = SlipPrinter(deps.config, deps.printing) if deps.printing.receipt is not None else None
    return AppointmentFlow(deps.session, BookingApi(deps.central), slips,
                           zone=hall_time.hall_zone(deps.config))
