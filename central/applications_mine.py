"""A citizen's own applications (docs/casework.md §4): `mine` for 办件查询 at the terminal
(as applicant, and those they filed as 代办人), `pending_of` for the pending-duplicate
warning in the person context.

Both match the ID number *and* the name the card gave, like the person context: a number
alone (copied from somewhere) finds nothing. `mine` reads the applications, their events
and their parts in three queries, however many there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any, Literal, cast

from sqlalchemy import Connection, Table, and_, bindparam, or_, select

from central.application_view import EVENTS, OUT_COLUMNS, PARTS, build_out, mask_name
from central.custody import FINAL
from central.models import Application, ApplicationEvent, Region
from central.models_casework import ApplicationPart
from central.schemas import MineApplication, PendingOut
from central.timeutil import to_beijing, utcnow
from central.tracking import tracking_secret

MINE_LIMIT = 50
Role = Literal["applicant", "agent"]
_apps = cast(Table, Application.__table__)
_events = cast(Table, ApplicationEvent.__table__)
_parts = cast(Table, ApplicationPart.__table__)

_MINE = (
    select(*OUT_COLUMNS)
    .where(
        or_(
            and_(
                _apps.c.applicant_id_number == bindparam("id_number"),
                _apps.c.applicant_name == bindparam("name"),
            ),
            _apps.c.agent_id_number == bindparam("id_number"),
        ),
        _apps.c.number.is_not(None),
    )
    .order_by(_apps.c.id.desc())
    .limit(MINE_LIMIT)
)
_EVENTS_OF = (
    select(_events.c.application_id, *EVENTS.selected_columns)
    .where(_events.c.application_id.in_(bindparam("ids", expanding=True)))
    .order_by(_events.c.id)
)
_PARTS_OF = (
    select(_parts.c.application_id, *PARTS.selected_columns)
    .outerjoin(Region, Region.code == _parts.c.region_code)
    .where(_parts.c.application_id.in_(bindparam("ids", expanding=True)))
    .order_by(_parts.c.application_id, _parts.c.seq)
)
_PENDING = (
    select(_apps.c.item_code, _apps.c.number, _apps.c.status, _apps.c.submitted_at)
    .where(
        _apps.c.applicant_id_number == bindparam("id_number"),
        _apps.c.applicant_name == bindparam("name"),
        _apps.c.status.not_in(FINAL),
        _apps.c.number.is_not(None),
    )
    .order_by(_apps.c.id.desc())
    .limit(MINE_LIMIT)
)


def mine(
    conn: Connection, id_number: str, name: str, public_url: str | None = None
) -> list[MineApplication]:
    """The person's applications, newest first, at most 50: as applicant (ID number and
    name match) and as 代办人 (the agent's ID number and name match)."""
    found = [dict(r) for r in conn.execute(_MINE, {"id_number": id_number, "name": name}).mappings()]
    rows = [r for r in found if _role(r, id_number, name) is not None]
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in conn.execute(_EVENTS_OF, {"ids": ids}).mappings():
        events[e["application_id"]].append(dict(e))
    parts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if any(r["parts_total"] for r in rows):
        for p in conn.execute(_PARTS_OF, {"ids": ids}).mappings():
            parts[p["application_id"]].append(dict(p))
    secret = tracking_secret(conn, utcnow())
    answers = []
    for row in rows:
        out = build_out(row, events[row["id"]], parts[row["id"]], secret, public_url)
        answers.append(
            MineApplication(
                **out.model_dump(),
                role=_role(row, id_number, name) or "applicant",
                applicant_masked=mask_name(row["applicant_name"]),
                todo=todo(row, events[row["id"]]),
            )
        )
    return answers


def pending_of(conn: Connection, id_number: str, name: str) -> list[PendingOut]:
    """The person's applications not yet 办结 / 送达 / 归档, newest first."""
    return [
        PendingOut(
            item_code=r.item_code,
            application_number=r.number,
            status=r.status,
            submitted_at=to_beijing(r.submitted_at),
        )
        for r in conn.execute(_PENDING, {"id_number": id_number, "name": name})
    ]


def todo(app: Mapping[str, Any], events: list[dict[str, Any]]) -> str:
    """What the citizen must still do, in Chinese ("" when nothing)."""
    status = app["status"]
    if status == "归档":
        return ""
    delivery = app["delivery"] or {}
    if app["mode"] == "异地代收":
        if delivery.get("method") == "post":
            numbers = [e["tracking_number"] for e in events
                       if e["step"] == "送达" and e.get("tracking_number")]
            if numbers:
                return f"请留意快递（单号{numbers[-1]}）"
            return "请留意快递" if status == "送达" else ""
        if status in ("办结", "送达"):
            return f"请到{delivery.get('pickup_hall') or '受理大厅'}领取结果"
        return ""
    if status == "送达":
        return ""
    next_steps = str(app["next_steps"])
    start = next_steps.find("办结后请到")
    if start < 0:
        return ""
    end = next_steps.find("。", start)
    return next_steps[start:end] if end > 0 else next_steps[start:]


def _role(row: Mapping[str, Any], id_number: str, name: str) -> Role | None:
    if row["applicant_id_number"] == id_number and row["applicant_name"] == name:
        return "applicant"
    agent = row["agent"] or {}
    if row.get("agent") and agent.get("id_number") == id_number and agent.get("name") == name:
        return "agent"
    return None

