"""The booking engine: booking one place (docs/hall-day.md, "Booking"). Cancelling and the
lists are central.booking_lists; no-shows and suspensions central.booking_noshow.

Capacity is never exceeded: a booking is one conditional upsert of its slot counter (a new
row, or `booked = booked + 1 ... WHERE booked < capacity`) in the same transaction that
stores the appointment and its booking row (a row lock on PostgreSQL, the database's write lock on
SQLite, where the transaction is BEGIN IMMEDIATE so a writer waits instead of failing).
One active booking per person, item and day is the partial unique index; the check before
the transaction only gives the common case its answer cheaply.

Functions take an autocommit connection (central.db) and `now` (naive UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, exists, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from central.appointment_codes import code_of, sign_appointment
from central.booking_cache import DIRECT, Direct
from central.booking_noshow import _due, _suspended_until, suspension_end, sweep, writing
from central.booking_slots import Refused, calendar_for, judge_day, judge_slot, slot_start
from central.halls import HallPlan, hall_today, load_hall
from central.idempotency import conflict, once
from central.ids import check_id_number
from central.models import Appointment
from central.models_hall import Booking, BookingSuspension, SlotCounter
from central.proofs import mask_name
from central.timeutil import to_beijing

_appointments = cast(Table, Appointment.__table__)
_bookings = cast(Table, Booking.__table__)
_counters = cast(Table, SlotCounter.__table__)
_suspensions = cast(Table, BookingSuspension.__table__)


def _take_place(dialect: str) -> Any:
    """One statement: a new counter row with this first place, or one more place in the
    existing row while `booked < capacity` (no row returned: full). PostgreSQL locks the
    row and checks again after a concurrent writer commits; SQLite writes one at a time."""
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert_(_counters)
    return stmt.on_conflict_do_update(
        index_elements=[_counters.c.hall_code, _counters.c.category_code, _counters.c.starts_at],
        set_={"booked": _counters.c.booked + 1},
        where=_counters.c.booked < _counters.c.capacity,
    ).returning(_counters.c.booked)


_TAKE_PLACE = {name: _take_place(name) for name in ("postgresql", "sqlite")}


@dataclass(frozen=True)
class BookRequest:
    hall: str
    item_code: str
    day: date
    at: str  # "HH:MM"
    id_number: str
    name: str
    phone: str | None = None
    channel: str = "terminal"  # terminal | phone
    terminal_id: str | None = None
    idempotency_key: str | None = None


_ROW = (
    select(
        _appointments.c.id,
        _appointments.c.number,
        _appointments.c.item_code,
        _appointments.c.item_name,
        _appointments.c.hall_name,
        _appointments.c.region_code,
        _appointments.c.starts_at,
        _appointments.c.ends_at,
        _appointments.c.kid,
        _bookings.c.hall_code,
        _bookings.c.category_code,
        _bookings.c.day,
        _bookings.c.session,
        _bookings.c.person_id_number,
        _bookings.c.person_name,
        _bookings.c.status,
        _bookings.c.terminal_id,
        _bookings.c.idempotency_key,
    )
    .select_from(_bookings)
    .join(_appointments, _appointments.c.id == _bookings.c.appointment_id)
)


def appointment_out(conn: Connection, row: Any, cancel_minutes: int) -> dict[str, Any]:
    """The appointment as the CLI prints it and the API answers (docs/hall-day.md)."""
    start, end = to_beijing(row.starts_at), to_beijing(row.ends_at)
    return {
        "code": row.number,
        "number": row.number,
        "qr": code_of(conn, row),
        "hall": row.hall_code,
        "hall_name": row.hall_name,
        "item_code": row.item_code,
        "item_name": row.item_name,
        "date": row.day.isoformat(),
        "time": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "session": row.session,
        "status": row.status,
        "name_masked": mask_name(row.person_name),
        "cancel_until": (start - timedelta(minutes=cancel_minutes)).isoformat(timespec="seconds"),
    }


def _need_hall(conn: Connection, hall: str) -> HallPlan:
    plan = load_hall(conn, hall)
    if plan is None:
        raise Refused("not_found", f"no hall {hall[:20]!r}")
    return plan


def book(
    conn: Connection,
    req: BookRequest,
    now: datetime,
    plan: HallPlan | None = None,
    reader: Direct = DIRECT,
) -> tuple[dict[str, Any], bool]:
    """Book one place: (the appointment, created). A retry with the same Idempotency-Key
    (and the same request) answers the first booking again, created False."""
    if check_id_number(req.id_number):
        raise Refused("invalid_id", "the ID number fails its check (GB 11643)")
    if plan is None or plan.code != req.hall:
        plan = _need_hall(conn, req.hall)

    # One round trip answers whether the key was used and the person's checks (below).
    checks = conn.execute(
        _PRECHECKS,
        {
            "hall": plan.code,
            "person": req.id_number,
            "item": req.item_code,
            "day": req.day,
            "now": now,
            "the_key": req.idempotency_key,
        },
    ).one()
    unused = [not checks.keyed]  # known unused: the first find() needs no query

    def find() -> Any:
        if req.idempotency_key is None or (unused and unused.pop()):
            return None
        return conn.execute(_BY_KEY, {"the_key": req.idempotency_key}).first()

    def replay(row: Any) -> dict[str, Any]:
        same = (row.terminal_id, row.hall_code, row.item_code, row.day, row.person_id_number) == (
            req.terminal_id,
            req.hall,
            req.item_code,
            req.day,
            req.id_number,
        ) and to_beijing(row.starts_at).strftime("%H:%M") == req.at
        if not same:
            raise conflict()
        return appointment_out(conn, row, plan.row.cancel_before_minutes)

    return once(find, replay, lambda: _book(conn, plan, req, now, find, reader, checks))


def _book(
    conn: Connection,
    plan: HallPlan,
    req: BookRequest,
    now: datetime,
    find: Any,
    reader: Direct,
    checks: Any,
) -> dict[str, Any]:
    category = plan.category_of(req.item_code)
    if category is None:
        raise Refused("not_found", f"{plan.code} does not book item {req.item_code[:40]}")
    cal = calendar_for(conn, hall_today(now), req.day, reader)
    reason = judge_day(plan, cal, req.item_code, req.day, now)
    if reason is not None:
        raise Refused(reason, _MESSAGES[reason].format(plan=plan, day=req.day))
    try:
        at = time.fromisoformat(req.at)
    except ValueError:
        raise Refused("closed", f"{req.at[:8]!r} is not a time HH:MM") from None
    openings = plan.sessions_on(req.item_code, req.day, cal.kind(req.day))
    session = next((s for s in openings if at in s.slot_starts()), None)
    if session is None:
        raise Refused("closed", f"{plan.name} has no slot for this item at {req.day} {req.at}")
    starts_at = slot_start(req.day, at)
    if judge_slot(plan, starts_at, now, 1) == "too_soon":
        raise Refused("too_soon", _MESSAGES["too_soon"].format(plan=plan))
    due, suspended_until, duplicate = checks.due, checks.until, checks.duplicate
    if due:  # an ended appointment of this person not yet marked: a possible suspension
        sweep(conn, now, hall=plan.code, person=req.id_number)
        suspended_until = suspension_end(conn, plan.code, req.id_number, now)
    if suspended_until is not None:
        raise Refused(
            "suspended",
            f"booking at {plan.name} is suspended after repeated no-shows until "
            f"{to_beijing(suspended_until):%Y-%m-%d %H:%M}",
        )
    if duplicate:
        raise Refused("duplicate", "this person already has an appointment for this item that day")
    values = {
        "hall_code": plan.code,
        "category_code": category,
        "starts_at": starts_at,
    }
    try:
        with writing(conn) as tx:
            taken = tx.execute(
                _TAKE_PLACE[tx.dialect.name],
                {**values, "capacity": session.capacity, "booked": 1},
            ).first()
            if taken is None:
                raise Refused("full", "no place left in this slot")
            issued = sign_appointment(
                tx,
                item_code=req.item_code,
                item_name=plan.item_names.get(req.item_code, req.item_code),
                hall=plan.name,
                region=plan.row.region_code,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=session.slot_minutes),
                now=now,
                person=req.id_number,
                key=reader.key(tx, now),
            )
            tx.execute(
                _INSERT_BOOKING,
                {
                    "appointment_id": issued.id,
                    "hall_code": plan.code,
                    "category_code": category,
                    "item_code": req.item_code,
                    "day": req.day,
                    "session": session.kind,
                    "person_id_number": req.id_number,
                    "person_name": req.name,
                    "phone": req.phone,
                    "channel": req.channel,
                    "terminal_id": req.terminal_id,
                    "status": "booked",
                    "status_at": now,
                    "idempotency_key": req.idempotency_key,
                },
            )
    except IntegrityError:
        if find() is not None:
            raise  # the same key's booking won the race: `once` answers it
        raise Refused(
            "duplicate", "this person already has an appointment for this item that day"
        ) from None
    start = to_beijing(starts_at)
    cancel_until = start - timedelta(minutes=plan.row.cancel_before_minutes)
    return {  # appointment_out's shape, from what is at hand (no read back)
        "code": issued.number,
        "number": issued.number,
        "qr": issued.code,
        "hall": plan.code,
        "hall_name": plan.name,
        "item_code": req.item_code,
        "item_name": issued.item_name,
        "date": req.day.isoformat(),
        "time": start.strftime("%H:%M"),
        "end": issued.end.strftime("%H:%M"),
        "session": session.kind,
        "status": "booked",
        "name_masked": mask_name(req.name),
        "cancel_until": cancel_until.isoformat(timespec="seconds"),
    }


_MESSAGES = {
    "too_soon": "appointments are made at least {plan.row.min_advance_hours} hours ahead",
    "too_far": "appointments are made at most {plan.row.max_workdays_ahead} working days ahead",
    "closed": "the hall does not serve this item on {day}",
    "calendar_unknown": "the calendar of {day.year} is not known yet: its holidays "
    "(国务院办公厅放假通知) have not been imported",
}


def _prechecks(hall: Any, person: Any, item: Any, day: Any, now: Any, key: Any) -> Any:
    """One round trip: (no-shows to sweep?, suspended until, an active booking already?,
    the Idempotency-Key used already?)."""
    return select(
        exists().where(_due(now, hall, person)).label("due"),
        _suspended_until(hall, person, now).scalar_subquery().label("until"),
        exists()
        .where(
            _bookings.c.person_id_number == person,
            _bookings.c.item_code == item,
            _bookings.c.day == day,
            _bookings.c.status == "booked",
        )
        .label("duplicate"),
        exists().where(_bookings.c.idempotency_key == key).label("keyed"),
    )


# Built once with parameters: every booking runs them.
_PRECHECKS = _prechecks(
    bindparam("hall"),
    bindparam("person"),
    bindparam("item"),
    bindparam("day"),
    bindparam("now"),
    bindparam("the_key"),
)
_BY_KEY = _ROW.where(_bookings.c.idempotency_key == bindparam("the_key"))
_INSERT_BOOKING = insert(_bookings)
