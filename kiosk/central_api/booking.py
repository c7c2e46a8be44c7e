"""预约 (booking) on central: the shapes of docs/hall-day.md "Booking" and its signed terminal
endpoints, called through ``CentralClient.call``.

Answers are parsed strictly like every central answer (kiosk.central_api.models): a wrong
shape is ``InvalidResponse``, never a half-read booking. A refusal arrives as
``CentralRejected`` whose ``error`` is the contract's reason (``too_soon``, ``full``, ...).

Booking carries an Idempotency-Key the caller keeps across its retries: central answers a
retry with the appointment the first attempt made, so a lost answer never books twice.
The citizen's ID number and name travel in bodies only, never in a path or a log line.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, Protocol
from urllib.parse import quote, urlencode

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kiosk.central_api.client import CentralClient

SessionKind = Literal["regular", "cuoshi", "wuxiu"]
DayKind = Literal["workday", "weekend", "holiday", "make_up_workday", "unknown"]
HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"

# Why a day or a slot cannot be booked (the contract's reasons); refusals of a booking or a
# cancellation add duplicate, suspended, invalid_id, not_found and too_late.
REFUSALS = ("too_soon", "too_far", "closed", "full", "duplicate", "suspended",
            "calendar_unknown", "invalid_id", "not_found", "too_late")
DAYS_MAX = 31


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class HallRules(_Response):
    min_advance_hours: int = 24
    max_workdays_ahead: int = 7
    cancel_before_minutes: int = 120
    checkin_early_minutes: int = 30
    checkin_late_minutes: int = 15


class HallItem(_Response):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    category: str = ""
    sessions: tuple[SessionKind, ...] = ()


class HallCategory(_Response):
    code: str
    name: str


class HallWindow(_Response):
    number: int
    name: str
    categories: tuple[str, ...] = ()


class Hall(_Response):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    region_code: str = ""
    address: str = ""
    phone: str = ""
    items: tuple[HallItem, ...] = ()
    categories: tuple[HallCategory, ...] = ()
    windows: tuple[HallWindow, ...] = ()
    rules: HallRules = HallRules()

    def item(self, code: str) -> HallItem | None:
        return next((i for i in self.items if i.code == code), None)


class HallList(_Response):
    halls: tuple[Hall, ...]


class BookingDay(_Response):
    """One day of the terminal's calendar: what kind of day, which sessions the hall holds
    for the item, places left, and why it cannot be booked (``reason``) when it cannot."""

    date: dt.date
    kind: DayKind
    name: str | None = None
    sessions: tuple[SessionKind, ...] = ()
    remaining: int = 0
    bookable: bool = False
    reason: str | None = None


class DayList(_Response):
    days: tuple[BookingDay, ...]


class Slot(_Response):
    time: str = Field(pattern=HHMM)
    end: str = Field(pattern=HHMM)
    session: SessionKind
    capacity: int
    remaining: int
    bookable: bool = True
    reason: str | None = None


class SlotList(_Response):
    date: dt.date
    kind: DayKind
    slots: tuple[Slot, ...]


class Appointment(_Response):
    """A booking as central holds it. ``number`` (= ``code``) is what the citizen quotes;
    ``qr`` is the signed code printed on the slip (the terminal verifies it offline at
    check-in). The booker's name only ever comes masked."""

    code: str = Field(min_length=1)
    number: str = Field(min_length=1)
    qr: str | None = None
    hall: str
    hall_name: str
    item_code: str
    item_name: str
    date: dt.date
    time: str = Field(pattern=HHMM)
    end: str = Field(pattern=HHMM)
    session: SessionKind
    status: str
    name_masked: str = ""
    cancel_until: AwareDatetime | None = None


class AppointmentList(_Response):
    appointments: tuple[Appointment, ...]


class BookingCentral(Protocol):
    """What the 预约办事 flow asks of central (``BookingApi``; tests may wrap it)."""

    def halls(self) -> HallList: ...
    def days(self, hall: str, item: str, start: dt.date, days: int) -> DayList: ...
    def slots(self, hall: str, item: str, day: dt.date) -> SlotList: ...
    def book(self, *, hall: str, item_code: str, day: dt.date, time: str, id_number: str,
             name: str, idempotency_key: str, phone: str | None = None) -> Appointment: ...
    def mine(self, id_number: str, name: str) -> AppointmentList: ...
    def cancel(self, number: str, id_number: str) -> Appointment: ...


class BookingApi:
    """The booking endpoints of one enrolled terminal's client."""

    def __init__(self, client: CentralClient) -> None:
        self._client = client

    def halls(self) -> HallList:
        """The halls this terminal books for, its own first when it stands in one."""
        return self._client.call(HallList, "GET", "/halls/mine")

    def days(self, hall: str, item: str, start: dt.date, days: int) -> DayList:
        if not 1 <= days <= DAYS_MAX:
            raise ValueError(f"days must be 1 to {DAYS_MAX}")
        query = urlencode({"item": item, "from": start.isoformat(), "days": days})
        return self._client.call(DayList, "GET", f"/halls/{quote(hall, safe='')}/days?{query}")

    def slots(self, hall: str, item: str, day: dt.date) -> SlotList:
        query = urlencode({"item": item, "date": day.isoformat()})
        return self._client.call(SlotList, "GET", f"/halls/{quote(hall, safe='')}/slots?{query}")

    def book(self, *, hall: str, item_code: str, day: dt.date, time: str, id_number: str,
             name: str, idempotency_key: str, phone: str | None = None) -> Appointment:
        """Book one place. Retried under the same key (central answers a retry with the
        first attempt's appointment); the caller keeps the key for its own retries."""
        body: dict[str, object] = {"hall": hall, "item_code": item_code, "date": day.isoformat(),
                                   "time": time, "id_number": id_number, "name": name}
        if phone:
            body["phone"] = phone
        return self._client.call(Appointment, "POST", "/appointments/book", body,
                                 idempotency_key=idempotency_key, ok=(200, 201))

    def mine(self, id_number: str, name: str) -> AppointmentList:
        """The person's bookings from today on, any status, soonest first (a read: retried)."""
        return self._client.call(AppointmentList, "POST", "/appointments/mine",
                                 {"id_number": id_number, "name": name})

    def cancel(self, number: str, id_number: str) -> Appointment:
        """Cancel the booker's own appointment. Retried: central answers cancelling a
        cancelled appointment with it again, so a lost answer cancels once."""
        return self._client.call(Appointment, "POST", f"/appointments/{quote(number, safe='')}/cancel",
                                 {"id_number": id_number})
