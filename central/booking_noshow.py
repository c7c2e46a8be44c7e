"""No-shows and suspensions (docs/hall-day.md, "Booking"): a booked appointment whose slot
ended without check-in becomes `no_show`; `no_show_limit` of them within
`no_show_window_days` at a hall suspend the person's booking there for `suspension_days`
from the last one. Swept when the person books (central.booking), when lists are read, and
by `kiosk-central appointment sweep`. Also the write transaction the booking modules share.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, exists, func, insert, select, update

from central.db import transaction
from central.halls import load_hall
from central.models import Appointment
from central.models_hall import Booking, BookingSuspension

_appointments = cast(Table, Appointment.__table__)
_bookings = cast(Table, Booking.__table__)
_suspensions = cast(Table, BookingSuspension.__table__)


@contextmanager
def writing(conn: Connection) -> Iterator[Connection]:
    """A write transaction on an autocommit connection; on SQLite BEGIN IMMEDIATE (takes
    the write lock first, waiting up to the busy timeout, instead of failing when a read
    transaction would have to be upgraded after another writer committed)."""
    if conn.dialect.name != "sqlite":
        with transaction(conn) as tx:
            yield tx
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.exec_driver_sql("ROLLBACK")
        raise
    conn.exec_driver_sql("COMMIT")


def _due(now: Any, hall: Any, person: Any) -> Any:
    """Booked appointments (of `hall`, of `person`) whose slot has ended: no-shows."""
    return and_(
        _bookings.c.status == "booked",
        exists().where(
            _appointments.c.id == _bookings.c.appointment_id, _appointments.c.ends_at <= now
        ),
        *([_bookings.c.hall_code == hall] if hall is not None else []),
        *([_bookings.c.person_id_number == person] if person is not None else []),
    )


def _suspended_until(hall: Any, person: Any, now: Any) -> Any:
    return select(func.max(_suspensions.c.ends_at)).where(
        _suspensions.c.person_id_number == person,
        _suspensions.c.hall_code == hall,
        _suspensions.c.lifted.is_(False),
        _suspensions.c.starts_at <= now,
        _suspensions.c.ends_at > now,
    )


def suspension_end(conn: Connection, hall: str, person: str, now: datetime) -> datetime | None:
    return conn.execute(_suspended_until(hall, person, now)).scalar()


def sweep(
    conn: Connection, now: datetime, hall: str | None = None, person: str | None = None
) -> tuple[int, int]:
    """Mark booked appointments whose slot has ended as `no_show`, and suspend whoever
    reached their hall's no-show limit: (no-shows marked, suspensions added)."""
    due = _due(now, hall, person)
    if conn.execute(select(_bookings.c.appointment_id).where(due).limit(1)).first() is None:
        return 0, 0  # the common case: nothing to write
    with writing(conn) as tx:
        marked = tx.execute(
            update(_bookings)
            .where(due)
            .values(status="no_show", status_at=now)
            .returning(_bookings.c.person_id_number, _bookings.c.hall_code)
        ).all()
        people = {(r[0], r[1]) for r in marked if r[0] is not None}  # ops: maybe nobody
        suspended = sum(_maybe_suspend(tx, p, h, now) for p, h in people)
    return len(marked), suspended


def _maybe_suspend(conn: Connection, person: str, hall: str, now: datetime) -> int:
    plan = load_hall(conn, hall)
    if plan is None:
        return 0
    rules = plan.row
    ends = (
        conn.execute(
            select(_appointments.c.ends_at)
            .select_from(_bookings)
            .join(_appointments, _appointments.c.id == _bookings.c.appointment_id)
            .where(
                _bookings.c.person_id_number == person,
                _bookings.c.hall_code == hall,
                _bookings.c.status == "no_show",
                _appointments.c.ends_at > now - timedelta(days=rules.no_show_window_days),
            )
        )
        .scalars()
        .all()
    )
    if len(ends) < rules.no_show_limit:
        return 0
    last = max(ends)
    already = conn.execute(
        select(_suspensions.c.id).where(
            _suspensions.c.person_id_number == person,
            _suspensions.c.hall_code == hall,
            _suspensions.c.starts_at == last,
        )
    ).first()
    if already is not None:
        return 0
    conn.execute(
        insert(_suspensions).values(
            person_id_number=person,
            hall_code=hall,
            starts_at=last,
            ends_at=last + timedelta(days=rules.suspension_days),
            lifted=False,
        )
    )
    return 1
