"""The hall's change log and how waiting pages learn of a change, across worker processes.

Every queue change appends a `queue_events` row in the transaction that made it (nothing
personal: labels, windows, categories, counts). On PostgreSQL the same transaction runs
`pg_notify('queue_<hall>', id)`, delivered when it commits. Workers share nothing but the
database, so a long-poll served by worker B learns of a call made through worker A (or by
the CLI) like this:

- PostgreSQL: each worker process has ONE listener thread with its own psycopg connection
  (autocommit, LISTEN on the halls somebody waits for). A notification sets the asyncio
  events of that hall's waiters through `loop.call_soon_threadsafe`; the event loop never
  blocks on it. Waiters re-read the table on waking, and at least every
  `SAFETY_POLL_S` in case the listener's connection was lost (it reconnects).
- SQLite: no notifications; waiters re-read the table every `SQLITE_POLL_S`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select
from sqlalchemy.engine import make_url

from central.db import Database
from central.models_queue import QueueEvent

log = logging.getLogger("central.livefeed")
events_t = cast(Table, QueueEvent.__table__)
SQLITE_POLL_S = 0.2
# Tests set it high to show that NOTIFY alone wakes a waiter (tests/web).
SAFETY_POLL_S = float(os.environ.get("TONGBAN_QUEUE_SAFETY_POLL_S", "2.0"))
MAX_EVENTS = 200


_INSERT_EVENT = insert(events_t).returning(events_t.c.id)
_AFTER = (
    select(events_t.c.id, events_t.c.at, events_t.c.kind, events_t.c.data)
    .where(events_t.c.hall_code == bindparam("hall"), events_t.c.id > bindparam("after"))
    .order_by(events_t.c.id)
    .limit(bindparam("limit"))
)


def channel(hall: str) -> str:
    """`queue_<hall>` lower-case, anything but [a-z0-9_] as `_`: a safe identifier."""
    return "queue_" + re.sub(r"[^a-z0-9_]", "_", hall.lower())


def append_event(
    conn: Connection, hall: str, kind: str, data: dict[str, Any], now: datetime
) -> int:
    """Log one change (inside the caller's transaction) and notify the hall's channel."""
    values = {"hall_code": hall, "at": now, "kind": kind, "data": data}
    event_id = int(conn.execute(_INSERT_EVENT, values).scalar_one())
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "SELECT pg_notify(%(ch)s, %(id)s)", {"ch": channel(hall), "id": str(event_id)}
        )
    return event_id


def events_after(conn: Connection, hall: str, after: int, limit: int = MAX_EVENTS) -> list[Any]:
    return list(conn.execute(_AFTER, {"hall": hall, "after": after, "limit": limit}).all())


def last_event_id(conn: Connection, hall: str) -> int:
    row = conn.execute(
        select(events_t.c.id)
        .where(events_t.c.hall_code == hall)
        .order_by(events_t.c.id.desc())
        .limit(1)
    ).first()
    return int(row.id) if row else 0


class _Listener:
    """The worker's one LISTEN connection, in a thread of its own (module docstring)."""

    def __init__(self, db_url: str, wake: Callable[[str], None]) -> None:
        url = make_url(db_url).set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)
        self._wake = wake
        self._wanted: set[str] = set()
        self._listening: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="queue-listener", daemon=True)
        self._thread.start()

    def want(self, ch: str) -> None:
        with self._lock:
            self._wanted.add(ch)

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True, connect_timeout=5) as conn:
                    self._listening = set()
                    while not self._stop.is_set():
                        with self._lock:
                            new = self._wanted - self._listening
                        for ch in sorted(new):
                            conn.execute(f'LISTEN "{ch}"')  # ch: [a-z0-9_] only (channel())
                            self._listening.add(ch)
                            self._wake(ch)  # anything between want() and LISTEN: re-read
                        for note in conn.notifies(timeout=0.25):
                            self._wake(note.channel)
            except Exception as err:  # lost the server: wake everyone (they re-read), retry
                log.warning("queue listener: %s; reconnecting", err)
                for ch in list(self._listening):
                    self._wake(ch)
                self._stop.wait(1.0)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=3)


class Feed:
    """Waiting for a hall's events in one worker process (one per app)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._postgres = db.engine.dialect.name == "postgresql"
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}
        self._lock = threading.Lock()
        self._listener: _Listener | None = None

    def _wake(self, ch: str) -> None:
        with self._lock:
            waiting = list(self._waiters.get(ch, ()))
        for loop, event in waiting:
            with contextlib.suppress(RuntimeError):  # its loop closed
                loop.call_soon_threadsafe(event.set)

    async def wait(
        self,
        hall: str,
        after: int,
        timeout: float,
        gone: Callable[[], Awaitable[bool]] | None = None,
    ) -> list[Any]:
        """The hall's events after `after`, waiting up to `timeout` s for the first one
        (an empty list when none came, or when `gone()` says the client left)."""
        ch = channel(hall)
        event = asyncio.Event()
        entry = (asyncio.get_running_loop(), event)
        with self._lock:
            self._waiters.setdefault(ch, set()).add(entry)
        if self._postgres:
            if self._listener is None:
                self._listener = _Listener(self._db.settings.db_url, self._wake)
            self._listener.want(ch)
        try:
            deadline = time.monotonic() + timeout
            step = SAFETY_POLL_S if self._postgres else SQLITE_POLL_S
            while True:
                event.clear()
                found = self._db.run(events_after, hall, after)
                left = deadline - time.monotonic()
                if found or left <= 0:
                    return found
                if gone is not None and await gone():
                    return []
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), min(step, left))
        finally:
            with self._lock:
                self._waiters.get(ch, set()).discard(entry)

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None


def feed_of(app_state: Any) -> Feed:
    """The app's feed, made on first use (in the worker process that serves it)."""
    feed = getattr(app_state, "queue_feed", None)
    if feed is None:
        feed = Feed(app_state.db)
        app_state.queue_feed = feed
    return cast(Feed, feed)


def close_feed(app_state: Any) -> None:
    feed = getattr(app_state, "queue_feed", None)
    if feed is not None:
        feed.close()
