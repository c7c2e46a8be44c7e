"""Version pins (docs/fleet.md §4): a terminal or a hall held at a version. A rollout of any
other version skips it (its target is `skipped` with reason `pinned`); a terminal's own pin
wins over its hall's."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert, select

from central.audit import record
from central.models import Terminal
from central.models_fleet import Release, VersionPin
from central.models_hall import Hall
from central.timeutil import to_beijing
from central.updates.errors import UpdatesError

SCOPES = ("terminal", "hall")
_pins = cast(Table, VersionPin.__table__)
_releases = cast(Table, Release.__table__)
_terminals = cast(Table, Terminal.__table__)
_halls = cast(Table, Hall.__table__)


def _check_scope(conn: Connection, scope: str, key: str) -> None:
    if scope == "terminal":
        found = conn.execute(
            select(_terminals.c.terminal_id).where(_terminals.c.terminal_id == key)
        ).first()
        if found is None:
            raise UpdatesError("unknown_terminal", f"no terminal {key}")
    elif scope == "hall":
        if conn.execute(select(_halls.c.code).where(_halls.c.code == key)).first() is None:
            raise UpdatesError("unknown_hall", f"no hall {key}")
    else:
        raise UpdatesError("bad_scope", f"scope must be one of {', '.join(SCOPES)}")


def set_pin(
    conn: Connection, scope: str, key: str, version: str, actor: str, now: datetime
) -> dict[str, Any]:
    """Hold `scope`/`key` at `version` (a published release), replacing its pin."""
    _check_scope(conn, scope, key)
    if (
        conn.execute(select(_releases.c.version).where(_releases.c.version == version)).first()
        is None
    ):
        raise UpdatesError("unknown_release", f"version {version} is not published")
    conn.execute(delete(_pins).where(_pins.c.scope == scope, _pins.c.scope_key == key))
    conn.execute(
        insert(_pins).values(
            scope=scope, scope_key=key, version=version, created_by=actor[:40], created_at=now
        )
    )
    record(conn, actor, "pin_set", f"{scope}:{key}", {"version": version}, now)
    return {"scope": scope, "key": key, "version": version}


def clear_pin(conn: Connection, scope: str, key: str, actor: str, now: datetime) -> bool:
    """Remove the pin of `scope`/`key`; whether there was one."""
    if scope not in SCOPES:
        raise UpdatesError("bad_scope", f"scope must be one of {', '.join(SCOPES)}")
    gone = conn.execute(delete(_pins).where(_pins.c.scope == scope, _pins.c.scope_key == key))
    if gone.rowcount:
        record(conn, actor, "pin_clear", f"{scope}:{key}", {}, now)
    return bool(gone.rowcount)


def list_pins(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(_pins).order_by(_pins.c.scope, _pins.c.scope_key))
    return [
        {
            "scope": r.scope,
            "key": r.scope_key,
            "version": r.version,
            "created_by": r.created_by,
            "created_at": to_beijing(r.created_at).isoformat(),
        }
        for r in rows
    ]


def pinned_version(conn: Connection, terminal_id: str, hall_code: str | None) -> str | None:
    """The version `terminal_id` is held at (its own pin, else its hall's), or None."""
    keys = [("terminal", terminal_id)] + ([("hall", hall_code)] if hall_code else [])
    found = {
        (r.scope, r.scope_key): r.version
        for r in conn.execute(
            select(_pins.c.scope, _pins.c.scope_key, _pins.c.version).where(
                _pins.c.scope_key.in_([k for _s, k in keys])
            )
        )
    }
    for key in keys:
        if key in found:
            return found[key]
    return None


def pinned_map(conn: Connection) -> dict[tuple[str, str], str]:
    """Every pin, by (scope, key): for assigning a rollout's terminals in one read."""
    return {(r.scope, r.scope_key): r.version for r in conn.execute(select(_pins))}
