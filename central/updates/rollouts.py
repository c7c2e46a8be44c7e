"""Rollouts on the heartbeat (docs/fleet.md §1, §4): what a terminal reports about its
update is recorded against the rollout it belongs to, a finished wave opens the next one
(or pauses the rollout), and the answer offers the version when the terminal's wave is
open, the rollout runs, the version is newer than what it runs, it is not pinned to
another, not in a citizen's session, and its hall is inside an update window (§5).

Cheap for the common case: a terminal with no unfinished rollout target costs one indexed
query (rollout_targets by terminal), and the window (calendar, sessions) is read only when
an offer is about to be made. Start, pause, resume and abort live in
central.updates.rollout_admin and are re-exported here (the hooks' module).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from packaging.version import InvalidVersion, Version
from sqlalchemy import Connection, Table, func, select, update

from central.fleet_schemas import HeartbeatIn, UpdateOffer
from central.models_fleet import Rollout, RolloutTarget
from central.settings import default_demo
from central.signing import SignedBy
from central.timeutil import to_beijing
from central.updates.bundle import target_name
from central.updates.errors import UpdatesError
from central.updates.pins import pinned_version
from central.updates.rollout_admin import abort, pause, resume, start_rollout
from central.updates.waves import ACTIVE, settle
from central.updates.windows import decision_now, hall_code_of, is_window

__all__ = [
    "abort",
    "list_rollouts",
    "on_heartbeat",
    "pause",
    "resume",
    "rollout_status",
    "start_rollout",
]

_rollouts = cast(Table, Rollout.__table__)
_targets = cast(Table, RolloutTarget.__table__)
# A refusal that says "not now" rather than "this version does not work here".
TRANSIENT = frozenset({"in_session", "unreachable"})

_ACTIVE_TARGETS = (
    select(
        _targets.c.rollout_id,
        _targets.c.wave,
        _targets.c.state,
        _rollouts.c.version,
        _rollouts.c.state.label("rollout_state"),
        _rollouts.c.current_wave,
    )
    .join(_rollouts, _rollouts.c.id == _targets.c.rollout_id)
    .where(_targets.c.state.in_(ACTIVE))
    .order_by(_targets.c.rollout_id.desc())
)


def _newer(candidate: str, running: str) -> bool:
    try:
        return Version(candidate) > Version(running)
    except InvalidVersion:
        return candidate != running.split("+", 1)[0]


def _same(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def reported_state(beat: HeartbeatIn, version: str, state: str) -> tuple[str, str] | None:
    """The target's new (state, reason) from what the terminal reports, or None."""
    report = beat.update
    about = report.target_version or report.version
    if report.state in ("idle", "committed") and _same(beat.software_version, version):
        return ("committed", "") if state != "committed" else None
    if not _same(about, version):
        if state == "trial" and report.state == "idle":
            # Back on another version without a verdict (a rollback it could not report).
            return "failed", report.reason or "lost"
        if state == "installing" and report.state == "idle":
            return "offered", ""  # the download or install was lost: offer it again
        return None
    new: tuple[str, str] | None = None
    if report.state in ("downloading", "installing"):
        new = ("installing", "")
    elif report.state == "trial":
        new = ("trial", "")
    elif report.state == "committed":
        new = ("committed", "")
    elif report.state in ("rolled_back", "failed"):
        new = ("failed", report.reason or report.state)
    elif report.state == "refused" and report.reason not in TRANSIENT:
        new = ("failed", report.reason or "refused")
    if new is None or new[0] == state:
        return None
    return new


def on_heartbeat(
    conn: Connection,
    terminal: SignedBy,
    beat: HeartbeatIn,
    now: datetime,
    *,
    demo: bool | None = None,
) -> UpdateOffer | None:
    """Record `beat.update`, move the waves on, and decide this heartbeat's offer. Runs in
    the heartbeat's transaction (which holds SQLite's write lock from its start). `demo`:
    whether the demo's fleet clock counts (default: central.settings.default_demo)."""
    rows = conn.execute(_ACTIVE_TARGETS.where(_targets.c.terminal_id == terminal.terminal_id)).all()
    if not rows:
        return None
    offer_row = None
    for row in rows:
        change = reported_state(beat, row.version, row.state)
        state = row.state
        if change is not None:
            state, reason = change
            conn.execute(
                update(_targets)
                .where(
                    _targets.c.rollout_id == row.rollout_id,
                    _targets.c.terminal_id == terminal.terminal_id,
                )
                .values(state=state, reason=reason[:200], updated_at=now)
            )
            if state in ("committed", "failed"):
                settle(conn, row.rollout_id, now)
        if offer_row is None and state in ("waiting", "offered"):
            offer_row = row
    if offer_row is None:
        return None
    return _offer(conn, terminal, beat, now, offer_row, demo)


def _offer(
    conn: Connection,
    terminal: SignedBy,
    beat: HeartbeatIn,
    now: datetime,
    row: Any,
    demo: bool | None,
) -> UpdateOffer | None:
    current = conn.execute(
        select(_rollouts.c.state, _rollouts.c.current_wave).where(_rollouts.c.id == row.rollout_id)
    ).first()  # the wave may have opened during this heartbeat (settle above)
    if current is None or current.state != "running" or row.wave > current.current_wave:
        return None
    if beat.session_active or not _newer(row.version, beat.software_version):
        return None
    hall = hall_code_of(conn, terminal.hall_name)
    pin = pinned_version(conn, terminal.terminal_id, hall)
    where = (
        _targets.c.rollout_id == row.rollout_id,
        _targets.c.terminal_id == terminal.terminal_id,
    )
    if pin is not None and pin != row.version:
        conn.execute(
            update(_targets).where(*where).values(state="skipped", reason="pinned", updated_at=now)
        )
        settle(conn, row.rollout_id, now)
        return None
    if demo is None:
        demo = default_demo(conn.engine.url.render_as_string(hide_password=True))
    if not is_window(conn, hall, decision_now(conn, now, demo)):
        return None
    if row.state == "waiting":
        conn.execute(
            update(_targets)
            .where(*where)
            .values(state="offered", from_version=beat.software_version, updated_at=now)
        )
    return UpdateOffer(
        version=row.version, target=target_name(row.version), rollout_id=row.rollout_id
    )


def rollout_status(conn: Connection, rollout_id: int) -> dict[str, Any]:
    """The `rollout status --json` document."""
    row = conn.execute(select(_rollouts).where(_rollouts.c.id == rollout_id)).first()
    if row is None:
        raise UpdatesError("unknown_rollout", f"no rollout {rollout_id}")
    counts: dict[int, dict[str, int]] = {}
    for wave, state, count in conn.execute(
        select(_targets.c.wave, _targets.c.state, func.count())
        .where(_targets.c.rollout_id == rollout_id)
        .group_by(_targets.c.wave, _targets.c.state)
    ):
        counts.setdefault(int(wave), {})[state] = int(count)
    waves = []
    for number, percent in enumerate(row.waves, start=1):
        c = counts.get(number, {})
        total = sum(c.values())
        waves.append(
            {
                "wave": number,
                "percent": percent,
                "terminals": total,
                "committed": c.get("committed", 0),
                "failed": c.get("failed", 0),
                "skipped": c.get("skipped", 0),
                "pending": total - c.get("committed", 0) - c.get("failed", 0) - c.get("skipped", 0),
            }
        )
    return {
        "id": row.id,
        "version": row.version,
        "state": row.state,
        "pause_reason": row.pause_reason,
        "current_wave": row.current_wave,
        "threshold": row.error_threshold,
        "scope": row.scope,
        "created_by": row.created_by,
        "created_at": to_beijing(row.created_at).isoformat(),
        "updated_at": to_beijing(row.updated_at).isoformat(),
        "waves": waves,
    }


def list_rollouts(conn: Connection) -> list[dict[str, Any]]:
    """Every rollout's status, newest first."""
    ids = conn.scalars(select(_rollouts.c.id).order_by(_rollouts.c.id.desc()))
    return [rollout_status(conn, rollout_id) for rollout_id in list(ids)]


def rollout_targets(conn: Connection, rollout_id: int) -> list[dict[str, Any]]:
    """Each terminal of a rollout: its wave, state, reason and the version it came from."""
    rows = conn.execute(
        select(_targets)
        .where(_targets.c.rollout_id == rollout_id)
        .order_by(_targets.c.wave, _targets.c.terminal_id)
    )
    return [
        {
            "terminal_id": r.terminal_id,
            "wave": r.wave,
            "state": r.state,
            "reason": r.reason,
            "from_version": r.from_version,
            "updated_at": to_beijing(r.updated_at).isoformat(),
        }
        for r in rows
    ]
