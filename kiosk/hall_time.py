"""The hall's clock: every time a person reads, on the screen or on paper, is the hall's wall
time, whatever the host's ``TZ`` (a demo machine runs in UTC, a hall in Shanxi is +08:00).

The zone comes from the configuration (``[terminal] timezone``, Asia/Shanghai by default) and
is passed to whatever formats a time; nothing here reads the host's local zone. Instants are
aware datetimes or epoch seconds; a naive datetime is refused, because its zone would be the
host's guess. Timestamps for the wire (central, the print log) are ISO 8601 with an offset.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from kiosk.config import KioskConfig

DEFAULT_ZONE = "Asia/Shanghai"

Clock = Callable[[], float]     # epoch seconds, like time.time
Moment = dt.datetime | float    # an aware datetime or epoch seconds


@functools.cache
def load_zone(name: str) -> dt.tzinfo:
    """The IANA zone ``name`` (e.g. Asia/Shanghai). Raises ValueError saying why not."""
    if not name or name != name.strip():
        raise ValueError(f"{name!r} is not a time zone name such as \"Asia/Shanghai\"")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (an IANA name such as \"Asia/Shanghai\"; "
            "is the tzdata package installed?)"
        ) from None


def default_zone() -> dt.tzinfo:
    return load_zone(DEFAULT_ZONE)


def hall_zone(config: KioskConfig) -> dt.tzinfo:
    """The zone of the hall this terminal stands in (``[terminal] timezone``)."""
    return load_zone(config.terminal.timezone)


def now(zone: dt.tzinfo, clock: Clock = time.time) -> dt.datetime:
    """Now as the hall's wall time (aware)."""
    return dt.datetime.fromtimestamp(clock(), zone)


def today(zone: dt.tzinfo, clock: Clock = time.time) -> dt.date:
    """Today's date in the hall (a card valid until yesterday there is expired)."""
    return now(zone, clock).date()


def to_hall(moment: Moment, zone: dt.tzinfo) -> dt.datetime:
    """An instant as the hall's wall time. Raises ValueError for a naive datetime."""
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("a naive datetime has no known zone; give an aware one")
        return moment.astimezone(zone)
    return dt.datetime.fromtimestamp(moment, zone)


def at_hall(value: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """A time someone typed (naive: the hall's wall time) as an aware datetime."""
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def day_start(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """Midnight at the start of ``day`` in the hall (aware)."""
    return dt.datetime.combine(day, dt.time(0), zone)


def days_back(days: int, zone: dt.tzinfo, clock: Clock = time.time) -> dt.datetime:
    """The start of the hall's day ``days - 1`` days ago: ``days=1`` is today since midnight."""
    return day_start(today(zone, clock) - dt.timedelta(days=max(days, 1) - 1), zone)


def wire(moment: Moment, zone: dt.tzinfo) -> str:
    """ISO 8601 with the hall's offset, to the second (for central and the print log)."""
    return to_hall(moment, zone).isoformat(timespec="seconds")


# -- what people read ------------------------------------------------------------------------
def minutes_text(moment: Moment, zone: dt.tzinfo) -> str:
    """2026-11-23 09:30 (receipts, notices)."""
    return f"{to_hall(moment, zone):%Y-%m-%d %H:%M}"


def seconds_text(moment: Moment, zone: dt.tzinfo) -> str:
    """2026-11-23 09:30:12 (test pages, A4 footers, the print log)."""
    return f"{to_hall(moment, zone):%Y-%m-%d %H:%M:%S}"


def date_text(moment: Moment, zone: dt.tzinfo) -> str:
    """2026年11月23日 (出具日期)."""
    return f"{to_hall(moment, zone):%Y年%m月%d日}"


def month_day_text(moment: Moment, zone: dt.tzinfo) -> str:
    """11月24日 09:30 (an appointment's start)."""
    return f"{to_hall(moment, zone):%m月%d日 %H:%M}"


def compact(moment: Moment, zone: dt.tzinfo) -> str:
    """20261123093012 (document numbers, file names)."""
    return f"{to_hall(moment, zone):%Y%m%d%H%M%S}"


def step_text(moment: Moment, zone: dt.tzinfo, clock: Clock = time.time) -> str:
    """09:30 when it is today in the hall, else 11-22 09:30 (a 办件's timeline)."""
    local = to_hall(moment, zone)
    return f"{local:%H:%M}" if local.date() == today(zone, clock) else f"{local:%m-%d %H:%M}"

