"""Time in one place: the database keeps naive UTC, the API speaks Beijing time (+08:00)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "CST")


def utcnow() -> datetime:
    """Now as naive UTC: SQLite has no time zones, so both back ends store UTC without one."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_db(moment: datetime) -> datetime:
    """An aware datetime as naive UTC (naive input is taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def to_beijing(stored: datetime) -> datetime:
    """A stored naive UTC datetime as an aware Beijing-time one, as the API shows it."""
    return stored.replace(tzinfo=UTC).astimezone(BEIJING)
