"""The hall's day (issue 12): the calendar, halls and their schedules, bookings.

A hall is a service hall (政务服务中心) or a community station with windows. Its schedule is
rows of sessions; its bookable items are its queue categories' items. An appointment's
capacity is counted per (hall, category, slot start) in `slot_counters`: a booking is one
`UPDATE slot_counters SET booked = booked + 1 WHERE ... AND booked < capacity`, atomic on
PostgreSQL (row lock) and SQLite (the database lock), and the CHECK refuses any row that
would go over. One active booking per person, item and day is a partial unique index.

Times are naive UTC like every table (central.timeutil); `day` columns are the hall's
(Beijing) calendar date.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from central.models import Base


class CalendarYear(Base):
    """A year the calendar knows (its holidays and 调休 make-up workdays are all in
    `calendar_days`). A date of any other year is `unknown`: booking on it is refused with
    `calendar_unknown`, never guessed."""

    __tablename__ = "calendar_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200))  # "chinese-calendar 1.11.0", a notice, "demo: ..."
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class CalendarDay(Base):
    """A statutory holiday or a 调休 make-up workday. Other days of a known year are workdays
    (Mon-Fri) or weekends (Sat, Sun)."""

    __tablename__ = "calendar_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # holiday | make_up_workday
    name: Mapped[str] = mapped_column(String(40))  # 春节, 国庆节, ...


class Hall(Base):
    """A hall with windows: where citizens are booked and queued. `rules` defaults are the
    issue's: 24 h ahead, at most 7 working days, cancel up to 2 h before, 3 no-shows in 90
    days suspend booking for 30 days."""

    __tablename__ = "halls"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)  # "JC-ZWZX"
    name: Mapped[str] = mapped_column(String(100), unique=True)  # a terminal's hall_name
    region_code: Mapped[str] = mapped_column(String(12))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    min_advance_hours: Mapped[int] = mapped_column(Integer, default=24)
    max_workdays_ahead: Mapped[int] = mapped_column(Integer, default=7)
    cancel_before_minutes: Mapped[int] = mapped_column(Integer, default=120)
    no_show_limit: Mapped[int] = mapped_column(Integer, default=3)
    no_show_window_days: Mapped[int] = mapped_column(Integer, default=90)
    suspension_days: Mapped[int] = mapped_column(Integer, default=30)
    # 报到 (check-in) accepted from this long before the slot starts to this long after.
    checkin_early_minutes: Mapped[int] = mapped_column(Integer, default=30)
    checkin_late_minutes: Mapped[int] = mapped_column(Integer, default=15)
    # Calling order: comma-separated ranks, first wins: appointment (checked-in and its slot
    # has begun), green (绿色通道), arrival. Any order of these three.
    calling_order: Mapped[str] = mapped_column(String(60), default="appointment,green,arrival")
    green_age: Mapped[int] = mapped_column(Integer, default=65)
    max_calls: Mapped[int] = mapped_column(Integer, default=3)  # then skip = no-show
    offline_block_size: Mapped[int] = mapped_column(Integer, default=50)


class HallSite(Base):
    """A terminal site that is not itself a hall (a bank branch, a community station without
    windows) and the halls its terminals book for, in order."""

    __tablename__ = "hall_sites"
    site_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    hall_code: Mapped[str] = mapped_column(ForeignKey("halls.code"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class QueueCategory(Base):
    """A ticket series (A 综合, B 社保, C 不动产) and the catalogue items it groups; the
    hall's bookable items are its categories' items, capacity is per category."""

    __tablename__ = "queue_categories"
    hall_code: Mapped[str] = mapped_column(ForeignKey("halls.code"), primary_key=True)
    code: Mapped[str] = mapped_column(String(2), primary_key=True)  # one capital letter
    name: Mapped[str] = mapped_column(String(40))
    items: Mapped[list[Any]] = mapped_column()  # catalogue item codes
    position: Mapped[int] = mapped_column(Integer, default=0)


class HallWindow(Base):
    """A counter window and the categories it calls from."""

    __tablename__ = "hall_windows"
    hall_code: Mapped[str] = mapped_column(ForeignKey("halls.code"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)  # 3 -> 3号窗口
    name: Mapped[str] = mapped_column(String(40))  # 社保窗口
    categories: Mapped[list[Any]] = mapped_column()  # category codes, in calling preference


class HallSession(Base):
    """A bookable session of a hall: regular hours on working days, 错时 (cuoshi: lunch,
    evening) on working days, 无休 (wuxiu) on weekends and holidays. `weekdays` narrows rest
    days (ISO 1-7; empty: every day of its kind); `items` narrows the items (empty: all the
    hall's bookable items). Slots of `slot_minutes` from `start` to `end`, each with
    `capacity` places per category."""

    __tablename__ = "hall_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall_code: Mapped[str] = mapped_column(ForeignKey("halls.code"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # regular | cuoshi | wuxiu
    days: Mapped[str] = mapped_column(String(8))  # workday | restday
    weekdays: Mapped[list[Any]] = mapped_column()
    start: Mapped[str] = mapped_column(String(5))  # "HH:MM", hall time
    end: Mapped[str] = mapped_column(String(5))
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    capacity: Mapped[int] = mapped_column(Integer, default=5)
    items: Mapped[list[Any]] = mapped_column()


class SlotCounter(Base):
    """Places booked in one slot of one category: the row the capacity is counted on."""

    __tablename__ = "slot_counters"
    __table_args__ = (CheckConstraint("booked >= 0 AND booked <= capacity", name="within"),)
    hall_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    category_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class Booking(Base):
    """What the booking engine adds to an appointment (1:1 with `appointments`, whose row
    carries the signed code's content). Status: booked, cancelled, checked_in, no_show."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index(
            "uq_bookings_active_person_item_day",
            "person_id_number",
            "item_code",
            "day",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
        Index("ix_bookings_hall_day", "hall_code", "day"),
    )
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), primary_key=True)
    hall_code: Mapped[str] = mapped_column(ForeignKey("halls.code"))
    category_code: Mapped[str] = mapped_column(String(2))
    item_code: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    session: Mapped[str] = mapped_column(String(8))  # regular | cuoshi | wuxiu
    # None: an ops appointment booked without a person (its QR checks in; no ID card does)
    person_id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    person_name: Mapped[str] = mapped_column(String(60))  # "" when not given (ops)
    phone: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(8))  # terminal | phone | ops
    terminal_id: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12), default="booked")
    status_at: Mapped[datetime] = mapped_column(DateTime)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class BookingSuspension(Base):
    """Booking suspended for a person after too many no-shows (per hall rules)."""

    __tablename__ = "booking_suspensions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id_number: Mapped[str] = mapped_column(String(18), index=True)
    hall_code: Mapped[str] = mapped_column(ForeignKey("halls.code"))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    lifted: Mapped[bool] = mapped_column(Boolean, default=False)


__all__ = [
    "Booking",
    "BookingSuspension",
    "CalendarDay",
    "CalendarYear",
    "Hall",
    "HallSession",
    "HallSite",
    "HallWindow",
    "QueueCategory",
    "SlotCounter",
]
