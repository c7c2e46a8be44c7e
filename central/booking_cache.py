"""What every booking request reads but operators change rarely: hall plans, the halls of a
terminal's site, the calendar, the current code signing key. `Direct` reads them from the
database each time (the CLI, tests of the engine); `Cached` keeps them for a few seconds in
one worker (the request path: central.routes.booking keeps one per app), which takes ~9 of
the ~20 round trips off a booking. A change (a calendar import, a key rotation, a re-seeded
hall) reaches every worker within `ttl` seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection

from central.calendar import Calendar, load_calendar
from central.code_keys import SigningKey, current_key
from central.halls import HallPlan, load_hall, terminal_halls

T = TypeVar("T")


class Direct:
    """Read everything from the database, every time."""

    def hall(self, conn: Connection, code: str) -> HallPlan | None:
        return load_hall(conn, code)

    def terminal_halls(self, conn: Connection, hall_name: str) -> list[str]:
        return terminal_halls(conn, hall_name)

    def calendar(self, conn: Connection, first: int, last: int) -> Calendar:
        return load_calendar(conn, range(first, last + 1))

    def key(self, conn: Connection, now: datetime) -> SigningKey:
        return current_key(conn, now)


class Cached(Direct):
    """The same answers, kept `ttl` seconds (per worker; thread-safe)."""

    def __init__(self, ttl: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[tuple[Any, ...], tuple[float, Any]] = {}

    def _get(self, key: tuple[Any, ...], load: Callable[[], T]) -> T:
        now = self.clock()
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            value: T = hit[1]
            return value
        fresh = load()
        with self._lock:
            self._entries[key] = (now, fresh)
        return fresh

    def hall(self, conn: Connection, code: str) -> HallPlan | None:
        return self._get(("hall", code), lambda: load_hall(conn, code))

    def terminal_halls(self, conn: Connection, hall_name: str) -> list[str]:
        return list(self._get(("site", hall_name), lambda: terminal_halls(conn, hall_name)))

    def calendar(self, conn: Connection, first: int, last: int) -> Calendar:
        return self._get(
            ("calendar", first, last), lambda: super(Cached, self).calendar(conn, first, last)
        )

    def key(self, conn: Connection, now: datetime) -> SigningKey:
        return self._get(("key",), lambda: current_key(conn, now))


DIRECT = Direct()
