"""Taking queue tickets (取号): numbers, the green channel, people ahead and the wait,
offline blocks and offline tickets uploaded later (docs/hall-day.md, "Queue and calling").

Numbers come from `queue_series`, one row per (hall, day, category): the row is made if
missing (INSERT ... ON CONFLICT DO NOTHING), then `UPDATE ... SET next_number =
next_number + n ... RETURNING next_number` hands out n numbers atomically (a row lock on
PostgreSQL, BEGIN IMMEDIATE's database lock on SQLite), so terminals, central's workers and
the CLI never get the same number. Offline blocks come from the same row's own counter,
`next_offline`, which starts at `OFFLINE_FIRST` (9001): the day's first online ticket is
A001 whatever blocks the terminals reserved at opening, and an offline number (A9001…) can
never meet an online one, which stops below the offline range (`full` if it ever got there).

The wait estimate is people ahead × the mean service time of today's finished tickets of
the category (the last `SERVICE_SAMPLE` of them; `DEFAULT_SERVICE_MINUTES` before any has
finished) ÷ the windows serving the category. An offline ticket has none (null): nobody
knew the queue when it was printed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, func, insert, select, update

from central.db import write_transaction
from central.livefeed import append_event
from central.models_queue import QueueBlock, QueueSeries
from central.queue_base import (
    HallInfo,
    QueueError,
    follow_url,
    hall_day,
    insert_ignore,
    label_of,
    page_secret,
    rank_key,
    ticket_check,
    tickets,
)
from central.timeutil import to_beijing

series_t: Table = QueueSeries.__table__  # type: ignore[assignment]
blocks_t: Table = QueueBlock.__table__  # type: ignore[assignment]
DEFAULT_SERVICE_MINUTES = 5.0
SERVICE_SAMPLE = 20
OFFLINE_FUTURE_SLACK = timedelta(minutes=5)
OFFLINE_FIRST = 9001  # offline blocks: OFFLINE_FIRST..OFFLINE_LAST; online: 1..OFFLINE_FIRST-1
OFFLINE_LAST = 99999  # the label stays within 8 characters (a 2-letter category + 5 digits)


@dataclass(frozen=True)
class Taken:
    """Who is asking for a ticket, and how."""

    terminal_id: str | None = None
    idempotency_key: str | None = None  # "<terminal>:<key>", unique among tickets
    request_hash: str | None = None
    birth_date: date | None = None
    green: bool = False  # marked by staff


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def next_numbers(
    conn: Connection, hall: str, day: date, category: str, count: int, *, offline: bool = False
) -> int:
    """Reserve `count` numbers of the series (in the caller's transaction); the first.
    Online numbers count from 1 (`next_number`), offline blocks from `OFFLINE_FIRST`
    (`next_offline`). The day's first ticket of a category makes the series row
    (insert-or-ignore: two first tickets at once both end in the one UPDATE). A range that
    is used up raises `full` (the caller's transaction rolls the advance back)."""
    column = series_t.c.next_offline if offline else series_t.c.next_number
    advance = (
        update(series_t)
        .where(
            series_t.c.hall_code == hall,
            series_t.c.day == day,
            series_t.c.category_code == category,
        )
        .values({column: column + count})
        .returning(column)
    )
    after = conn.execute(advance).scalar()
    if after is None:
        insert_ignore(
            conn,
            series_t,
            {
                "hall_code": hall,
                "day": day,
                "category_code": category,
                "next_number": 1,
                "next_offline": OFFLINE_FIRST,
            },
        )
        after = conn.execute(advance).scalar_one()
    last = int(after) - 1
    if last > (OFFLINE_LAST if offline else OFFLINE_FIRST - 1):
        kind = "offline numbers" if offline else "numbers"
        raise QueueError("full", f"today's {kind} of category {category} are all handed out")
    return int(after) - count


# The statements of every take and call, built once (building one costs more CPU than
# running it; see central.signing).
_WAITING_COUNTS = (
    select(tickets.c.category_code, func.count())
    .where(
        tickets.c.hall_code == bindparam("hall"),
        tickets.c.day == bindparam("day"),
        tickets.c.status == "waiting",
    )
    .group_by(tickets.c.category_code)
)
_INSERT_TICKET = insert(tickets).returning(tickets.c.id)
_BY_KEY = select(tickets).where(tickets.c.idempotency_key == bindparam("key"))
_BY_ID = select(tickets).where(tickets.c.id == bindparam("ticket_id"))
_WAITING_ROWS = select(
    tickets.c.id,
    tickets.c.kind,
    tickets.c.category_code,
    tickets.c.slot_starts_at,
    tickets.c.created_at,
).where(
    tickets.c.hall_code == bindparam("hall"),
    tickets.c.day == bindparam("day"),
    tickets.c.status == "waiting",
    tickets.c.category_code.in_(bindparam("categories", expanding=True)),
)
_SERVICE = (
    select(tickets.c.called_at, tickets.c.finished_at)
    .where(
        tickets.c.hall_code == bindparam("hall"),
        tickets.c.day == bindparam("day"),
        tickets.c.category_code == bindparam("category"),
        tickets.c.status == "done",
        tickets.c.called_at.is_not(None),
        tickets.c.finished_at.is_not(None),
    )
    .order_by(tickets.c.finished_at.desc())
    .limit(SERVICE_SAMPLE)
)


def waiting_counts(conn: Connection, hall: str, day: date) -> dict[str, int]:
    rows = conn.execute(_WAITING_COUNTS, {"hall": hall, "day": day}).all()
    return {str(code): int(count) for code, count in rows}


def event_data(conn: Connection, hall: str, day: date, **data: Any) -> dict[str, Any]:
    """An event's data: what changed plus the waiting counts after it (nothing personal)."""
    return {**data, "waiting": waiting_counts(conn, hall, day)}


def kind_for(hall: HallInfo, day: date, asked: Taken) -> str:
    if asked.green or (asked.birth_date and age_on(asked.birth_date, day) >= hall.green_age):
        return "green"
    return "normal"


def insert_ticket(
    conn: Connection,
    hall: HallInfo,
    day: date,
    category: str,
    number: int,
    kind: str,
    now: datetime,
    asked: Taken,
    **extra: Any,
) -> int:
    values = {
        "hall_code": hall.code,
        "day": day,
        "category_code": category,
        "number": number,
        "label": label_of(category, number),
        "kind": kind,
        "status": "waiting",
        "offline": False,
        "terminal_id": asked.terminal_id,
        "created_at": now,
        "calls": 0,
        "idempotency_key": asked.idempotency_key,
        "request_hash": asked.request_hash,
        **extra,
    }
    return int(conn.execute(_INSERT_TICKET, values).scalar_one())


def take_ticket(
    conn: Connection, hall: HallInfo, category: str, now: datetime, asked: Taken, base_url: str
) -> dict[str, Any]:
    """A new ticket of `category` (the contract's ticket object)."""
    hall.category(category)
    day = hall_day(now)
    kind = kind_for(hall, day, asked)
    with write_transaction(conn):
        number = next_numbers(conn, hall.code, day, category, 1)
        ticket_id = insert_ticket(conn, hall, day, category, number, kind, now, asked)
        label = label_of(category, number)
        append_event(
            conn,
            hall.code,
            "take",
            event_data(conn, hall.code, day, label=label, category=category, kind=kind),
            now,
        )
    return ticket_view(conn, hall, ticket_id, now, base_url)


def find_by_key(conn: Connection, key: str) -> Any:
    return conn.execute(_BY_KEY, {"key": key}).first()


def reserve_block(
    conn: Connection, hall: HallInfo, category: str, terminal_id: str, now: datetime
) -> dict[str, Any]:
    """Numbers [first, last] of today's offline range (A9001…) for `terminal_id`'s offline
    tickets: never an online number, so reserving at opening leaves the day's first online
    ticket A001."""
    hall.category(category)
    day = hall_day(now)
    size = max(1, hall.block_size)
    with write_transaction(conn):
        first = next_numbers(conn, hall.code, day, category, size, offline=True)
        conn.execute(
            insert(blocks_t).values(
                terminal_id=terminal_id,
                hall_code=hall.code,
                day=day,
                category_code=category,
                first=first,
                last=first + size - 1,
                created_at=now,
            )
        )
    return {"day": day.isoformat(), "category": category, "first": first, "last": first + size - 1}


def upload_offline(
    conn: Connection,
    hall: HallInfo,
    category: str,
    number: int,
    taken_at: datetime,
    now: datetime,
    asked: Taken,
    base_url: str,
) -> dict[str, Any]:
    """An offline ticket joins today's queue at its arrival time. Its number must lie in a
    block reserved for this terminal today."""
    hall.category(category)
    day = hall_day(now)
    if hall_day(taken_at) != day:
        raise QueueError(
            "not_today", "an offline ticket of another day does not join today's queue"
        )
    if taken_at > now + OFFLINE_FUTURE_SLACK:
        raise QueueError("validation_failed", "taken_at lies in the future", 422)
    in_block = conn.execute(
        select(blocks_t.c.id).where(
            blocks_t.c.terminal_id == asked.terminal_id,
            blocks_t.c.hall_code == hall.code,
            blocks_t.c.day == day,
            blocks_t.c.category_code == category,
            and_(blocks_t.c.first <= number, blocks_t.c.last >= number),
        )
    ).first()
    if in_block is None:
        raise QueueError(
            "validation_failed",
            f"number {number} is not in a block reserved for this terminal",
            422,
        )
    label = label_of(category, number)
    taken = conn.execute(
        select(tickets.c.id).where(
            tickets.c.hall_code == hall.code, tickets.c.day == day, tickets.c.label == label
        )
    ).first()
    if taken is not None:
        raise QueueError("duplicate", f"ticket {label} was uploaded already")
    kind = kind_for(hall, day, asked)
    with write_transaction(conn):
        ticket_id = insert_ticket(
            conn, hall, day, category, number, kind, taken_at, asked, offline=True
        )
        append_event(
            conn,
            hall.code,
            "take",
            event_data(
                conn, hall.code, day, label=label, category=category, kind=kind, offline=True
            ),
            now,
        )
    return ticket_view(conn, hall, ticket_id, now, base_url)


def waiting_rows(conn: Connection, hall: str, day: date, categories: list[str]) -> list[Any]:
    params = {"hall": hall, "day": day, "categories": list(categories)}
    return list(conn.execute(_WAITING_ROWS, params).all())


def people_ahead(conn: Connection, hall: HallInfo, row: Any, now: datetime) -> int:
    """Waiting tickets of the same category that the calling order puts before `row`."""
    mine = rank_key(row, hall.order, now)
    rows = waiting_rows(conn, hall.code, row.day, [row.category_code])
    return sum(
        1 for other in rows if other.id != row.id and rank_key(other, hall.order, now) < mine
    )


def service_minutes(conn: Connection, hall: str, day: date, category: str) -> float:
    """Mean minutes from call to finish of today's last finished tickets of the category."""
    rows = conn.execute(_SERVICE, {"hall": hall, "day": day, "category": category}).all()
    spans = [(r.finished_at - r.called_at).total_seconds() / 60 for r in rows]
    return sum(spans) / len(spans) if spans else DEFAULT_SERVICE_MINUTES


def estimate(conn: Connection, hall: HallInfo, day: date, category: str, ahead: int) -> int:
    per = service_minutes(conn, hall.code, day, category)
    return math.ceil(ahead * per / max(1, hall.windows_serving(category)))


def ticket_view(
    conn: Connection, hall: HallInfo, ticket_id: int, now: datetime, base_url: str
) -> dict[str, Any]:
    """The contract's ticket object (plus `status`, `window` once called)."""
    row = conn.execute(_BY_ID, {"ticket_id": ticket_id}).one()
    return render_ticket(conn, hall, row, now, base_url)


def render_ticket(
    conn: Connection, hall: HallInfo, row: Any, now: datetime, base_url: str
) -> dict[str, Any]:
    waiting = row.status == "waiting"
    ahead = people_ahead(conn, hall, row, now) if waiting else 0
    wait = (
        None
        if row.offline or not waiting
        else estimate(conn, hall, row.day, row.category_code, ahead)
    )
    check = ticket_check(page_secret(conn, now), hall.code, row.day, row.label)
    return {
        "label": row.label,
        "category": row.category_code,
        "category_name": hall.category(row.category_code).name,
        "kind": row.kind,
        "people_ahead": ahead,
        "estimated_wait_minutes": wait,
        "hall": hall.code,
        "hall_name": hall.name,
        "day": row.day.isoformat(),
        "taken_at": to_beijing(row.created_at).isoformat(timespec="seconds"),
        "offline": bool(row.offline),
        "follow_url": follow_url(base_url, hall.code, row.label, check),
        "status": row.status,
        "window": row.window_number,
    }


def categories_overview(conn: Connection, hall: HallInfo, now: datetime) -> dict[str, Any]:
    """GET /queue/categories: each category's waiting count and the wait of a new ticket."""
    day = hall_day(now)
    counts = waiting_counts(conn, hall.code, day)
    return {
        "hall": hall.code,
        "hall_name": hall.name,
        "categories": [
            {
                "code": c.code,
                "name": c.name,
                "waiting": counts.get(c.code, 0),
                "estimated_wait_minutes": estimate(conn, hall, day, c.code, counts.get(c.code, 0)),
            }
            for c in hall.categories
        ],
    }


def ticket_by_label(conn: Connection, hall: HallInfo, label: str, now: datetime) -> Any:
    """Today's ticket `label` (the newest if a transfer reused nothing: labels are unique)."""
    return conn.execute(
        select(tickets).where(
            tickets.c.hall_code == hall.code,
            tickets.c.day == hall_day(now),
            tickets.c.label == label.upper(),
        )
    ).first()
