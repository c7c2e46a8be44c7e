"""Update windows (docs/fleet.md §5): central offers an update only while the terminal's hall
is closed, judged from the hall's own sessions on the day (regular, 错时 and 无休, from
central/calendar.py and the hall_sessions table), with 30 minutes kept clear before opening
and after closing. A terminal whose hall central does not know (a bank branch, a community
station) gets the default hours, 08:00-18:00 on working days.

The demo can move the clock this decision reads (`updates clock set`, table fleet_clock),
and only the demo: production always judges by the real `now`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import cast

from sqlalchemy import Connection, Table, delete, insert, select

from central.calendar import load_calendar
from central.models_fleet import FleetClock
from central.models_hall import Hall, HallSession
from central.timeutil import BEIJING, to_beijing, to_db

MARGIN = timedelta(minutes=30)
DEFAULT_HOURS = (time(8, 0), time(18, 0))
_halls = cast(Table, Hall.__table__)
_sessions = cast(Table, HallSession.__table__)
_clock = cast(Table, FleetClock.__table__)

Interval = tuple[datetime, datetime]  # aware, Beijing


def _day_kind(kinds: dict[date, str], day: date) -> str:
    """The calendar's kind of `day`; a year the calendar does not know counts by weekday
    (an unknown year must not make every day look closed)."""
    kind = kinds.get(day, "unknown")
    if kind == "unknown":
        return "weekend" if day.isoweekday() >= 6 else "workday"
    return kind


def _held(days: str, weekdays: list[int], day: date, kind: str) -> bool:
    """Whether a session of `days` (workday | restday) narrowed to `weekdays` runs on `day`
    (the rule of central.halls.SessionPlan.open_on)."""
    if days == "workday":
        return kind in ("workday", "make_up_workday")
    if kind not in ("weekend", "holiday"):
        return False
    return not weekdays or day.isoweekday() in weekdays


def _session_rows(conn: Connection, hall_code: str | None) -> list[tuple[str, list[int], str, str]]:
    if hall_code is None:
        start, end = DEFAULT_HOURS
        return [("workday", [], start.strftime("%H:%M"), end.strftime("%H:%M"))]
    return [
        (r.days, list(r.weekdays), r.start, r.end)
        for r in conn.execute(
            select(
                _sessions.c.days, _sessions.c.weekdays, _sessions.c.start, _sessions.c.end
            ).where(_sessions.c.hall_code == hall_code)
        )
    ]


def _intervals(
    rows: list[tuple[str, list[int], str, str]], kinds: dict[date, str], day: date
) -> list[Interval]:
    kind = _day_kind(kinds, day)
    return sorted(
        (
            datetime.combine(day, time.fromisoformat(s), BEIJING),
            datetime.combine(day, time.fromisoformat(e), BEIJING),
        )
        for d, weekdays, s, e in rows
        if _held(d, weekdays, day, kind)
    )


def _kinds(conn: Connection, days: list[date]) -> dict[date, str]:
    cal = load_calendar(conn, {d.year for d in days})
    return {d: cal.kind(d) for d in days}


def opening_hours(conn: Connection, hall_code: str | None, day: date) -> list[Interval]:
    """The hall's sessions on `day` (the default hours for an unknown hall), as intervals."""
    return _intervals(_session_rows(conn, hall_code), _kinds(conn, [day]), day)


def hall_code_of(conn: Connection, hall_name: str) -> str | None:
    """The code of the hall a terminal was enrolled at (by its hall name), or None."""
    return conn.execute(select(_halls.c.code).where(_halls.c.name == hall_name)).scalar()


def is_window(conn: Connection, hall_code: str | None, now: datetime) -> bool:
    """Whether `now` (naive UTC) is inside an update window of the hall: no session of the
    day before, the day or the day after is within 30 minutes of it."""
    local = to_beijing(now)
    days = [local.date() + timedelta(days=offset) for offset in (-1, 0, 1)]
    rows = _session_rows(conn, hall_code)
    kinds = _kinds(conn, days)
    for day in days:
        for start, end in _intervals(rows, kinds, day):
            if start - MARGIN <= local < end + MARGIN:
                return False
    return True


# --- the demo's clock ---------------------------------------------------------------------


def clock_offset(conn: Connection) -> int:
    """Seconds the demo's fleet clock is ahead of the real one (0 when never set)."""
    return int(conn.execute(select(_clock.c.offset_seconds).where(_clock.c.id == 1)).scalar() or 0)


def decision_now(conn: Connection, now: datetime, demo: bool) -> datetime:
    """The `now` an update window is judged at: the demo's moved clock, else `now`."""
    return now + timedelta(seconds=clock_offset(conn)) if demo else now


def set_clock(conn: Connection, moment: datetime, now: datetime) -> int:
    """Make the demo's fleet clock read `moment` (aware, or naive UTC) now; the offset."""
    offset = round((to_db(moment) - now).total_seconds())
    conn.execute(delete(_clock).where(_clock.c.id == 1))
    conn.execute(insert(_clock).values(id=1, offset_seconds=offset))
    return offset


def reset_clock(conn: Connection) -> None:
    conn.execute(delete(_clock).where(_clock.c.id == 1))
