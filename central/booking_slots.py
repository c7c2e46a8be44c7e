"""What can be booked: a hall's slots on a day and its days ahead (docs/hall-day.md,
"Booking"), each with the reason it cannot be booked when it cannot. The booking engine
(central.booking) judges a request with the same `judge_day` and `judge_slot`, so the
calendar a terminal shows and the refusal it gets never disagree.

Every function takes `now` (naive UTC); the hall's date and times are Beijing's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, select

from central.booking_cache import DIRECT, Direct
from central.calendar import Calendar
from central.halls import HallPlan, SessionPlan, hall_today
from central.models_hall import SlotCounter
from central.timeutil import BEIJING, to_db

_counters = cast(Table, SlotCounter.__table__)
MAX_DAYS = 31


class Refused(Exception):
    """A booking, cancellation or look-up refused for one of the contract's reasons."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def slot_start(day: date, at: time) -> datetime:
    """A slot's start in the hall's time, as naive UTC (how the tables keep it)."""
    return to_db(datetime.combine(day, at, BEIJING))


def calendar_for(conn: Connection, today: date, last: date, reader: Direct = DIRECT) -> Calendar:
    return reader.calendar(conn, min(today.year, last.year), max(today.year, last.year))


def judge_day(plan: HallPlan, cal: Calendar, item: str, day: date, now: datetime) -> str | None:
    """Why nothing on `day` can be booked for `item` regardless of places, or None."""
    today = hall_today(now)
    if day <= today:  # today or past: whatever the calendar says
        return "too_soon"
    if cal.kind(day) == "unknown":
        return "calendar_unknown"
    if not plan.sessions_on(item, day, cal.kind(day)):
        return "closed"
    between = cal.workdays_between(today, day)
    if between is None:
        return "calendar_unknown"
    if between >= plan.row.max_workdays_ahead:
        return "too_far"
    return None


def judge_slot(plan: HallPlan, starts_at: datetime, now: datetime, remaining: int) -> str | None:
    if starts_at - now < timedelta(hours=plan.row.min_advance_hours):
        return "too_soon"
    if remaining <= 0:
        return "full"
    return None


@dataclass(frozen=True)
class Slot:
    session: SessionPlan
    at: time
    starts_at: datetime  # naive UTC
    capacity: int
    remaining: int
    reason: str | None

    def public(self) -> dict[str, Any]:
        end = (
            datetime.combine(date.min, self.at) + timedelta(minutes=self.session.slot_minutes)
        ).time()
        return {
            "time": self.at.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
            "session": self.session.kind,
            "capacity": self.capacity,
            "remaining": self.remaining,
            "bookable": self.reason is None,
            "reason": self.reason,
        }


def counters(
    conn: Connection, hall: str, category: str, first: date, last: date
) -> dict[datetime, tuple[int, int]]:
    """(capacity, booked) per slot start of `category` from `first` to `last` (inclusive)."""
    rows = conn.execute(
        select(_counters.c.starts_at, _counters.c.capacity, _counters.c.booked).where(
            _counters.c.hall_code == hall,
            _counters.c.category_code == category,
            _counters.c.starts_at >= slot_start(first, time(0)),
            _counters.c.starts_at < slot_start(last + timedelta(days=1), time(0)),
        )
    )
    return {row.starts_at: (row.capacity, row.booked) for row in rows}


def day_slots(
    plan: HallPlan,
    cal: Calendar,
    item: str,
    day: date,
    now: datetime,
    counted: dict[datetime, tuple[int, int]],
) -> list[Slot]:
    """The slots of `day` for `item` (empty when no session serves it), each judged."""
    day_reason = judge_day(plan, cal, item, day, now)
    if day_reason in ("calendar_unknown", "closed"):
        return []
    out = []
    for session in plan.sessions_on(item, day, cal.kind(day)):
        for at in session.slot_starts():
            starts_at = slot_start(day, at)
            capacity, booked = counted.get(starts_at, (session.capacity, 0))
            remaining = max(capacity - booked, 0)
            reason = day_reason or judge_slot(plan, starts_at, now, remaining)
            out.append(Slot(session, at, starts_at, capacity, remaining, reason))
    return sorted(out, key=lambda s: s.at)


def _category(plan: HallPlan, item: str) -> str:
    category = plan.category_of(item)
    if category is None:
        raise Refused("not_found", f"{plan.code} does not book item {item[:40]}")
    return category


def slots_view(
    conn: Connection, plan: HallPlan, item: str, day: date, now: datetime, reader: Direct = DIRECT
) -> dict[str, Any]:
    """GET /halls/{hall}/slots and `appointment slots`."""
    category = _category(plan, item)
    cal = calendar_for(conn, hall_today(now), day, reader)
    counted = counters(conn, plan.code, category, day, day)
    slots = day_slots(plan, cal, item, day, now, counted)
    return {
        "date": day.isoformat(),
        "kind": cal.kind(day),
        "name": cal.name(day),
        "reason": judge_day(plan, cal, item, day, now) if not slots else None,
        "slots": [s.public() for s in slots],
    }


def days_view(
    conn: Connection,
    plan: HallPlan,
    item: str,
    first: date,
    count: int,
    now: datetime,
    reader: Direct = DIRECT,
) -> dict[str, Any]:
    """GET /halls/{hall}/days: the terminal's calendar (无休 days, holidays, full days)."""
    category = _category(plan, item)
    last = first + timedelta(days=count - 1)
    cal = calendar_for(conn, hall_today(now), last, reader)
    counted = counters(conn, plan.code, category, first, last)
    days = []
    for offset in range(count):
        day = first + timedelta(days=offset)
        kind = cal.kind(day)
        slots = day_slots(plan, cal, item, day, now, counted)
        open_slots = [s for s in slots if s.reason in (None, "full")]
        remaining = sum(s.remaining for s in open_slots)
        bookable = any(s.reason is None for s in slots)
        reason = None
        if not bookable:
            reason = judge_day(plan, cal, item, day, now)
            if reason is None:
                reason = "full" if open_slots else "too_soon"
        days.append(
            {
                "date": day.isoformat(),
                "kind": kind,
                "name": cal.name(day),
                "sessions": sorted(
                    {s.kind for s in plan.sessions_on(item, day, kind)},
                    key=("regular", "cuoshi", "wuxiu").index,
                ),
                "remaining": remaining,
                "bookable": bookable,
                "reason": reason,
            }
        )
    return {"days": days}
