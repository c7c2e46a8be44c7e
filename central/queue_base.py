"""What the queue's parts share: the hall as the queue sees it, the hall's day, refusals,
the write transaction, the calling order and a ticket as central answers it.

Every function takes a Core `Connection` (autocommit: the request path's, or the CLI's);
a write opens `write_transaction` itself. Times are naive UTC; the day is the hall's
(Beijing) date.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from central.models import CentralSecret
from central.models_hall import Hall, HallWindow, QueueCategory
from central.models_queue import QueueTicket
from central.schemas import ErrorCode
from central.timeutil import to_beijing

halls = cast(Table, Hall.__table__)
categories_t = cast(Table, QueueCategory.__table__)
windows_t = cast(Table, HallWindow.__table__)
tickets = cast(Table, QueueTicket.__table__)
secrets_t = cast(Table, CentralSecret.__table__)

CLASSES = ("appointment", "green", "arrival")
DEFAULT_ORDER = ("appointment", "green", "arrival")
PAGE_SECRET = "hall_pages"  # central_secrets row: ticket links and staff cookies


class QueueError(Exception):
    """A refusal: `reason` is the contract's error code, `message` one line for people."""

    def __init__(self, reason: ErrorCode, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.reason: ErrorCode = reason
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Category:
    code: str
    name: str


@dataclass(frozen=True)
class Window:
    number: int
    name: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class HallInfo:
    """A hall with what the queue needs of it."""

    code: str
    name: str
    order: tuple[str, ...]
    green_age: int
    max_calls: int
    block_size: int
    checkin_early_minutes: int
    checkin_late_minutes: int
    categories: tuple[Category, ...]
    windows: tuple[Window, ...]

    def category(self, code: str) -> Category:
        for category in self.categories:
            if category.code == code:
                return category
        raise QueueError("not_found", f"{self.name} has no queue category {code[:4]!r}", 404)

    def window(self, number: int) -> Window:
        for window in self.windows:
            if window.number == number:
                return window
        raise QueueError("not_found", f"{self.name} has no window {number}", 404)

    def windows_serving(self, category: str) -> int:
        return sum(1 for w in self.windows if category in w.categories)


def parse_order(text: str | None) -> tuple[str, ...]:
    """`halls.calling_order` as classes, first wins; unknown names are dropped and missing
    ones appended in the default order, so every ticket has a rank."""
    named = [part.strip() for part in (text or "").split(",") if part.strip() in CLASSES]
    seen: list[str] = []
    for name in [*named, *DEFAULT_ORDER]:
        if name not in seen:
            seen.append(name)
    return tuple(seen)


def _hall_from(conn: Connection, row: Row[Any]) -> HallInfo:
    cats = conn.execute(
        select(categories_t.c.code, categories_t.c.name)
        .where(categories_t.c.hall_code == row.code)
        .order_by(categories_t.c.position, categories_t.c.code)
    ).all()
    wins = conn.execute(
        select(windows_t.c.number, windows_t.c.name, windows_t.c.categories)
        .where(windows_t.c.hall_code == row.code)
        .order_by(windows_t.c.number)
    ).all()
    return HallInfo(
        code=row.code,
        name=row.name,
        order=parse_order(row.calling_order),
        green_age=row.green_age,
        max_calls=row.max_calls,
        block_size=row.offline_block_size,
        checkin_early_minutes=row.checkin_early_minutes,
        checkin_late_minutes=row.checkin_late_minutes,
        categories=tuple(Category(c.code, c.name) for c in cats),
        windows=tuple(Window(w.number, w.name, tuple(w.categories or ())) for w in wins),
    )


def load_hall(conn: Connection, code: str) -> HallInfo:
    """The hall by its code (any case), or QueueError not_found."""
    row = conn.execute(select(halls).where(halls.c.code == code.strip().upper())).first()
    if row is None:
        raise QueueError("not_found", f"no hall {code[:20]!r}", 404)
    return _hall_from(conn, row)


def hall_of_terminal(conn: Connection, hall_name: str) -> HallInfo:
    """The hall a terminal queues for: the one named like its enrolled hall_name."""
    row = conn.execute(select(halls).where(halls.c.name == hall_name)).first()
    if row is None:
        raise QueueError("not_found", f"{hall_name[:40]} has no queue (no hall of that name)", 404)
    return _hall_from(conn, row)


def hall_day(now: datetime) -> date:
    """The hall's calendar date at `now` (naive UTC)."""
    return to_beijing(now).date()


def label_of(category: str, number: int) -> str:
    return f"{category}{number:03d}"


def insert_ignore(conn: Connection, table: Table, values: dict[str, Any]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on either back end."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).values(values).on_conflict_do_nothing())


def ticket_class(row: Any, now: datetime) -> str:
    """appointment (checked in and its slot has begun), green, or arrival."""
    if row.kind == "appointment" and row.slot_starts_at is not None and row.slot_starts_at <= now:
        return "appointment"
    if row.kind == "green":
        return "green"
    return "arrival"


def rank_key(
    row: Any, order: Sequence[str], now: datetime, preference: Sequence[str] = ()
) -> tuple[Any, ...]:
    """Sort key of a waiting ticket: its class in the hall's order, then (for a window)
    its category's place in the window's preference, then its slot start (appointments)
    and arrival time."""
    cls = ticket_class(row, now)
    pref = preference.index(row.category_code) if row.category_code in preference else 0
    slot = row.slot_starts_at if cls == "appointment" else row.created_at
    return (order.index(cls), pref, slot, row.created_at, row.id)


_SECRETS: dict[tuple[str, str], bytes] = {}


def page_secret(conn: Connection, now: datetime) -> bytes:
    """central's key for ticket links and staff cookies."""
    return named_secret(conn, PAGE_SECRET, now)


def named_secret(conn: Connection, name: str, now: datetime) -> bytes:
    """One of central's own keys (central_secrets row `name`), made on first use (two
    processes racing both insert-or-ignore, then read the one row). It never changes: kept
    per database once read."""
    where = (conn.engine.url.render_as_string(hide_password=False), name)
    known = _SECRETS.get(where)
    if known is not None:
        return known
    found = conn.execute(select(secrets_t.c.value).where(secrets_t.c.name == name)).first()
    if found is None:
        insert_ignore(
            conn,
            secrets_t,
            {"name": name, "value": secrets.token_hex(32), "created_at": now},
        )
        found = conn.execute(select(secrets_t.c.value).where(secrets_t.c.name == name)).first()
        if found is None:  # pragma: no cover - just inserted
            raise RuntimeError(f"the secret {name} is not there")
    _SECRETS[where] = secret = str(found.value).encode("ascii")
    return secret


def ticket_check(secret: bytes, hall: str, day: date, label: str) -> str:
    """The `c` of a ticket's follow URL: labels alone cannot be enumerated."""
    text = f"ticket|{hall}|{day.isoformat()}|{label}".encode()
    return hmac.new(secret, text, hashlib.sha256).hexdigest()[:16]


def follow_url(base: str, hall: str, label: str, check: str) -> str:
    return f"{base.rstrip('/')}/hall/{hall}/ticket/{label}?c={check}"
