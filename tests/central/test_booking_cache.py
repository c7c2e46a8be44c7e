"""A worker keeps hall plans, sites, the calendar and the signing key for a few seconds
(central.booking_cache): the same answers as the database within the TTL, fresh after it."""

from __future__ import annotations

from datetime import date, datetime

from booking_helpers import JC, autocommit
from sqlalchemy import update

from central.booking_cache import Cached
from central.models_hall import Hall


def test_a_cached_hall_is_read_again_after_the_ttl(db_url: str) -> None:
    clock = [100.0]
    cache = Cached(ttl=5.0, clock=lambda: clock[0])
    with autocommit(db_url) as conn:
        first = cache.hall(conn, JC)
        assert first is not None and first.row.min_advance_hours == 24
        conn.execute(update(Hall).where(Hall.code == JC).values(min_advance_hours=48))
        try:
            clock[0] += 4.9
            kept = cache.hall(conn, JC)
            assert kept is first  # within the TTL: no query
            clock[0] += 0.2
            fresh = cache.hall(conn, JC)
            assert fresh is not None and fresh.row.min_advance_hours == 48
            assert cache.terminal_halls(conn, "山西银行晋城分行营业部") == [JC]
            assert cache.calendar(conn, 2026, 2026).kind(date(2026, 2, 14)) == "make_up_workday"
            assert cache.key(conn, datetime(2026, 3, 2)).kid
        finally:  # the halls are shared by the tests on PostgreSQL
            conn.execute(update(Hall).where(Hall.code == JC).values(min_advance_hours=24))
