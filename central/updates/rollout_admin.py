"""Starting, pausing, resuming and aborting rollouts (the CLI's and the console's actions;
each writes the audit log in the same transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from packaging.version import Version
from sqlalchemy import Connection, Table, insert, select, update

from central.audit import record
from central.models import Terminal
from central.models_fleet import Release, Rollout, RolloutTarget, TerminalHealth
from central.models_hall import Hall
from central.updates.errors import UpdatesError
from central.updates.pins import pinned_map
from central.updates.waves import ACTIVE, assign, parse_waves, settle, wave_counts

_rollouts = cast(Table, Rollout.__table__)
_targets = cast(Table, RolloutTarget.__table__)
_releases = cast(Table, Release.__table__)
_terminals = cast(Table, Terminal.__table__)
_health = cast(Table, TerminalHealth.__table__)
_halls = cast(Table, Hall.__table__)


def region_prefix(code: str) -> str:
    """140500 (a city) covers 1405xx; 140000 (a province) covers 14xxxx."""
    prefix = code
    while prefix.endswith("00") and len(prefix) > 2:
        prefix = prefix[:-2]
    return prefix


def _older(version: str, than: str) -> bool:
    try:
        return Version(version) < Version(than)
    except ValueError:
        return True  # an unparsable running version (a dev build) is offered the release


def _in_scope(conn: Connection, scope: dict[str, str]) -> list[tuple[str, str | None]]:
    """(terminal id, hall code) of the active terminals the scope covers."""
    halls = {r.name: r.code for r in conn.execute(select(_halls.c.name, _halls.c.code))}
    query = select(_terminals.c.terminal_id, _terminals.c.hall_name).where(
        _terminals.c.revoked.is_(False), _terminals.c.terminal_id.is_not(None)
    )
    if scope.get("region"):
        query = query.where(_terminals.c.region_code.startswith(region_prefix(scope["region"])))
    out = []
    for row in conn.execute(query):
        hall = halls.get(row.hall_name)
        if scope.get("hall") and hall != scope["hall"]:
            continue
        out.append((str(row.terminal_id), hall))
    return out


def start_rollout(
    conn: Connection,
    version: str,
    waves: list[int] | str,
    threshold: float,
    scope: dict[str, Any],
    actor: str,
    now: datetime,
) -> int:
    """A running rollout of `version` over the terminals in `scope` ({} all, or "region"
    and/or "hall"); its first wave open. Older rollouts' terminals it covers that were not
    yet installing are taken over (skipped there with reason `superseded`)."""
    waves = parse_waves(waves)
    if not 0 <= threshold < 1:
        raise UpdatesError("bad_threshold", "the threshold is a fraction from 0 to below 1")
    scope = {k: str(v) for k, v in scope.items() if v}
    if set(scope) - {"region", "hall"}:
        raise UpdatesError("bad_scope", "a scope has only region and hall")
    if (
        conn.execute(select(_releases.c.version).where(_releases.c.version == version)).first()
        is None
    ):
        raise UpdatesError("unknown_release", f"version {version} is not published")
    if (
        "hall" in scope
        and conn.execute(select(_halls.c.code).where(_halls.c.code == scope["hall"])).first()
        is None
    ):
        raise UpdatesError("unknown_hall", f"no hall {scope['hall']}")
    rollout_id = int(
        conn.execute(
            insert(_rollouts)
            .values(
                version=version,
                state="running",
                pause_reason="",
                scope=scope,
                waves=waves,
                error_threshold=threshold,
                current_wave=1,
                created_by=actor[:40],
                created_at=now,
                updated_at=now,
            )
            .returning(_rollouts.c.id)
        ).scalar_one()
    )
    members = _in_scope(conn, scope)
    ids = [t for t, _h in members]
    superseded = _supersede(conn, rollout_id, ids, now)
    pins = pinned_map(conn)
    running = {
        str(r.terminal_id): str(r.software_version)
        for r in conn.execute(select(_health.c.terminal_id, _health.c.software_version))
    }
    rows = []
    for (terminal_id, hall), wave in zip(members, _waves_of(rollout_id, ids, waves), strict=True):
        pin = pins.get(("terminal", terminal_id)) or (pins.get(("hall", hall)) if hall else None)
        state, reason = "waiting", ""
        if pin is not None and pin != version:
            state, reason = "skipped", "pinned"
        elif terminal_id in running and not _older(running[terminal_id], version):
            state, reason = "skipped", "up_to_date"
        rows.append(
            {
                "rollout_id": rollout_id,
                "terminal_id": terminal_id,
                "wave": wave,
                "state": state,
                "from_version": running.get(terminal_id, ""),
                "reason": reason,
                "updated_at": now,
            }
        )
    if rows:
        conn.execute(insert(_targets), rows)
    record(
        conn,
        actor,
        "rollout_start",
        str(rollout_id),
        {
            "version": version,
            "waves": waves,
            "threshold": threshold,
            "scope": scope,
            "terminals": len(rows),
        },
        now,
    )
    for old in superseded:
        settle(conn, old, now)
    settle(conn, rollout_id, now)  # an empty first wave opens the next at once
    return rollout_id


def _waves_of(rollout_id: int, ids: list[str], waves: list[int]) -> list[int]:
    waves_by_id = assign(rollout_id, ids, waves)
    return [waves_by_id[t] for t in ids]


def _supersede(conn: Connection, rollout_id: int, ids: list[str], now: datetime) -> set[int]:
    """Older rollouts' targets among `ids` not yet installing: skipped (`superseded`)."""
    if not ids:
        return set()
    older: set[int] = set()
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        where = (
            _targets.c.terminal_id.in_(part),
            _targets.c.rollout_id != rollout_id,
            _targets.c.state.in_(("waiting", "offered")),
        )
        older |= set(conn.scalars(select(_targets.c.rollout_id).where(*where).distinct()))
        conn.execute(
            update(_targets)
            .where(*where)
            .values(state="skipped", reason=f"superseded:{rollout_id}", updated_at=now)
        )
    return older


def _load(conn: Connection, rollout_id: int) -> Any:
    row = conn.execute(
        select(_rollouts).where(_rollouts.c.id == rollout_id).with_for_update()
    ).first()
    if row is None:
        raise UpdatesError("unknown_rollout", f"no rollout {rollout_id}")
    return row


def _change(conn: Connection, rollout_id: int, now: datetime, **values: Any) -> None:
    conn.execute(
        update(_rollouts).where(_rollouts.c.id == rollout_id).values(updated_at=now, **values)
    )


def pause(conn: Connection, rollout_id: int, actor: str, reason: str, now: datetime) -> None:
    """Stop offering (terminals already installing finish and are still counted)."""
    row = _load(conn, rollout_id)
    if row.state != "running":
        raise UpdatesError("not_running", f"rollout {rollout_id} is {row.state}")
    text = (reason or f"paused by {actor}")[:200]
    _change(conn, rollout_id, now, state="paused", pause_reason=text)
    record(conn, actor, "rollout_pause", str(rollout_id), {"reason": text}, now)


def resume(conn: Connection, rollout_id: int, actor: str, now: datetime) -> None:
    """Running again; a wave that finished while paused (or paused it) lets the next open."""
    row = _load(conn, rollout_id)
    if row.state != "paused":
        raise UpdatesError("not_paused", f"rollout {rollout_id} is {row.state}")
    _change(conn, rollout_id, now, state="running", pause_reason="")
    record(conn, actor, "rollout_resume", str(rollout_id), {"was": row.pause_reason}, now)
    _continue_after_pause(conn, rollout_id, int(row.current_wave), now)


def _continue_after_pause(conn: Connection, rollout_id: int, wave: int, now: datetime) -> None:
    """A wave that paused the rollout by its failures is finished: resuming accepts it and
    opens the next; otherwise settle as usual."""
    counts = wave_counts(conn, rollout_id, wave)
    finished = not any(counts.get(s, 0) for s in ACTIVE)
    row = _load(conn, rollout_id)
    if finished and counts.get("failed", 0) > row.error_threshold * sum(counts.values()):
        if wave >= len(row.waves):
            _change(conn, rollout_id, now, state="completed")
            return
        _change(conn, rollout_id, now, current_wave=wave + 1)
    settle(conn, rollout_id, now)


def abort(conn: Connection, rollout_id: int, actor: str, now: datetime) -> None:
    """No more offers, ever: targets not yet installing are skipped (`aborted`)."""
    row = _load(conn, rollout_id)
    if row.state in ("aborted", "completed"):
        raise UpdatesError("finished", f"rollout {rollout_id} is {row.state}")
    _change(conn, rollout_id, now, state="aborted")
    conn.execute(
        update(_targets)
        .where(_targets.c.rollout_id == rollout_id, _targets.c.state.in_(("waiting", "offered")))
        .values(state="skipped", reason="aborted", updated_at=now)
    )
    record(conn, actor, "rollout_abort", str(rollout_id), {}, now)
