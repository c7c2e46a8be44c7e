"""Halls: their queue categories and bookable items, windows, sessions; the sites that book
for them; which halls a terminal books at (docs/hall-day.md, "Halls").

The seeded halls are central/seed/halls.toml, validated here (items must be in the
catalogue, windows name known categories, sessions are well-formed) before anything is
written; seeding adds a hall that is missing and leaves an existing one alone.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from importlib.resources import files
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from sqlalchemy import Connection, Table, insert, select

from central.catalogue import LATEST_VERSION_ID
from central.models import CatalogueItem
from central.models_hall import Hall, HallSession, HallSite, HallWindow, QueueCategory

SessionKind = Literal["regular", "cuoshi", "wuxiu"]
SESSION_KINDS: tuple[SessionKind, ...] = ("regular", "cuoshi", "wuxiu")

_halls = cast(Table, Hall.__table__)
_sites = cast(Table, HallSite.__table__)
_categories = cast(Table, QueueCategory.__table__)
_windows = cast(Table, HallWindow.__table__)
_sessions = cast(Table, HallSession.__table__)
_items = cast(Table, CatalogueItem.__table__)


class HallSeedError(ValueError):
    """halls.toml is inconsistent (with itself or with the catalogue)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _hhmm(value: str) -> str:
    try:
        parsed = time.fromisoformat(value)
    except ValueError as err:
        raise ValueError(f"{value!r} is not HH:MM") from err
    if len(value) != 5:
        raise ValueError(f"{value!r} is not HH:MM")
    return parsed.strftime("%H:%M")


class SeedCategory(_Strict):
    code: str
    name: str
    items: list[str]


class SeedWindow(_Strict):
    number: int
    name: str
    categories: list[str]


class SeedSession(_Strict):
    kind: SessionKind
    days: Literal["workday", "restday"]
    weekdays: list[int] = []
    start: str
    end: str
    slot_minutes: int = 30
    capacity: int = 5
    items: list[str] = []

    _times = field_validator("start", "end")(_hhmm)

    @model_validator(mode="after")
    def _shape(self) -> SeedSession:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        if not 5 <= self.slot_minutes <= 240 or not 1 <= self.capacity <= 500:
            raise ValueError("slot_minutes 5-240 and capacity 1-500")
        if any(not 1 <= d <= 7 for d in self.weekdays):
            raise ValueError("weekdays are ISO 1-7")
        return self


class SeedHall(_Strict):
    code: str
    name: str
    region_code: str
    address: str = ""
    phone: str = ""
    rules: dict[str, int | str] = {}
    categories: list[SeedCategory]
    windows: list[SeedWindow]
    sessions: list[SeedSession]


class SeedSite(_Strict):
    name: str
    halls: list[str]


class HallSeed(_Strict):
    halls: list[SeedHall]
    sites: list[SeedSite] = []


def load_hall_seed(catalogue_codes: set[str] | None = None) -> HallSeed:
    """central/seed/halls.toml, validated (against `catalogue_codes` when given)."""
    raw = tomllib.loads((files("central") / "seed" / "halls.toml").read_text(encoding="utf-8"))
    try:
        data = HallSeed.model_validate(raw)
    except ValidationError as err:
        raise HallSeedError(f"halls.toml: {err}") from err
    codes = {h.code for h in data.halls}
    for hall in data.halls:
        cats = {c.code for c in hall.categories}
        items = [i for c in hall.categories for i in c.items]
        if len(set(items)) != len(items):
            raise HallSeedError(f"halls.toml {hall.code}: an item is in two categories")
        if catalogue_codes is not None and not set(items) <= catalogue_codes:
            raise HallSeedError(f"halls.toml {hall.code}: items not in the catalogue")
        if any(not set(w.categories) <= cats for w in hall.windows):
            raise HallSeedError(f"halls.toml {hall.code}: a window names an unknown category")
        if any(not set(s.items) <= set(items) for s in hall.sessions):
            raise HallSeedError(f"halls.toml {hall.code}: a session names an item of no category")
        unknown_rules = set(hall.rules) - set(_halls.c.keys())
        if unknown_rules:
            raise HallSeedError(f"halls.toml {hall.code}: unknown rules {sorted(unknown_rules)}")
    for site in data.sites:
        if not set(site.halls) <= codes:
            raise HallSeedError(f"halls.toml site {site.name}: unknown hall")
    return data


def _defaults() -> dict[str, Any]:
    """The rules' defaults of the Hall model (a seeded hall may override any)."""
    out: dict[str, Any] = {}
    for column in _halls.columns:
        arg = getattr(column.default, "arg", None)
        if arg is not None and not callable(arg):
            out[column.name] = arg
    return out


def seed_halls(conn: Connection, count: Callable[[str], None]) -> None:
    """Add the seeded halls and sites that are missing (the caller commits)."""
    catalogue = set(
        conn.scalars(select(_items.c.code).where(_items.c.version_id == LATEST_VERSION_ID))
    )
    data = load_hall_seed(catalogue or None)
    have = set(conn.scalars(select(_halls.c.code)))
    for hall in data.halls:
        if hall.code in have:
            continue
        values: dict[str, Any] = {**_defaults(), **hall.rules}
        values.update(
            code=hall.code,
            name=hall.name,
            region_code=hall.region_code,
            address=hall.address,
            phone=hall.phone,
        )
        conn.execute(insert(_halls).values(**values))
        for position, cat in enumerate(hall.categories):
            conn.execute(
                insert(_categories).values(
                    hall_code=hall.code,
                    code=cat.code,
                    name=cat.name,
                    items=cat.items,
                    position=position,
                )
            )
        for window in hall.windows:
            conn.execute(
                insert(_windows).values(
                    hall_code=hall.code,
                    number=window.number,
                    name=window.name,
                    categories=window.categories,
                )
            )
        for s in hall.sessions:
            conn.execute(insert(_sessions).values(hall_code=hall.code, **s.model_dump()))
        count("halls")
    sites = {
        (r.site_name, r.hall_code)
        for r in conn.execute(select(_sites.c.site_name, _sites.c.hall_code))
    }
    for site in data.sites:
        for position, code in enumerate(site.halls):
            if (site.name, code) not in sites:
                conn.execute(
                    insert(_sites).values(site_name=site.name, hall_code=code, position=position)
                )
                count("hall sites")


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionPlan:
    kind: SessionKind
    days: str
    weekdays: tuple[int, ...]
    start: time
    end: time
    slot_minutes: int
    capacity: int
    items: tuple[str, ...]

    def serves(self, item: str, day: date, calendar_kind: str) -> bool:
        """Whether this session is open for `item` on a day of `calendar_kind`."""
        return not (self.items and item not in self.items) and self.open_on(day, calendar_kind)

    def open_on(self, day: date, calendar_kind: str) -> bool:
        """Whether this session is held on a day of `calendar_kind` (for any of its items)."""
        if self.days == "workday":
            return calendar_kind in ("workday", "make_up_workday")
        if calendar_kind not in ("weekend", "holiday"):
            return False
        return not self.weekdays or day.isoweekday() in self.weekdays

    def slot_starts(self) -> list[time]:
        out, minutes = [], self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        while minutes + self.slot_minutes <= end:
            out.append(time(minutes // 60, minutes % 60))
            minutes += self.slot_minutes
        return out


@dataclass(frozen=True)
class HallPlan:
    """One hall as booking needs it: rules, categories, items, windows, sessions."""

    row: Any  # the halls row (rules are its columns)
    categories: list[tuple[str, str, list[str]]]  # (code, name, items)
    windows: list[tuple[int, str, list[str]]]
    sessions: list[SessionPlan]
    item_names: dict[str, str]

    @property
    def code(self) -> str:
        return str(self.row.code)

    @property
    def name(self) -> str:
        return str(self.row.name)

    def category_of(self, item: str) -> str | None:
        return next((code for code, _n, items in self.categories if item in items), None)

    def sessions_on(self, item: str, day: date, calendar_kind: str) -> list[SessionPlan]:
        return [s for s in self.sessions if s.serves(item, day, calendar_kind)]

    def public(self) -> dict[str, Any]:
        """The hall as `hall list` and GET /halls/mine show it."""
        items = []
        for code, _name, cat_items in self.categories:
            for item in cat_items:
                kinds = [
                    k
                    for k in SESSION_KINDS
                    if any(s.kind == k and (not s.items or item in s.items) for s in self.sessions)
                ]
                items.append(
                    {
                        "code": item,
                        "name": self.item_names.get(item, item),
                        "category": code,
                        "sessions": kinds,
                    }
                )
        return {
            "code": self.code,
            "name": self.name,
            "region_code": self.row.region_code,
            "address": self.row.address,
            "phone": self.row.phone,
            "items": items,
            "categories": [{"code": c, "name": n} for c, n, _i in self.categories],
            "windows": [
                {"number": n, "name": w, "categories": cats} for n, w, cats in self.windows
            ],
        }

    def rules(self) -> dict[str, int]:
        r = self.row
        return {
            "min_advance_hours": r.min_advance_hours,
            "max_workdays_ahead": r.max_workdays_ahead,
            "cancel_before_minutes": r.cancel_before_minutes,
            "checkin_early_minutes": r.checkin_early_minutes,
            "checkin_late_minutes": r.checkin_late_minutes,
        }


def load_hall(conn: Connection, code: str) -> HallPlan | None:
    row = conn.execute(select(_halls).where(_halls.c.code == code)).first()
    if row is None:
        return None
    cats = conn.execute(
        select(_categories.c.code, _categories.c.name, _categories.c["items"].label("codes"))
        .where(_categories.c.hall_code == code)
        .order_by(_categories.c.position)
    ).all()
    windows = conn.execute(
        select(_windows.c.number, _windows.c.name, _windows.c.categories)
        .where(_windows.c.hall_code == code)
        .order_by(_windows.c.number)
    ).all()
    sessions = [
        SessionPlan(
            s.kind,
            s.days,
            tuple(s.weekdays),
            time.fromisoformat(s.start),
            time.fromisoformat(s.end),
            s.slot_minutes,
            s.capacity,
            tuple(s._mapping["items"]),
        )
        for s in conn.execute(
            select(_sessions).where(_sessions.c.hall_code == code).order_by(_sessions.c.start)
        )
    ]
    all_items = [i for c in cats for i in c.codes]
    names = (
        {
            r.code: r.name
            for r in conn.execute(
                select(_items.c.code, _items.c.name).where(
                    _items.c.version_id == LATEST_VERSION_ID, _items.c.code.in_(all_items)
                )
            )
        }
        if all_items
        else {}
    )
    return HallPlan(
        row,
        [(c.code, c.name, list(c.codes)) for c in cats],
        [(w.number, w.name, list(w.categories)) for w in windows],
        sessions,
        names,
    )


def hall_codes(conn: Connection) -> list[str]:
    return list(conn.scalars(select(_halls.c.code).order_by(_halls.c.code)))


def all_halls(conn: Connection) -> list[HallPlan]:
    return [plan for code in hall_codes(conn) if (plan := load_hall(conn, code)) is not None]


def terminal_halls(conn: Connection, hall_name: str) -> list[str]:
    """The halls a terminal enrolled as `hall_name` books at: the hall of that name first,
    then the halls of its site, in order."""
    own = list(conn.scalars(select(_halls.c.code).where(_halls.c.name == hall_name)))
    site = conn.scalars(
        select(_sites.c.hall_code)
        .where(_sites.c.site_name == hall_name)
        .order_by(_sites.c.position)
    )
    return own + [code for code in site if code not in own]


def hall_today(now: datetime) -> date:
    """The hall's date at naive-UTC `now` (Beijing)."""
    from central.timeutil import to_beijing

    return to_beijing(now).date()
