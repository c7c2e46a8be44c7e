"""A rollout's waves: who is in which, and what happens when a wave is finished.

Waves are cumulative percentages of the terminals in scope (the first is the canary). The
terminals are ordered by a hash of (rollout id, terminal id): stable for one rollout, a
different canary for the next. A wave is finished when each of its terminals committed,
failed or was skipped; if more than `error_threshold` x its size failed, the rollout pauses
itself with the reason, else the next wave opens (or the rollout is completed).

Whichever worker takes the heartbeat that finishes a wave does this, holding the rollout's
row lock (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers, and the heartbeat
takes its write lock first): the wave is counted under the lock, and the next one is opened
only from the wave that was counted (`current_wave = w` in the UPDATE), so two workers can
never open one wave twice or skip one.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, func, select, update

from central.audit import record
from central.models_fleet import Rollout, RolloutTarget
from central.updates.errors import UpdatesError

ACTIVE = ("waiting", "offered", "installing", "trial")
FINAL = ("committed", "failed", "skipped")
_rollouts = cast(Table, Rollout.__table__)
_targets = cast(Table, RolloutTarget.__table__)


def parse_waves(text: str | list[int]) -> list[int]:
    """Cumulative percentages, rising, ending at 100 (`bad_waves` otherwise)."""
    try:
        waves = [int(p) for p in (text.split(",") if isinstance(text, str) else text)]
    except ValueError as err:
        raise UpdatesError("bad_waves", f"waves are percentages like 5,30,100: {text!r}") from err
    if (
        not waves
        or waves[-1] != 100
        or any(not 0 < p <= 100 for p in waves)
        or any(b <= a for a, b in zip(waves, waves[1:], strict=False))
    ):
        raise UpdatesError(
            "bad_waves", "waves must rise from above 0 to exactly 100, e.g. 5,30,100"
        )
    if len(waves) > 20:
        raise UpdatesError("bad_waves", "at most 20 waves")
    return waves


def order_key(rollout_id: int, terminal_id: str) -> str:
    return hashlib.sha256(f"{rollout_id}:{terminal_id}".encode()).hexdigest()


def assign(rollout_id: int, terminal_ids: list[str], waves: list[int]) -> dict[str, int]:
    """Each terminal's wave (1-based): the first ceil(n x p / 100) of the hash order for
    each cumulative percentage p."""
    ordered = sorted(terminal_ids, key=lambda t: order_key(rollout_id, t))
    out: dict[str, int] = {}
    start = 0
    for number, percent in enumerate(waves, start=1):
        cut = math.ceil(len(ordered) * percent / 100)
        for terminal_id in ordered[start:cut]:
            out[terminal_id] = number
        start = max(start, cut)
    return out


def lock_rollout(conn: Connection, rollout_id: int) -> Any:
    """The rollout's row, locked until the transaction ends (FOR UPDATE: PostgreSQL)."""
    return conn.execute(
        select(_rollouts).where(_rollouts.c.id == rollout_id).with_for_update()
    ).first()


def wave_counts(conn: Connection, rollout_id: int, wave: int) -> dict[str, int]:
    rows = conn.execute(
        select(_targets.c.state, func.count())
        .where(_targets.c.rollout_id == rollout_id, _targets.c.wave == wave)
        .group_by(_targets.c.state)
    )
    return {state: int(count) for state, count in rows}


def settle(conn: Connection, rollout_id: int, now: datetime) -> None:
    """Under the rollout's lock: while its current wave is finished, pause it (too many
    failures), open the next wave, or complete it. Nothing while it is not running."""
    row = lock_rollout(conn, rollout_id)
    if row is None or row.state != "running":
        return
    wave = int(row.current_wave)
    waves = list(row.waves)
    while True:
        counts = wave_counts(conn, rollout_id, wave)
        if any(counts.get(s, 0) for s in ACTIVE):
            return
        size = sum(counts.values())
        failed = counts.get("failed", 0)
        if size and failed > row.error_threshold * size:
            reason = (
                f"wave {wave}: {failed} of {size} terminals failed, over the threshold "
                f"{row.error_threshold:g}"
            )
            _set(conn, rollout_id, wave, now, state="paused", pause_reason=reason[:200])
            record(conn, "central", "rollout_auto_pause", str(rollout_id), {"reason": reason}, now)
            return
        if wave >= len(waves):
            _set(conn, rollout_id, wave, now, state="completed")
            return
        if not _set(conn, rollout_id, wave, now, current_wave=wave + 1):
            return
        wave += 1


def _set(conn: Connection, rollout_id: int, wave: int, now: datetime, **values: Any) -> bool:
    """Change the rollout only if its current wave is still `wave` (what was counted)."""
    done = conn.execute(
        update(_rollouts)
        .where(_rollouts.c.id == rollout_id, _rollouts.c.current_wave == wave)
        .values(updated_at=now, **values)
    )
    return bool(done.rowcount)
