"""多地联办: one application split into its item's `joint` departments' sub-cases
(docs/casework.md §3). Each part goes 受理 → 办理 → 办结 on its own; when the last one is
办结, the application itself is 办结 in the same transaction, so the combined status can
never disagree with its parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update

from central.custody import AdvanceError
from central.models_casework import ApplicationPart
from central.schemas import JointPart

PART_STEPS = ("受理", "办理", "办结")
_parts = cast(Table, ApplicationPart.__table__)
_PARTS_OF = (
    select(_parts.c.seq, _parts.c.department, _parts.c.task, _parts.c.status)
    .where(_parts.c.application_id == bindparam("app_id"))
    .order_by(_parts.c.seq)
)
_SET_PART = (
    update(_parts)
    .where(_parts.c.application_id == bindparam("app_id"), _parts.c.seq == bindparam("part_seq"))
    .values(status=bindparam("new_status"), updated_at=bindparam("now"))
)
_INSERT_PARTS = insert(_parts)


def split_events(department: str, joint: Sequence[JointPart], at: datetime) -> list[dict[str, Any]]:
    """受理 of the application (拆分为N个子件), then 受理 of each part (part = seq)."""
    events: list[dict[str, Any]] = [
        {"step": "受理", "at": at, "note": f"拆分为{len(joint)}个子件", "actor": department,
         "hashes": None, "tracking_number": None, "part": None}
    ]
    for seq, part in enumerate(joint, start=1):
        events.append(
            {"step": "受理", "at": at, "note": f"子件{seq}：{part.task}", "actor": part.department,
             "hashes": None, "tracking_number": None, "part": seq}
        )
    return events


def part_rows(app_id: int, joint: Sequence[JointPart], at: datetime) -> list[dict[str, Any]]:
    return [
        {"application_id": app_id, "seq": seq, "region_code": p.region_code,
         "department": p.department, "task": p.task, "status": "受理", "updated_at": at}
        for seq, p in enumerate(joint, start=1)
    ]


def insert_parts(tx: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        tx.execute(_INSERT_PARTS.values(rows))  # one multi-row INSERT


def parts_of(tx: Connection, app_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in tx.execute(_PARTS_OF, {"app_id": app_id}).mappings()]


def require_parts_done(tx: Connection, app_id: int, number: str) -> None:
    """An advance of a 联办 application itself waits for its parts (parts_pending)."""
    pending = [p["seq"] for p in parts_of(tx, app_id) if p["status"] != "办结"]
    if pending:
        seqs = ", ".join(str(s) for s in pending)
        raise AdvanceError("parts_pending", f"application {number}: parts {seqs} are not 办结")


def advance_part(
    tx: Connection,
    app_id: int,
    number: str,
    department: str,
    seq: int,
    actor: str | None,
    now: datetime,
) -> list[dict[str, Any]]:
    """Move part `seq` one step; the events to write (the part's, and the application's
    combined 办结 when this was the last part to finish). The caller holds the
    application's row lock, so two parts finishing at once see each other."""
    parts = parts_of(tx, app_id)
    part = next((p for p in parts if p["seq"] == seq), None)
    if part is None:
        raise AdvanceError("unknown_part", f"application {number} has no part {seq}")
    position = PART_STEPS.index(part["status"])
    if position + 1 >= len(PART_STEPS):
        raise AdvanceError("final", f"part {seq} of application {number} is already 办结")
    step = PART_STEPS[position + 1]
    tx.execute(_SET_PART, {"app_id": app_id, "part_seq": seq, "new_status": step, "now": now})
    note = f"子件{seq}：{part['task']}" + ("办理中" if step == "办理" else "办结")
    events = [
        {"step": step, "at": now, "note": note, "actor": actor or part["department"],
         "hashes": None, "tracking_number": None, "part": seq}
    ]
    others_done = all(p["status"] == "办结" for p in parts if p["seq"] != seq)
    if step == "办结" and others_done:
        events.append(
            {"step": "办结", "at": now, "note": "子件全部办结", "actor": department,
             "hashes": None, "tracking_number": None, "part": None}
        )
    return events
