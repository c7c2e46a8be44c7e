"""INTERIM: the rollouts' table read standing in for central.updates.rollouts's
`rollout_status` / `list_rollouts` until that module lands (issue 13 is built in parallel).
central.console.sources uses the real functions as soon as they import; this module goes
away then."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Connection, Table, select

from central.models_fleet import Rollout, RolloutTarget

rollouts_t = cast(Table, Rollout.__table__)
targets_t = cast(Table, RolloutTarget.__table__)


def rollout_status(conn: Connection, rollout_id: int) -> dict[str, Any]:
    r = conn.execute(select(rollouts_t).where(rollouts_t.c.id == rollout_id)).first()
    if r is None:
        raise KeyError(rollout_id)
    targets = conn.execute(select(targets_t).where(targets_t.c.rollout_id == rollout_id)).all()
    waves = []
    for index, percent in enumerate(r.waves):
        mine = [t for t in targets if t.wave == index]
        waves.append(
            {
                "wave": index,
                "percent": percent,
                "terminals": len(mine),
                "committed": sum(1 for t in mine if t.state == "committed"),
                "failed": sum(1 for t in mine if t.state == "failed"),
                "pending": sum(1 for t in mine if t.state not in ("committed", "failed")),
            }
        )
    return {"id": r.id, "version": r.version, "state": r.state, "pause_reason": r.pause_reason,
            "current_wave": r.current_wave, "waves": waves}  # fmt: skip


def list_rollouts(conn: Connection) -> list[dict[str, Any]]:
    ids = conn.execute(select(rollouts_t.c.id).order_by(rollouts_t.c.id.desc())).scalars()
    return [rollout_status(conn, i) for i in list(ids)]
