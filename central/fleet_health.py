"""A heartbeat's health: the latest per terminal and the bounded history (docs/fleet.md §1).

Built for the heartbeat's hot path (333 a second from 20,000 terminals): one statement in
the common case. The upsert of `terminal_health` decides by itself whether a history row is
due (the digest changed, or the last one is an hour old) from the row it replaces, and
answers with `history_at` and `commands_pending`; only then does the heartbeat touch the
history (a row, and the terminal's rows past the retention pruned) or the commands.
Statements are built once per dialect, like central.signing's.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, case, delete, insert, or_
from sqlalchemy.dialects import postgresql, sqlite

from central.fleet_schemas import HeartbeatIn
from central.models_fleet import TerminalHealth, TerminalHealthHistory

HISTORY_EVERY = timedelta(hours=1)
RETENTION = timedelta(days=14)
# One history append in this many also prunes every terminal's expired rows (a terminal
# that stopped sending prunes nothing itself).
PRUNE_ALL_EVERY = 4096
LOW_SUPPLIES = ("low", "out")

health_t = cast(Table, TerminalHealth.__table__)
history_t = cast(Table, TerminalHealthHistory.__table__)


def _upsert(dialect: Any) -> Any:
    stmt = dialect.insert(health_t)
    new = stmt.excluded
    due = or_(
        health_t.c.history_at.is_(None),
        health_t.c.digest != new.digest,
        health_t.c.history_at <= bindparam("history_due"),
    )
    columns = (
        "received_at",
        "software_version",
        "config_version",
        "maintenance",
        "session_active",
        "faults",
        "supplies_low",
        "outbox_depth",
        "update_state",
        "digest",
        "body",
    )
    return stmt.on_conflict_do_update(
        index_elements=[health_t.c.terminal_id],
        set_={
            **{name: getattr(new, name) for name in columns},
            "history_at": case((due, new.received_at), else_=health_t.c.history_at),
        },
    ).returning(health_t.c.history_at, health_t.c.commands_pending)


_UPSERT = {"postgresql": _upsert(postgresql), "sqlite": _upsert(sqlite)}
_APPEND = insert(history_t)
_PRUNE_TERMINAL = delete(history_t).where(
    history_t.c.terminal_id == bindparam("tid"), history_t.c.received_at < bindparam("cutoff")
)
_PRUNE_ALL = delete(history_t).where(history_t.c.received_at < bindparam("cutoff"))


def digest_of(body: dict[str, Any]) -> str:
    """What a history row is kept for: versions, each device's state and supplies,
    maintenance, update and config state. Counters that move on every heartbeat (uptime,
    disk, outbox depth) are left out, or every heartbeat would be a change."""
    kept = {key: body.get(key) for key in ("software_version", "config_version", "maintenance")}
    kept["devices"] = body.get("devices", {})
    kept["update"] = body.get("update")
    kept["config"] = body.get("config")
    canonical = json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def prune_everyone() -> bool:
    """Whether this append also prunes every terminal's expired rows (now and then)."""
    return secrets.randbelow(PRUNE_ALL_EVERY) == 0


@dataclass(frozen=True)
class Recorded:
    history_appended: bool
    commands_pending: bool


def record_health(conn: Connection, terminal_id: str, beat: HeartbeatIn, now: datetime) -> Recorded:
    """Replace the terminal's latest health with `beat` (received `now`, naive UTC) and
    append history when due. Runs inside the heartbeat's transaction."""
    body = beat.model_dump(mode="json", exclude={"acks"})
    digest = digest_of(body)
    devices = beat.devices.values()
    row = conn.execute(
        _UPSERT[conn.dialect.name],
        {
            "terminal_id": terminal_id,
            "received_at": now,
            "software_version": beat.software_version,
            "config_version": beat.config_version,
            "maintenance": beat.maintenance,
            "session_active": beat.session_active,
            "faults": sum(1 for d in devices if not d.ready),
            "supplies_low": any(s in LOW_SUPPLIES for d in devices for s in d.supplies.values()),
            "outbox_depth": beat.outbox.depth,
            "update_state": beat.update.state,
            "digest": digest,
            "body": body,
            "history_at": now,
            "commands_pending": True,  # a first heartbeat looks for commands once
            "history_due": now - HISTORY_EVERY,
        },
    ).one()
    appended = row.history_at == now
    if appended:
        conn.execute(
            _APPEND,
            {"terminal_id": terminal_id, "received_at": now, "digest": digest, "body": body},
        )
        cutoff = now - RETENTION
        if prune_everyone():
            conn.execute(_PRUNE_ALL, {"cutoff": cutoff})
        else:
            conn.execute(_PRUNE_TERMINAL, {"tid": terminal_id, "cutoff": cutoff})
    return Recorded(appended, bool(row.commands_pending))
