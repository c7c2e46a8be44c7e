"""The queue (取号) and calling (叫号), issue 12.

Numbers come from `queue_series`: one row per (hall, day, category) whose `next_number` is
advanced by one atomic UPDATE (a row lock on PostgreSQL, the database lock on SQLite), so
numbers are unique across all the hall's terminals and central's workers. An offline block
(`queue_blocks`) is a range of numbers reserved in advance for one terminal, which it hands
out while central is unreachable; such tickets join the queue when they are uploaded. Blocks
come from the row's own counter `next_offline` (from 9001), so they never take an online
number: the day's first online ticket is A001 and an offline one reads A9001.

`queue_events` is the hall's change log: every take, call, recall, skip, transfer and finish
appends a row, and the window and display pages follow it from the last id they saw. On
PostgreSQL the writer also NOTIFYs channel `queue_<hall>` so waiting workers wake at once;
on SQLite they poll. Workers share nothing else.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.models import Base


class QueueSeries(Base):
    __tablename__ = "queue_series"
    hall_code: Mapped[str] = mapped_column(ForeignKey("halls.code"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    next_number: Mapped[int] = mapped_column(Integer, default=1)
    next_offline: Mapped[int] = mapped_column(Integer, default=9001)  # offline blocks' own range


class QueueBlock(Base):
    """Numbers [first, last] of a series reserved for one terminal's offline tickets."""

    __tablename__ = "queue_blocks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(String(16), index=True)
    hall_code: Mapped[str] = mapped_column(ForeignKey("halls.code"))
    day: Mapped[date] = mapped_column(Date)
    category_code: Mapped[str] = mapped_column(String(2))
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class QueueTicket(Base):
    """A ticket. kind: normal | appointment | green. status: waiting | called | done |
    skipped (no-show after max_calls) | transferred (a new ticket took its place)."""

    __tablename__ = "queue_tickets"
    __table_args__ = (
        UniqueConstraint("hall_code", "day", "label", name="uq_queue_tickets_hall_day_label"),
        Index("ix_queue_tickets_hall_day_status", "hall_code", "day", "status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall_code: Mapped[str] = mapped_column(ForeignKey("halls.code"))
    day: Mapped[date] = mapped_column(Date)
    category_code: Mapped[str] = mapped_column(String(2))
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(8))  # "A001"
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="waiting")
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    terminal_id: Mapped[str | None] = mapped_column(String(16))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    # Where an appointment ticket ranks: its slot's start (it ranks first once that began).
    slot_starts_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)  # arrival order
    calls: Mapped[int] = mapped_column(Integer, default=0)
    window_number: Mapped[int | None] = mapped_column(Integer)
    called_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    transferred_from: Mapped[int | None] = mapped_column(Integer)
    # "<terminal id>:<Idempotency-Key>" of the request that made it, and that request's
    # hash (central.idempotency): a retry gets this ticket, another body with the key a 409.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))


class QueueEvent(Base):
    """One change of a hall's queue, for the live pages (see the module docstring)."""

    __tablename__ = "queue_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall_code: Mapped[str] = mapped_column(String(20), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(12))  # take | call | recall | skip | transfer | finish
    data: Mapped[dict[str, Any]] = mapped_column()  # label, window, category: nothing personal


class HallStaff(Base):
    """A window clerk's login for the window page (password hashed with scrypt)."""

    __tablename__ = "hall_staff"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall_code: Mapped[str] = mapped_column(ForeignKey("halls.code"))
    login: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
