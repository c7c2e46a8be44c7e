"""China's working calendar: statutory holidays and 调休 make-up workdays, per known year.

Known years come from the `chinesecalendar` package (module `chinese_calendar`, which
knows 2004 to the year of its release) or from an imported State Council notice
(`kiosk-central calendar import FILE`). A date of any other year is `unknown`: nothing is
guessed, and booking on it is refused with `calendar_unknown` (docs/hall-day.md).

A fresh database gets every year the package knows on `kiosk-central migrate` (so also on
`serve`) and on `kiosk-central seed`; both are idempotent and never replace a year that is
already there (an imported notice wins over the package). Only `kiosk-central seed --demo`
may add a weekends-only year, and only for the current or next year when it is unknown, so
the demo can book whatever the date; its source says it is demo data.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from sqlalchemy import Connection, Table, delete, insert, select

from central.models_hall import CalendarDay, CalendarYear

Kind = Literal["workday", "weekend", "holiday", "make_up_workday", "unknown"]
WORKING: frozenset[str] = frozenset({"workday", "make_up_workday"})
DEMO_SOURCE = "demo: weekends only, not a State Council notice"

_years = cast(Table, CalendarYear.__table__)
_days = cast(Table, CalendarDay.__table__)


class CalendarFileError(ValueError):
    """A year file that cannot be imported; `errors` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


# --- the year file (TOML or JSON) -------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class YearDay(_Strict):
    date: date
    name: str

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not 1 <= len(value) <= 40:
            raise ValueError("the name must be 1 to 40 characters")
        return value


class YearFile(_Strict):
    """One year's notice: its holidays and 调休 make-up workdays."""

    year: int
    source: str
    holidays: list[YearDay] = []
    make_up_workdays: list[YearDay] = []

    @field_validator("year")
    @classmethod
    def _year(cls, value: int) -> int:
        if not 2000 <= value <= 2100:
            raise ValueError("the year must be 2000 to 2100")
        return value

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        value = value.strip()
        if not 1 <= len(value) <= 200:
            raise ValueError(
                "the source (the notice, e.g. 国办发明电〔2026〕X号) must be 1 to 200 characters"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> YearFile:
        errors: list[str] = []
        seen: dict[date, str] = {}
        for field_name, days in (
            ("holidays", self.holidays),
            ("make_up_workdays", self.make_up_workdays),
        ):
            for index, day in enumerate(days):
                where = f"{field_name}[{index}] {day.date}"
                if day.date.year != self.year:
                    errors.append(f"{where}: not in {self.year}")
                if field_name == "make_up_workdays" and day.date.isoweekday() < 6:
                    errors.append(f"{where}: a make-up workday must be a Saturday or Sunday")
                if day.date in seen:
                    errors.append(f"{where}: already listed in {seen[day.date]}")
                seen[day.date] = field_name
        if errors:
            raise ValueError("; ".join(errors))
        return self


def load_year_file(path: Path) -> YearFile:
    """Read and validate a TOML or JSON year file; CalendarFileError lists every error."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise CalendarFileError([f"cannot read {path}: {err}"]) from err
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as err:
        kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
        raise CalendarFileError([f"{path}: not valid {kind}: {err}"]) from err
    try:
        return YearFile.model_validate(raw)
    except ValidationError as err:
        errors: list[str] = []
        for e in err.errors():
            where = ".".join(str(p) for p in e["loc"]) or "file"
            message = str(e["msg"]).removeprefix("Value error, ")
            errors.extend(f"{where}: {part}" for part in message.split("; "))
        raise CalendarFileError(errors) from err


# --- writing years -----------------------------------------------------------------------


def _write_year(conn: Connection, year: YearFile, now: datetime) -> None:
    conn.execute(
        delete(_days).where(_days.c.day.between(date(year.year, 1, 1), date(year.year, 12, 31)))
    )
    conn.execute(delete(_years).where(_years.c.year == year.year))
    conn.execute(insert(_years).values(year=year.year, source=year.source[:200], imported_at=now))
    rows = [{"day": d.date, "kind": "holiday", "name": d.name} for d in year.holidays]
    rows += [
        {"day": d.date, "kind": "make_up_workday", "name": d.name} for d in year.make_up_workdays
    ]
    if rows:
        conn.execute(insert(_days), rows)


def import_year(conn: Connection, year: YearFile, now: datetime) -> None:
    """Add or replace one year (the caller commits)."""
    _write_year(conn, year, now)


def known_years(conn: Connection) -> dict[int, str]:
    """Every year the database knows, with its source."""
    return {row.year: row.source for row in conn.execute(select(_years.c.year, _years.c.source))}


def package_years() -> dict[int, YearFile]:
    """What chinese-calendar knows, one YearFile per year (names in Chinese)."""
    import chinese_calendar
    from chinese_calendar import constants

    source = f"chinese-calendar {chinese_calendar.__version__}"
    names = {h.value: h.chinese for h in constants.Holiday}
    names["Anti-Fascist 70th Day"] = "抗战胜利70周年纪念日"  # the package's name is 35 characters
    years: dict[int, YearFile] = {}
    first = min(d.year for d in constants.holidays)
    last = max(d.year for d in constants.holidays)
    for y in range(first, last + 1):
        holidays = [
            YearDay(date=d, name=names.get(n, n))
            for d, n in sorted(constants.holidays.items())
            if d.year == y
        ]
        workdays = [
            YearDay(date=d, name=f"{names.get(n, n)}调休")
            for d, n in sorted(constants.workdays.items())
            if d.year == y and d.isoweekday() >= 6
        ]
        years[y] = YearFile(year=y, source=source, holidays=holidays, make_up_workdays=workdays)
    return years


def seed_known_years(conn: Connection, now: datetime) -> int:
    """Add each year chinese-calendar knows that the database lacks; how many were added.
    A year already there (from the package or an imported notice) is left alone."""
    have = known_years(conn)
    added = 0
    for year, data in package_years().items():
        if year not in have:
            _write_year(conn, data, now)
            added += 1
    return added


def seed_demo_years(conn: Connection, today: date, now: datetime) -> list[int]:
    """THE DEMO ONLY: the current and next year, when unknown, as weekends-only years whose
    source says they are demo data. Production seeding never calls this."""
    have = known_years(conn)
    added = []
    for year in (today.year, today.year + 1):
        if year not in have:
            _write_year(conn, YearFile(year=year, source=DEMO_SOURCE), now)
            added.append(year)
    return added


# --- reading --------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """The known years and their special days, as loaded from the database."""

    years: dict[int, str]  # year -> source
    days: dict[date, tuple[str, str]]  # day -> (kind, name)

    def kind(self, day: date) -> Kind:
        if day.year not in self.years:
            return "unknown"
        special = self.days.get(day)
        if special is not None:
            return cast(Kind, special[0])
        return "weekend" if day.isoweekday() >= 6 else "workday"

    def name(self, day: date) -> str | None:
        special = self.days.get(day)
        return special[1] if special and day.year in self.years else None

    def source(self, day: date) -> str | None:
        return self.years.get(day.year)

    def is_working(self, day: date) -> bool | None:
        """True on a working day, False on a rest day, None when unknown."""
        kind = self.kind(day)
        return None if kind == "unknown" else kind in WORKING

    def plus_workdays(self, day: date, n: int) -> date | None:
        """The date n working days after `day` (`day` itself not counted; n = 0: `day`);
        None when the way crosses a day of an unknown year."""
        if n < 0:
            raise ValueError("n must not be negative")
        if self.kind(day) == "unknown":
            return None
        current, left = day, n
        while left:
            current += timedelta(days=1)
            working = self.is_working(current)
            if working is None:
                return None
            left -= int(working)
        return current

    def workdays_between(self, start: date, end: date) -> int | None:
        """Working days strictly between `start` and `end`; None across an unknown day."""
        count, current = 0, start + timedelta(days=1)
        while current < end:
            working = self.is_working(current)
            if working is None:
                return None
            count += int(working)
            current += timedelta(days=1)
        return count


def load_calendar(conn: Connection, years: Iterable[int] | None = None) -> Calendar:
    """The calendar for `years` (all years when None)."""
    query_years = select(_years.c.year, _years.c.source)
    query_days = select(_days.c.day, _days.c.kind, _days.c.name)
    wanted = sorted(set(years)) if years is not None else None
    if wanted is not None:
        query_years = query_years.where(_years.c.year.in_(wanted))
        query_days = query_days.where(
            _days.c.day.between(date(wanted[0], 1, 1), date(wanted[-1], 12, 31))
        )
    known = {row.year: row.source for row in conn.execute(query_years)}
    days = {row.day: (row.kind, row.name) for row in conn.execute(query_days)}
    return Calendar(known, days)
