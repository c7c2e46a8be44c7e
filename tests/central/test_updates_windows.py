"""Update windows from the hall's calendar (docs/fleet.md §5): never while a hall is open,
its 错时 and 无休 sessions included, 30 minutes kept clear either side; the default hours
for a hall central does not know. Fixed dates of 2025 (chinese-calendar's) in Beijing time."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import create_engine

from central.timeutil import BEIJING, to_db
from central.updates.windows import clock_offset, decision_now, is_window, reset_clock, set_clock


def at(text: str) -> datetime:
    return to_db(datetime.fromisoformat(text).replace(tzinfo=BEIJING))


CASES = [
    # 晋城市政务服务中心: 09:00-17:30 on working days with the 12:00-13:30 错时 lunch session,
    # 周六上午无休 09:00-12:00.
    ("JC-ZWZX", "2025-12-08T07:00", True),  # Monday before 08:30
    ("JC-ZWZX", "2025-12-08T08:40", False),  # within 30 minutes of opening
    ("JC-ZWZX", "2025-12-08T12:45", False),  # 错时: the lunch break is served
    ("JC-ZWZX", "2025-12-08T17:50", False),  # within 30 minutes of closing
    ("JC-ZWZX", "2025-12-08T18:05", True),
    ("JC-ZWZX", "2025-12-06T10:00", False),  # Saturday: 无休 morning
    ("JC-ZWZX", "2025-12-06T13:00", True),  # Saturday afternoon
    ("JC-ZWZX", "2025-10-01T10:00", True),  # 国庆节: closed
    ("JC-ZWZX", "2025-10-11T10:00", False),  # a Saturday 调休 make-up workday: open
    # 泽州县政务服务中心: 08:30-12:00, 14:30-17:30, 晚间错时 17:30-19:00; no lunch session.
    ("ZZ-ZWZX", "2025-12-08T13:15", True),  # the lunch gap, clear of both margins
    ("ZZ-ZWZX", "2025-12-08T18:45", False),  # 错时 evening
    ("ZZ-ZWZX", "2025-12-08T19:20", False),  # 20 minutes after the evening session
    ("ZZ-ZWZX", "2025-12-08T19:45", True),
    ("ZZ-ZWZX", "2025-12-06T10:00", True),  # no Saturday session
    # A hall central does not know: 08:00-18:00 on working days.
    (None, "2025-12-08T07:20", True),
    (None, "2025-12-08T07:40", False),
    (None, "2025-12-08T18:20", False),
    (None, "2025-12-08T18:40", True),
    (None, "2025-12-06T10:00", True),
]


@pytest.mark.parametrize(("hall", "moment", "window"), CASES)
def test_windows_follow_each_halls_sessions(
    db_url: str, hall: str | None, moment: str, window: bool
) -> None:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert is_window(conn, hall, at(moment)) is window
    finally:
        engine.dispose()


def test_the_demo_clock_is_an_offset_read_only_in_the_demo(db_url: str) -> None:
    engine = create_engine(db_url)
    now = at("2025-12-08T10:00")
    try:
        with engine.begin() as conn:
            assert (
                set_clock(conn, datetime.fromisoformat("2025-12-08T22:00+08:00"), now) == 12 * 3600
            )
        with engine.begin() as conn:
            assert clock_offset(conn) == 12 * 3600
            assert is_window(conn, "JC-ZWZX", decision_now(conn, now, demo=True))
            assert not is_window(conn, "JC-ZWZX", decision_now(conn, now, demo=False))
            reset_clock(conn)
            assert decision_now(conn, now, demo=True) == now
    finally:
        engine.dispose()
