"""The fleet as operators see it (docs/fleet.md §1–§2): every terminal with its latest
health (`fleet list`, the console's overview) and one terminal in detail (`fleet show`,
the console's terminal page). Reads only; the heartbeat writes (central.fleet_health).

A terminal is `online` when its last heartbeat is younger than ONLINE_WITHIN. Revoked
terminals are left out: they can no longer report. Terminals that never sent a heartbeat
are listed with `last_seen` null.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, select

from central.fleet_commands import commands_for, halls_t
from central.fleet_health import health_t, history_t
from central.models import Terminal
from central.models_hall import HallSite
from central.timeutil import to_beijing

ONLINE_WITHIN = timedelta(seconds=180)

terminals_t = cast(Table, Terminal.__table__)
sites_t = cast(Table, HallSite.__table__)

_ROWS = (
    select(
        terminals_t.c.terminal_id,
        terminals_t.c.hall_name,
        terminals_t.c.region_code,
        terminals_t.c.profile,
        health_t.c.received_at,
        health_t.c.software_version,
        health_t.c.config_version,
        health_t.c.maintenance,
        health_t.c.body,
    )
    .select_from(terminals_t)
    .outerjoin(health_t, health_t.c.terminal_id == terminals_t.c.terminal_id)
    .where(terminals_t.c.revoked.is_(False), terminals_t.c.terminal_id.is_not(None))
    .order_by(terminals_t.c.id)
)


class HallIndex:
    """hall_name → (hall code, phone), as central.halls.terminal_halls finds a terminal's
    hall (its own hall of that name, else the first hall of its site), loaded once for a
    whole list instead of once per terminal."""

    def __init__(self, conn: Connection) -> None:
        halls = conn.execute(select(halls_t.c.code, halls_t.c.name, halls_t.c.phone)).all()
        self.by_code = {h.code: h for h in halls}
        self.own = {h.name: h.code for h in halls}
        self.site: dict[str, str] = {}
        sites = conn.execute(
            select(sites_t.c.site_name, sites_t.c.hall_code).order_by(sites_t.c.position)
        )
        for name, code in sites:
            self.site.setdefault(name, code)

    def code_of(self, hall_name: str) -> str | None:
        return self.own.get(hall_name) or self.site.get(hall_name)

    def phone_of(self, hall_name: str) -> str:
        code = self.code_of(hall_name)
        return (self.by_code[code].phone or "") if code in self.by_code else ""


def _row(row: Any, halls: HallIndex, now: datetime) -> dict[str, Any]:
    body: dict[str, Any] = row.body or {}
    seen = row.received_at
    return {
        "terminal_id": row.terminal_id,
        "hall": row.hall_name,
        "hall_code": halls.code_of(row.hall_name),
        "region": row.region_code,
        "profile": row.profile,
        "last_seen": to_beijing(seen).isoformat() if seen is not None else None,
        "online": seen is not None and now - seen < ONLINE_WITHIN,
        "version": row.software_version,
        "config_version": row.config_version,
        "maintenance": bool(row.maintenance),
        "devices": body.get("devices", {}),
        "outbox": body.get("outbox"),
        "update": body.get("update"),
    }


def fleet_list(conn: Connection, now: datetime) -> list[dict[str, Any]]:
    """Every enrolled terminal (by enrollment order) with its latest health: the `fleet
    list --json` rows. `now` is naive UTC."""
    halls = HallIndex(conn)
    return [_row(r, halls, now) for r in conn.execute(_ROWS)]


def terminal_detail(
    conn: Connection, terminal_id: str, now: datetime, history: int = 100
) -> dict[str, Any] | None:
    """One terminal: its `fleet list` row plus `hall_phone`, `health` (the latest heartbeat
    as received, or null), `history` (newest first, at most `history` rows: `received_at`,
    `digest`, `body`) and `commands` (central.fleet_commands.commands_for). None when no
    such terminal is enrolled (or it was revoked)."""
    row = conn.execute(_ROWS.where(terminals_t.c.terminal_id == terminal_id)).first()
    if row is None:
        return None
    halls = HallIndex(conn)
    detail = _row(row, halls, now)
    detail["hall_phone"] = halls.phone_of(row.hall_name)
    detail["health"] = row.body
    rows = conn.execute(
        select(history_t.c.received_at, history_t.c.digest, history_t.c.body)
        .where(history_t.c.terminal_id == terminal_id)
        .order_by(history_t.c.received_at.desc(), history_t.c.id.desc())
        .limit(history)
    )
    detail["history"] = [
        {"received_at": to_beijing(h.received_at).isoformat(), "digest": h.digest, "body": h.body}
        for h in rows
    ]
    detail["commands"] = commands_for(conn, terminal_id)
    return detail
