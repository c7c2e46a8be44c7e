"""An application as the terminal and the public see it (`ApplicationOut`), built from
its row, its timeline and its 多地联办 parts (docs/casework.md §3).

Every answer carries the check code and the tracking URL (the receipt's QR), the agent and
the delivery address masked, and the evidence pages by hash only: what a terminal shows
the citizen never includes another person's name or a full address.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, RowMapping, Table, bindparam, select

from central.models import Application, ApplicationEvent, Region, Terminal
from central.models_casework import ApplicationPart
from central.schemas import (
    AgentOut,
    ApplicationOut,
    DeliveryOut,
    EvidenceOut,
    PartOut,
    TimelineStep,
)
from central.timeutil import to_beijing, utcnow
from central.tracking import check_code, tracking_secret, tracking_url

_apps = cast(Table, Application.__table__)
_events = cast(Table, ApplicationEvent.__table__)
_parts = cast(Table, ApplicationPart.__table__)

OUT_COLUMNS = (
    _apps.c.id,
    _apps.c.number,
    _apps.c.request_hash,
    _apps.c.local_receipt,
    _apps.c.status,
    _apps.c.item_code,
    _apps.c.item_name,
    _apps.c.department,
    _apps.c.region_received,
    _apps.c.region_handling,
    _apps.c.next_steps,
    _apps.c.mode,
    _apps.c.agent,
    _apps.c.delivery,
    _apps.c.evidence,
    _apps.c.parts_total,
    _apps.c.submitted_at,
    _apps.c.applicant_name,
    _apps.c.applicant_id_number,
)
BY_NUMBER = select(*OUT_COLUMNS).where(_apps.c.number == bindparam("number"))
EVENTS = (
    select(
        _events.c.step,
        _events.c.at,
        _events.c.note,
        _events.c.actor,
        _events.c.hashes,
        _events.c.tracking_number,
        _events.c.part,
    )
    .where(_events.c.application_id == bindparam("app_id"))
    .order_by(_events.c.id)
)
PARTS = (
    select(
        _parts.c.seq,
        _parts.c.region_code,
        _parts.c.department,
        _parts.c.task,
        _parts.c.status,
        Region.name.label("region_name"),
    )
    .outerjoin(Region, Region.code == _parts.c.region_code)
    .where(_parts.c.application_id == bindparam("app_id"))
    .order_by(_parts.c.seq)
)
HALL_OF = select(Terminal.hall_name).where(Terminal.terminal_id == bindparam("terminal_id"))


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the family name and the length, nothing else."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_address(address: str) -> str:
    """The first six characters (the city and district, typically) and ****."""
    return address[:6] + "****"


def find(conn: Connection, number: str, public_url: str | None = None) -> ApplicationOut | None:
    """The application numbered `number` with every field filled, or None.
    `public_url`: central's public base (the tracking URL is null without one)."""
    row = conn.execute(BY_NUMBER, {"number": number}).mappings().first()
    return out_of_row(conn, row, public_url) if row is not None else None


def out_of_row(conn: Connection, row: RowMapping, public_url: str | None) -> ApplicationOut:
    events = [dict(e) for e in conn.execute(EVENTS, {"app_id": row["id"]}).mappings()]
    parts = (
        [dict(p) for p in conn.execute(PARTS, {"app_id": row["id"]}).mappings()]
        if row["parts_total"]
        else []
    )
    secret = tracking_secret(conn, utcnow())
    return build_out(dict(row), events, parts, secret, public_url)


def build_out(
    app: Mapping[str, Any],
    events: Iterable[Mapping[str, Any]],
    parts: Iterable[Mapping[str, Any]],
    secret: bytes,
    public_url: str | None,
) -> ApplicationOut:
    """The answer from the values of the row (written or read), its events and parts."""
    number = str(app["number"])
    code = check_code(secret, number)
    timeline = [_step(e) for e in events]
    return ApplicationOut(
        application_number=number,
        local_receipt=app["local_receipt"],
        status=app["status"],
        item_code=app["item_code"],
        item_name=app["item_name"],
        region_received=app["region_received"],
        region_handling=app["region_handling"],
        timeline=timeline,
        next_steps=app["next_steps"],
        mode=app["mode"],
        check_code=code,
        tracking_url=tracking_url(public_url, number, code),
        agent=_agent(app["agent"]),
        delivery=_delivery(app["delivery"]),
        parts=[
            PartOut(
                seq=p["seq"],
                region_code=p["region_code"],
                region_name=p.get("region_name") or p["region_code"],
                department=p["department"],
                task=p["task"],
                status=p["status"],
                timeline=[s for s in timeline if s.part == p["seq"]],
            )
            for p in parts
        ],
        evidence=[
            EvidenceOut(
                page=e["page"], kind=e["kind"], material_code=e.get("material_code"),
                sha256=e["sha256"],
            )
            for e in app["evidence"] or []
        ],
        submitted_at=_beijing(app["submitted_at"]),
    )


def _step(e: Mapping[str, Any]) -> TimelineStep:
    return TimelineStep(
        step=e["step"],
        at=to_beijing(e["at"]),
        note=e["note"],
        actor=e.get("actor"),
        hashes=list(e.get("hashes") or []),
        tracking_number=e.get("tracking_number"),
        part=e.get("part"),
    )


def _agent(agent: Mapping[str, Any] | None) -> AgentOut | None:
    if not agent:
        return None
    return AgentOut(
        name_masked=mask_name(str(agent["name"])),
        relation=agent["relation"],
        authority=agent["authority"],
    )


def _delivery(delivery: Mapping[str, Any] | None) -> DeliveryOut | None:
    if not delivery:
        return None
    address = delivery.get("address")
    return DeliveryOut(
        method=delivery["method"],
        address_masked=mask_address(address) if address else None,
        pickup_hall=delivery.get("pickup_hall"),
    )


def _beijing(value: datetime | None) -> datetime | None:
    return to_beijing(value) if value is not None else None
