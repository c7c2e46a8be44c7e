"""Request and response bodies of the queue's signed endpoints (docs/hall-day.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from central.schemas import IdNumber, Model, Moment, Name

CategoryCode = Annotated[str, Field(pattern=r"^[A-Z]$", examples=["A"])]
SignedCode = Annotated[str, Field(min_length=20, max_length=2000, pattern=r"^TONGBAN-APPT:")]
TicketKind = Literal["normal", "appointment", "green"]
TicketStatus = Literal["waiting", "called", "done", "skipped", "transferred"]


class TicketIn(Model):
    category: CategoryCode
    birth_date: date | None = Field(
        default=None, description="for the green channel; only the birth date leaves the terminal"
    )


class BlockIn(Model):
    category: CategoryCode


class OfflineTicketIn(Model):
    category: CategoryCode
    number: Annotated[int, Field(ge=1, le=99999)]
    taken_at: Moment
    birth_date: date | None = None


class CheckinIn(Model):
    """Either the signed appointment code (its QR) or the ID number and name."""

    qr: SignedCode | None = None
    id_number: IdNumber | None = None
    name: Name | None = None

    @model_validator(mode="after")
    def _one_way(self) -> CheckinIn:
        if self.qr is None and not (self.id_number and self.name):
            raise ValueError("give qr, or id_number and name")
        return self


class TicketOut(Model):
    label: str
    category: str
    category_name: str
    kind: TicketKind
    people_ahead: int
    estimated_wait_minutes: int | None = Field(description="null for an offline ticket")
    hall: str
    hall_name: str
    day: date
    taken_at: str
    offline: bool
    follow_url: str
    status: TicketStatus
    window: int | None


class CategoryOut(Model):
    code: str
    name: str
    waiting: int
    estimated_wait_minutes: int


class CategoriesOut(Model):
    hall: str
    hall_name: str
    categories: list[CategoryOut]


class BlockOut(Model):
    day: date
    category: str
    first: int
    last: int


class CheckinAppointmentOut(Model):
    code: str
    number: str
    hall: str
    hall_name: str
    item_code: str
    item_name: str
    date: date
    time: str
    end: str
    session: str
    status: str
    name_masked: str


class CheckinOut(Model):
    appointment: CheckinAppointmentOut
    ticket: TicketOut
