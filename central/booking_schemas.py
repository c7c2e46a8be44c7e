"""The bodies of the hall's booking endpoints (docs/hall-day.md, "Booking"). ID numbers are
plain strings here: one that fails GB 11643 is refused by the engine with the contract's
`invalid_id` (422), not the generic `validation_failed`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from central.schemas import Model, Name, printable

SessionKind = Literal["regular", "cuoshi", "wuxiu"]
DayKind = Literal["workday", "weekend", "holiday", "make_up_workday", "unknown"]
DayReason = Literal["too_soon", "too_far", "closed", "full", "calendar_unknown"]
PersonId = Annotated[str, Field(min_length=1, max_length=18), AfterValidator(printable)]
HallCode = Annotated[str, Field(pattern=r"^[A-Z0-9-]{1,20}$")]
ItemCode = Annotated[str, Field(pattern=r"^[0-9A-Z]{1,40}$")]
Phone = Annotated[str, Field(pattern=r"^[0-9+-]{5,20}$")]


class HallItemOut(Model):
    code: str
    name: str
    category: str
    sessions: list[SessionKind]


class CategoryOut(Model):
    code: str
    name: str


class WindowOut(Model):
    number: int
    name: str
    categories: list[str]


class RulesOut(Model):
    min_advance_hours: int
    max_workdays_ahead: int
    cancel_before_minutes: int
    checkin_early_minutes: int
    checkin_late_minutes: int


class HallOut(Model):
    code: str
    name: str
    region_code: str
    address: str
    phone: str
    items: list[HallItemOut]
    categories: list[CategoryOut]
    windows: list[WindowOut]
    rules: RulesOut


class HallsOut(Model):
    halls: list[HallOut]


class DayOut(Model):
    date: date
    kind: DayKind
    name: str | None
    sessions: list[SessionKind]
    remaining: int
    bookable: bool
    reason: DayReason | None


class DaysOut(Model):
    days: list[DayOut]


class SlotOut(Model):
    time: str
    end: str
    session: SessionKind
    capacity: int
    remaining: int
    bookable: bool
    reason: DayReason | None


class SlotsOut(Model):
    date: date
    kind: DayKind
    name: str | None
    reason: DayReason | None = None
    slots: list[SlotOut]


class BookIn(Model):
    hall: HallCode
    item_code: ItemCode
    date: date
    time: Annotated[str, Field(pattern=r"^[0-2][0-9]:[0-5][0-9]$")]
    id_number: PersonId
    name: Name
    phone: Phone | None = None


class AppointmentOut(Model):
    code: str
    number: str
    qr: str | None = Field(description="the signed code (TONGBAN-APPT:...) the slip's QR carries")
    hall: str
    hall_name: str
    item_code: str
    item_name: str
    date: date
    time: str
    end: str
    session: SessionKind
    status: Literal["booked", "cancelled", "checked_in", "no_show"]
    name_masked: str
    cancel_until: str


class PersonIn(Model):
    id_number: PersonId
    name: Name


class CancelIn(Model):
    id_number: PersonId


class AppointmentsOut(Model):
    appointments: list[AppointmentOut]
