"""Calling (叫号): a window's actions on the queue.

- call next: the window's current ticket (if any) is finished first; then the first
  waiting ticket of the window's categories by the hall's calling order
  (`halls.calling_order`, default appointment,green,arrival; then the window's category
  preference; then slot start and arrival) is claimed with
  `UPDATE ... WHERE id = :id AND status = 'waiting'`, so two windows never call one ticket
  (PostgreSQL re-checks the row after its lock; SQLite runs writers one at a time).
- recall: the current ticket is called again (calls + 1).
- skip: a no-show, allowed once the ticket was called `max_calls` times (status skipped);
  before that the answer is `too_soon` (recall it first).
- transfer: the current ticket becomes `transferred` and a new ticket of the other category
  takes its place in that queue, keeping its arrival time (and kind).
- finish: the current ticket is done (its service time feeds the wait estimate).

Each action appends an event (central.livefeed) with the label, window, category and the
waiting counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from central.db import write_transaction
from central.livefeed import append_event
from central.queue import Taken, event_data, insert_ticket, next_numbers, waiting_rows
from central.queue_base import (
    HallInfo,
    QueueError,
    hall_day,
    label_of,
    rank_key,
    tickets,
)

_CURRENT = (
    select(tickets)
    .where(
        tickets.c.hall_code == bindparam("hall"),
        tickets.c.day == bindparam("day"),
        tickets.c.status == "called",
        tickets.c.window_number == bindparam("window"),
    )
    .order_by(tickets.c.called_at.desc())
    .limit(1)
)
_CLAIM = (
    update(tickets)
    .where(tickets.c.id == bindparam("ticket_id"), tickets.c.status == "waiting")
    .values(
        status="called",
        window_number=bindparam("window"),
        calls=1,
        called_at=bindparam("now"),
    )
    .returning(tickets.c.label, tickets.c.category_code, tickets.c.kind)
)
_DONE = (
    update(tickets)
    .where(tickets.c.id == bindparam("ticket_id"), tickets.c.status == "called")
    .values(status="done", finished_at=bindparam("now"))
)


def _current(conn: Connection, hall: HallInfo, window: int, now: datetime) -> Any:
    params = {"hall": hall.code, "day": hall_day(now), "window": window}
    return conn.execute(_CURRENT, params).first()


def _require_current(conn: Connection, hall: HallInfo, window: int, now: datetime) -> Any:
    row = _current(conn, hall, window, now)
    if row is None:
        raise QueueError("not_found", f"window {window} has no ticket called", 404)
    return row


def _call_out(hall: HallInfo, row: Any, window: int, calls: int, event_id: int) -> dict[str, Any]:
    win = hall.window(window)
    return {
        "label": row.label,
        "window": window,
        "window_name": win.name,
        "category": row.category_code,
        "kind": row.kind,
        "calls": calls,
        "event_id": event_id,
    }


def _finish(conn: Connection, hall: HallInfo, row: Any, window: int, now: datetime) -> int:
    conn.execute(_DONE, {"ticket_id": row.id, "now": now})
    day = hall_day(now)
    data = event_data(
        conn, hall.code, day, label=row.label, window=window, category=row.category_code
    )
    return append_event(conn, hall.code, "finish", data, now)


def call_next(conn: Connection, hall: HallInfo, window: int, now: datetime) -> dict[str, Any]:
    """Call the next ticket to `window` (QueueError `empty` when nobody waits for it)."""
    win = hall.window(window)
    day = hall_day(now)
    with write_transaction(conn):
        current = _current(conn, hall, window, now)
        if current is not None:
            _finish(conn, hall, current, window, now)
        rows = waiting_rows(conn, hall.code, day, list(win.categories))
        rows.sort(key=lambda r: rank_key(r, hall.order, now, win.categories))
        for candidate in rows:
            params = {"ticket_id": candidate.id, "window": window, "now": now}
            claimed = conn.execute(_CLAIM, params).first()
            if claimed is None:
                continue
            data = event_data(
                conn,
                hall.code,
                day,
                label=claimed.label,
                window=window,
                window_name=win.name,
                category=claimed.category_code,
                kind=claimed.kind,
                calls=1,
            )
            event_id = append_event(conn, hall.code, "call", data, now)
            return _call_out(hall, claimed, window, 1, event_id)
    names = "、".join(win.categories) or "-"
    raise QueueError("empty", f"nobody is waiting for window {window} ({names})")


def recall(conn: Connection, hall: HallInfo, window: int, now: datetime) -> dict[str, Any]:
    win = hall.window(window)
    with write_transaction(conn):
        row = _require_current(conn, hall, window, now)
        calls = row.calls + 1
        conn.execute(
            update(tickets).where(tickets.c.id == row.id).values(calls=calls, called_at=now)
        )
        data = event_data(
            conn,
            hall.code,
            hall_day(now),
            label=row.label,
            window=window,
            window_name=win.name,
            category=row.category_code,
            kind=row.kind,
            calls=calls,
        )
        event_id = append_event(conn, hall.code, "recall", data, now)
    return _call_out(hall, row, window, calls, event_id)


def skip(conn: Connection, hall: HallInfo, window: int, now: datetime) -> dict[str, Any]:
    hall.window(window)
    with write_transaction(conn):
        row = _require_current(conn, hall, window, now)
        if row.calls < hall.max_calls:
            raise QueueError(
                "too_soon",
                f"{row.label} was called {row.calls} of {hall.max_calls} times: recall it first",
            )
        conn.execute(
            update(tickets).where(tickets.c.id == row.id).values(status="skipped", finished_at=now)
        )
        data = event_data(
            conn,
            hall.code,
            hall_day(now),
            label=row.label,
            window=window,
            category=row.category_code,
        )
        event_id = append_event(conn, hall.code, "skip", data, now)
    return {**_call_out(hall, row, window, row.calls, event_id), "status": "skipped"}


def finish(conn: Connection, hall: HallInfo, window: int, now: datetime) -> dict[str, Any]:
    hall.window(window)
    with write_transaction(conn):
        row = _require_current(conn, hall, window, now)
        event_id = _finish(conn, hall, row, window, now)
    return {**_call_out(hall, row, window, row.calls, event_id), "status": "done"}


def transfer(
    conn: Connection, hall: HallInfo, window: int, category: str, now: datetime
) -> dict[str, Any]:
    """The current ticket joins `category`'s queue under a new number, keeping its arrival
    time; the answer is the new ticket's label, category and kind."""
    hall.window(window)
    target = hall.category(category)
    day = hall_day(now)
    with write_transaction(conn):
        row = _require_current(conn, hall, window, now)
        if row.category_code == target.code:
            raise QueueError("duplicate", f"{row.label} is already in category {target.code}")
        conn.execute(
            update(tickets)
            .where(tickets.c.id == row.id)
            .values(status="transferred", finished_at=now)
        )
        number = next_numbers(conn, hall.code, day, target.code, 1)
        insert_ticket(
            conn,
            hall,
            day,
            target.code,
            number,
            row.kind,
            row.created_at,  # keeps its arrival time
            Taken(terminal_id=row.terminal_id),
            transferred_from=row.id,
            slot_starts_at=row.slot_starts_at,
            appointment_id=row.appointment_id,
            offline=row.offline,
        )
        label = label_of(target.code, number)
        data = event_data(
            conn,
            hall.code,
            day,
            label=row.label,
            window=window,
            category=row.category_code,
            to_label=label,
            to_category=target.code,
        )
        event_id = append_event(conn, hall.code, "transfer", data, now)
    return {
        "label": label,
        "from_label": row.label,
        "window": window,
        "category": target.code,
        "kind": row.kind,
        "event_id": event_id,
        "status": "waiting",
    }


def hall_status(conn: Connection, hall: HallInfo, now: datetime) -> dict[str, Any]:
    """The hall right now: each window's current call, waiting per category (for the
    display, the window page and `queue status`). Nothing personal."""
    from central.livefeed import last_event_id
    from central.queue import waiting_counts

    day = hall_day(now)
    counts = waiting_counts(conn, hall.code, day)
    called = conn.execute(
        select(tickets.c.window_number, tickets.c.label, tickets.c.category_code, tickets.c.calls)
        .where(tickets.c.hall_code == hall.code, tickets.c.day == day, tickets.c.status == "called")
        .order_by(tickets.c.called_at)
    ).all()
    current = {row.window_number: row for row in called}
    return {
        "hall": hall.code,
        "hall_name": hall.name,
        "day": day.isoformat(),
        "last_event_id": last_event_id(conn, hall.code),
        "categories": [
            {"code": c.code, "name": c.name, "waiting": counts.get(c.code, 0)}
            for c in hall.categories
        ],
        "windows": [
            {
                "number": w.number,
                "name": w.name,
                "categories": list(w.categories),
                "current": current[w.number].label if w.number in current else None,
                "calls": current[w.number].calls if w.number in current else 0,
            }
            for w in hall.windows
        ],
    }
