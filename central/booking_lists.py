"""A booking after it is made: cancelling it, a person's appointments, a hall's day
(docs/hall-day.md, "Booking")."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, update

from central.booking import _ROW, _need_hall, appointment_out
from central.booking_noshow import sweep, writing
from central.booking_slots import Refused
from central.halls import hall_today, load_hall
from central.models import Appointment
from central.models_hall import Booking, SlotCounter

_appointments = cast(Table, Appointment.__table__)
_bookings = cast(Table, Booking.__table__)
_counters = cast(Table, SlotCounter.__table__)


def _cancel_minutes(conn: Connection, hall: str) -> int:
    plan = load_hall(conn, hall)
    return int(plan.row.cancel_before_minutes) if plan else 120


def cancel(
    conn: Connection, number: str, now: datetime, id_number: str | None = None
) -> dict[str, Any]:
    """Cancel a booked appointment (from the terminal: only its booker, `id_number`); up to
    the hall's `cancel_before_minutes` before the start. Cancelling a cancelled one answers
    it again."""
    row = conn.execute(_ROW.where(_appointments.c.number == number)).first()
    if row is None or (id_number is not None and row.person_id_number != id_number):
        raise Refused("not_found", "no such appointment for this person")
    minutes = _cancel_minutes(conn, row.hall_code)
    if row.status == "cancelled":
        return appointment_out(conn, row, minutes)
    if row.status != "booked" or now > row.starts_at - timedelta(minutes=minutes):
        raise Refused(
            "too_late",
            f"an appointment can be cancelled up to {minutes} minutes before it starts",
        )
    with writing(conn) as tx:
        changed = tx.execute(
            update(_bookings)
            .where(_bookings.c.appointment_id == row.id, _bookings.c.status == "booked")
            .values(status="cancelled", status_at=now)
            .returning(_bookings.c.appointment_id)
        ).first()
        if changed is not None:
            tx.execute(
                update(_counters)
                .where(
                    _counters.c.hall_code == row.hall_code,
                    _counters.c.category_code == row.category_code,
                    _counters.c.starts_at == row.starts_at,
                    _counters.c.booked > 0,
                )
                .values(booked=_counters.c.booked - 1)
            )
    fresh = conn.execute(_ROW.where(_appointments.c.id == row.id)).one()
    if fresh.status != "cancelled":
        raise Refused("too_late", "the appointment is no longer booked")
    return appointment_out(conn, fresh, minutes)


def mine(conn: Connection, id_number: str, name: str, now: datetime) -> list[dict[str, Any]]:
    """A person's appointments from today on, any status, soonest first."""
    sweep(conn, now, person=id_number)
    rows = conn.execute(
        _ROW.where(
            _bookings.c.person_id_number == id_number,
            _bookings.c.person_name == name,
            _bookings.c.day >= hall_today(now),
        ).order_by(_appointments.c.starts_at, _appointments.c.id)
    ).all()
    minutes: dict[str, int] = {}
    out = []
    for row in rows:
        if row.hall_code not in minutes:
            minutes[row.hall_code] = _cancel_minutes(conn, row.hall_code)
        out.append(appointment_out(conn, row, minutes[row.hall_code]))
    return out


def day_list(conn: Connection, hall: str, day: date, now: datetime) -> list[dict[str, Any]]:
    """A hall's appointments on a day (names masked), by start."""
    plan = _need_hall(conn, hall)
    sweep(conn, now, hall=hall)
    rows = conn.execute(
        _ROW.where(_bookings.c.hall_code == hall, _bookings.c.day == day).order_by(
            _appointments.c.starts_at, _appointments.c.id
        )
    ).all()
    return [appointment_out(conn, row, plan.row.cancel_before_minutes) for row in rows]
