"""`kiosk-central application advance`: one step of an application's timeline, or of one
of its 多地联办 parts (docs/casework.md §3).

Two advances of one application at once (two operators, a script and a person) must not
both write the same next step: the application's row is locked before its status is read
(SELECT ... FOR UPDATE on PostgreSQL; BEGIN IMMEDIATE takes SQLite's write lock first),
so the second waits, then reads the first one's result and moves on from there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update

from central.application_view import find
from central.custody import AdvanceError, AppState, next_event
from central.db import write_transaction
from central.joint import advance_part, require_parts_done
from central.models import Application, ApplicationEvent, Region, Terminal
from central.schemas import ApplicationOut
from central.timeutil import utcnow

_apps = cast(Table, Application.__table__)
_events = cast(Table, ApplicationEvent.__table__)
_LOCK = (
    select(
        _apps.c.id,
        _apps.c.number,
        _apps.c.mode,
        _apps.c.status,
        _apps.c.department,
        _apps.c.region_received,
        _apps.c.region_handling,
        _apps.c.delivery,
        _apps.c.evidence,
        Terminal.hall_name,
        Region.name.label("handling_name"),
    )
    .join(Terminal, Terminal.terminal_id == _apps.c.terminal_id)
    .outerjoin(Region, Region.code == _apps.c.region_handling)
    .where(_apps.c.number == bindparam("number"))
    .with_for_update(of=_apps)
)
_SET_STATUS = update(_apps).where(_apps.c.id == bindparam("app_id")).values(
    status=bindparam("new_status")
)
MAX_ACTOR = 100
MAX_TRACKING_NUMBER = 40


def advance(
    conn: Connection,
    number: str,
    *,
    actor: str | None = None,
    tracking_number: str | None = None,
    part: int | None = None,
    now: datetime | None = None,
    public_url: str | None = None,
    on_locked: Callable[[], None] | None = None,
) -> ApplicationOut:
    """Advance application `number` (or its part `part`) one step, in one transaction on
    the autocommit connection `conn`; the application afterwards. AdvanceError says why
    not (its `reason` is the contract's code). `on_locked` runs once the row is locked
    (tests use it to start a competing advance)."""
    actor = _clean(actor, "actor", MAX_ACTOR)
    tracking_number = _clean(tracking_number, "tracking_number", MAX_TRACKING_NUMBER)
    now = now or utcnow()
    with write_transaction(conn) as tx:
        row = tx.execute(_LOCK, {"number": number}).mappings().first()
        if row is None:
            raise AdvanceError("not_found", f"unknown application {number}")
        if on_locked is not None:
            on_locked()
        state = AppState(
            id=row["id"],
            number=str(row["number"]),
            mode=row["mode"],
            status=row["status"],
            department=row["department"],
            region_received=row["region_received"],
            region_handling=row["region_handling"],
            handling_name=row["handling_name"] or row["region_handling"],
            hall_name=row["hall_name"],
            delivery=row["delivery"],
            evidence=row["evidence"] or [],
        )
        if part is not None:
            if state.mode != "多地联办":
                raise AdvanceError("no_parts", f"application {number} is {state.mode}: it has no parts")
            if tracking_number:
                raise AdvanceError("tracking_number_not_allowed", "a part is not posted")
            events = advance_part(tx, state.id, number, state.department, part, actor, now)
            status = "办结" if events[-1]["part"] is None else state.status
        else:
            if state.mode == "多地联办" and state.status == "受理":
                require_parts_done(tx, state.id, number)
            events = [next_event(state, actor, tracking_number, now)]
            status = events[0]["step"]
        tx.execute(insert(_events).values([{"application_id": state.id, **e} for e in events]))
        if status != state.status:
            tx.execute(_SET_STATUS, {"app_id": state.id, "new_status": status})
    out = find(conn, number, public_url)
    assert out is not None  # it was there, and applications are never deleted
    return out


def _clean(value: str | None, name: str, limit: int) -> str | None:
    """Operator input: stripped, bounded, printable (a clear refusal, never a 500)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > limit or not value.isprintable():
        raise AdvanceError("bad_input", f"{name} must be printable and at most {limit} characters")
    return value
