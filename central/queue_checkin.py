"""报到 (check-in): a citizen with an appointment for today arrives and gets a priority
ticket (kind `appointment`, ranked by its slot's start once the slot has begun).

Found by the signed appointment code (its QR; verified here with central's own published
keys, central.code_keys) or by ID number and name against today's bookings at this hall.
Accepted from `checkin_early_minutes` before the slot starts to `checkin_late_minutes`
after; refusals: too_early / too_late (the detail says when, and what to do instead),
not_today, cancelled, already_checked_in, not_found. The booking becomes `checked_in` in
the transaction that makes the ticket.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timedelta
from typing import Any, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Table, select, update

from central.code_keys import APPOINTMENT_PREFIX
from central.db import write_transaction
from central.livefeed import append_event
from central.models import Appointment, CodeSigningKey
from central.models_hall import Booking
from central.proofs import mask_name
from central.queue import Taken, event_data, insert_ticket, next_numbers, ticket_view
from central.queue_base import HallInfo, QueueError, hall_day, label_of, tickets
from central.timeutil import to_beijing

bookings = cast(Table, Booking.__table__)
appointments = cast(Table, Appointment.__table__)
keys = cast(Table, CodeSigningKey.__table__)


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def number_from_code(conn: Connection, code: str) -> str:
    """The appointment number a signed code names, after checking its signature against a
    live key (QueueError not_found for anything that does not verify)."""
    refused = QueueError("not_found", "the appointment code does not verify", 404)
    code = code.strip()
    if not code.startswith(APPOINTMENT_PREFIX) or code.count(".") != 1:
        raise refused
    signed, _, signature = code.partition(".")
    try:
        payload = json.loads(_b64url(signed[len(APPOINTMENT_PREFIX) :]).decode("utf-8"))
        sig = _b64url(signature)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise refused from None
    if not isinstance(payload, dict) or not isinstance(payload.get("id"), str):
        raise refused
    key = conn.execute(
        select(keys.c.public_key).where(
            keys.c.kid == str(payload.get("kid")), keys.c.retired_at.is_(None)
        )
    ).first()
    if key is None:
        raise refused
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(key.public_key)).verify(
            sig, signed.encode("ascii")
        )
    except (InvalidSignature, ValueError):
        raise refused from None
    return str(payload["id"])


def _booking_query() -> Any:
    return select(
        bookings,
        appointments.c.number,
        appointments.c.item_name,
        appointments.c.starts_at,
        appointments.c.ends_at,
    ).join(appointments, appointments.c.id == bookings.c.appointment_id)


def _by_number(conn: Connection, hall: HallInfo, number: str) -> Any:
    row = conn.execute(_booking_query().where(appointments.c.number == number)).first()
    if row is None:
        raise QueueError("not_found", "no booking for this appointment code", 404)
    if row.hall_code != hall.code:
        raise QueueError("not_found", "this appointment is for another hall", 404)
    return row


def _by_person(conn: Connection, hall: HallInfo, id_number: str, name: str, now: datetime) -> Any:
    """Today's booking of the person at this hall: a booked one first (soonest), else a
    checked-in one, else a cancelled or missed one (so the refusal says why)."""
    rows = conn.execute(
        _booking_query()
        .where(bookings.c.person_id_number == id_number, bookings.c.hall_code == hall.code)
        .order_by(appointments.c.starts_at)
    ).all()
    rows = [r for r in rows if r.person_name == name.strip()]
    if not rows:
        raise QueueError("not_found", "no booking at this hall for this person", 404)
    today = [r for r in rows if r.day == hall_day(now)]
    if not today:
        later = [r for r in rows if r.day > hall_day(now) and r.status == "booked"]
        when = f": the booking is for {later[0].day.isoformat()}" if later else ""
        raise QueueError("not_today", f"no booking for today{when}")
    for status in ("booked", "checked_in", "no_show", "cancelled"):
        for row in today:
            if row.status == status:
                return row
    return today[0]


def appointment_view(row: Any, hall: HallInfo, status: str) -> dict[str, Any]:
    start, end = to_beijing(row.starts_at), to_beijing(row.ends_at)
    return {
        "code": row.number,
        "number": row.number,
        "hall": hall.code,
        "hall_name": hall.name,
        "item_code": row.item_code,
        "item_name": row.item_name,
        "date": row.day.isoformat(),
        "time": f"{start:%H:%M}",
        "end": f"{end:%H:%M}",
        "session": row.session,
        "status": status,
        "name_masked": mask_name(row.person_name),
    }


def _check_window(hall: HallInfo, row: Any, now: datetime) -> None:
    opens = row.starts_at - timedelta(minutes=hall.checkin_early_minutes)
    closes = row.starts_at + timedelta(minutes=hall.checkin_late_minutes)
    span = f"{to_beijing(opens):%H:%M}–{to_beijing(closes):%H:%M}"
    if row.day != hall_day(now):
        raise QueueError("not_today", f"the appointment is for {row.day.isoformat()}, not today")
    if now < opens:
        raise QueueError(
            "too_early",
            f"check-in opens at {to_beijing(opens):%H:%M} (报到时间 {span}); come back then, "
            "or take a normal ticket now",
        )
    if now > closes:
        raise QueueError(
            "too_late",
            f"check-in closed at {to_beijing(closes):%H:%M} (报到时间 {span}); take a normal "
            "ticket for the window, or book again",
        )


def check_in(
    conn: Connection,
    hall: HallInfo,
    now: datetime,
    asked: Taken,
    base_url: str,
    *,
    code: str | None = None,
    id_number: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """{"appointment", "ticket"} for a booking checked in now (module docstring)."""
    if code is not None:
        row = _by_number(conn, hall, number_from_code(conn, code))
    elif id_number and name:
        row = _by_person(conn, hall, id_number, name, now)
    else:
        raise QueueError(
            "validation_failed", "give the appointment code, or ID number and name", 422
        )
    if row.status == "cancelled":
        raise QueueError("cancelled", "this appointment was cancelled")
    if row.status == "no_show":
        raise QueueError("too_late", "the appointment's slot ended without check-in (no-show)")
    if row.status == "checked_in":
        raise QueueError("already_checked_in", "this appointment is checked in already")
    _check_window(hall, row, now)
    day = hall_day(now)
    with write_transaction(conn):
        changed = conn.execute(
            update(bookings)
            .where(bookings.c.appointment_id == row.appointment_id, bookings.c.status == "booked")
            .values(status="checked_in", status_at=now)
        ).rowcount
        if changed != 1:
            raise QueueError("already_checked_in", "this appointment is checked in already")
        number = next_numbers(conn, hall.code, day, row.category_code, 1)
        ticket_id = insert_ticket(
            conn,
            hall,
            day,
            row.category_code,
            number,
            "appointment",
            now,
            asked,
            appointment_id=row.appointment_id,
            slot_starts_at=row.starts_at,
        )
        data = event_data(
            conn,
            hall.code,
            day,
            label=label_of(row.category_code, number),
            category=row.category_code,
            kind="appointment",
        )
        append_event(conn, hall.code, "take", data, now)
    return {
        "appointment": appointment_view(row, hall, "checked_in"),
        "ticket": ticket_view(conn, hall, ticket_id, now, base_url),
    }


def replay_check_in(
    conn: Connection, hall: HallInfo, ticket: Any, now: datetime, base_url: str
) -> dict[str, Any]:
    """The answer a check-in gave, again (same terminal, same Idempotency-Key)."""
    row = conn.execute(
        _booking_query().where(bookings.c.appointment_id == ticket.appointment_id)
    ).one()
    return {
        "appointment": appointment_view(row, hall, row.status),
        "ticket": ticket_view(conn, hall, ticket.id, now, base_url),
    }


def ticket_for_key(conn: Connection, key: str) -> Any:
    return conn.execute(select(tickets).where(tickets.c.idempotency_key == key)).first()
