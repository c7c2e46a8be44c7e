"""Appointments made by operations (channel `ops`: 现场预约 / 窗口预约, `kiosk-central
appointment issue` at a hall that is in `halls`): the booking row beside the appointment,
so 报到 finds it like any booking (by its QR, or by ID number and name when a person was
given). The booking rules (24 h ahead, 7 working days, capacity) are the citizens'; staff
who book someone in are not held to them, but the place is still counted: the slot counter
at the appointment's start gains one booked place, and when it was full (or the start is
not one of the plan's slot starts) one more place with it, so cancelling gives it back and
the counter never says more were booked than it holds.

Called inside the caller's transaction (central.appointment_codes.issue_appointment)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, cast

from sqlalchemy import Connection, Table, case, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from central.halls import HallPlan, load_hall
from central.models_hall import Booking, Hall, SlotCounter
from central.timeutil import to_beijing

_bookings = cast(Table, Booking.__table__)
_counters = cast(Table, SlotCounter.__table__)
_halls = cast(Table, Hall.__table__)
CHANNEL = "ops"


class OpsBookingError(ValueError):
    """The hall exists but cannot take this appointment; one line for the operator."""


def hall_named(conn: Connection, hall: str) -> HallPlan | None:
    """The hall whose name (as terminals know it, and as codes are signed) or code is
    `hall`; None when there is none (the appointment is then a code only, as before)."""
    code = conn.execute(
        select(_halls.c.code).where(or_(_halls.c.name == hall, _halls.c.code == hall)).limit(1)
    ).scalar()
    return None if code is None else load_hall(conn, str(code))


def category_for(plan: HallPlan, item_code: str) -> str:
    category = plan.category_of(item_code)
    if category is None:
        raise OpsBookingError(f"{plan.name} ({plan.code}) does not serve item {item_code[:40]}")
    return category


def _session_at(plan: HallPlan, item_code: str, at: time) -> tuple[str, int | None]:
    """(session kind, the slot's capacity when `at` is one of the plan's slot starts for
    the item; else the session whose hours hold `at`, or regular, with no capacity)."""
    serving = [s for s in plan.sessions if not s.items or item_code in s.items]
    for s in serving:
        if at in s.slot_starts():
            return s.kind, s.capacity
    for s in serving:
        if s.start <= at < s.end:
            return s.kind, None
    return "regular", None


def _count_place(dialect: str) -> Any:
    """One booked place more in the counter; the capacity grows with it when it was full."""
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert_(_counters)
    return stmt.on_conflict_do_update(
        index_elements=[_counters.c.hall_code, _counters.c.category_code, _counters.c.starts_at],
        set_={
            "booked": _counters.c.booked + 1,
            "capacity": case(
                (_counters.c.booked < _counters.c.capacity, _counters.c.capacity),
                else_=_counters.c.booked + 1,
            ),
        },
    )


_COUNT = {name: _count_place(name) for name in ("postgresql", "sqlite")}


def record_ops_booking(
    conn: Connection,
    plan: HallPlan,
    *,
    appointment_id: int,
    item_code: str,
    starts_at: datetime,
    now: datetime,
    person: str | None,
    name: str | None,
) -> dict[str, Any]:
    """Count the place and insert the booking (status booked, channel ops) of the
    appointment row `appointment_id`, in the caller's transaction. Times naive UTC."""
    category = category_for(plan, item_code)
    start = to_beijing(starts_at)
    kind, capacity = _session_at(plan, item_code, start.time().replace(tzinfo=None))
    conn.execute(
        _COUNT[conn.dialect.name],
        {
            "hall_code": plan.code,
            "category_code": category,
            "starts_at": starts_at,
            "capacity": capacity or 1,
            "booked": 1,
        },
    )
    values = {
        "appointment_id": appointment_id,
        "hall_code": plan.code,
        "category_code": category,
        "item_code": item_code,
        "day": start.date(),
        "session": kind,
        "person_id_number": person,
        "person_name": (name or "").strip(),
        "phone": None,
        "channel": CHANNEL,
        "terminal_id": None,
        "status": "booked",
        "status_at": now,
        "idempotency_key": None,
    }
    conn.execute(insert(_bookings).values(**values))
    return values
