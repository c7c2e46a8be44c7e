"""Helpers of the booking tests: calendar years for whatever date the tests run on, dates
that are bookable under the hall rules, valid ID numbers for many distinct citizens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, create_engine
from stdnum.cn import ric

from central.booking import BookRequest, book
from central.booking_slots import calendar_for
from central.calendar import YearFile, import_year, known_years
from central.timeutil import BEIJING, to_beijing, to_db

TEST_SOURCE = "test data: weekends only (tests/central/booking_helpers.py)"
JC = "JC-ZWZX"
ZZ = "ZZ-ZWZX"
NC = "NC-BMZ"
SOCIAL_CARD = "11140500MB195021524000112003"  # 社会保障卡补领: JC-ZWZX B, also 无休
BIZ_LICENCE = "11140500MB1986001U5000171002"  # 企业营业执照补领: JC-ZWZX A, not 无休
DISABILITY = "11140525MB198626519000281001"  # 残疾人证新办: ZZ-ZWZX A, NC-BMZ A


def ensure_years(db_url: str, now: datetime) -> None:
    """The years around `now` known to the calendar: a year chinese-calendar does not know
    is imported (through the real import path) as weekends-only test data."""
    today = to_beijing(now).date()
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            have = known_years(conn)
            for year in (today.year - 1, today.year, today.year + 1):
                if year not in have:
                    import_year(conn, YearFile(year=year, source=TEST_SOURCE), now)
    finally:
        engine.dispose()


def next_working_day(db_url: str, now: datetime, skip: int = 2) -> date:
    """The first working day at least `skip` days after the hall's today (`skip` < 0:
    the last working day at least -skip days before it)."""
    today = to_beijing(now).date()
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            cal = calendar_for(conn, today - timedelta(days=60), today + timedelta(days=60))
    finally:
        engine.dispose()
    step = timedelta(days=1 if skip >= 0 else -1)
    day = today + timedelta(days=skip)
    while not cal.is_working(day):
        day += step
    return day


@contextmanager
def autocommit(db_url: str) -> Iterator[Connection]:
    """A connection like the request path's (central.db): autocommit, the engine's own
    transactions explicit."""
    engine = create_engine(db_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def book_as_of(
    db_url: str,
    now: datetime,
    day: date,
    at: str,
    who: tuple[str, str],
    item: str = SOCIAL_CARD,
    hall: str = JC,
) -> dict[str, Any]:
    """A booking made at `now` (e.g. days ago: an appointment that is now past)."""
    with autocommit(db_url) as conn:
        appointment, _ = book(conn, BookRequest(hall, item, day, at, who[0], who[1]), now)
    return appointment


def beijing(text: str) -> datetime:
    """'2026-03-02 10:00' in the hall's time as naive UTC, the engine's `now`."""
    return to_db(datetime.fromisoformat(text).replace(tzinfo=BEIJING))


def citizen(n: int) -> str:
    """A valid GB 11643 ID number, distinct for each n (born 1970-01-01 + n days)."""
    born = date(1970, 1, 1) + timedelta(days=n // 500)
    body = f"140525{born:%Y%m%d}{n % 500 + 100:03d}"
    return body + ric.calc_check_digit(body + "0")  # python-stdnum >= 2 skips the last
