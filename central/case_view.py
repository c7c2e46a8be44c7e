"""An application as staff see it (the ops console's application page, `kiosk-central
application show`): the terminal's answer (central.applications.find) plus the applicant
masked and the evidence pages — those the application declared and those received, with
whether each received page's hash is the declared one. Never a page's bytes, an ID number
or a full address: viewing a page is a separate, audited step (central.evidence).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from central import applications
from central.evidence import pages_of
from central.timeutil import to_beijing
from central.tracking_public import mask_name


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else to_beijing(moment)).isoformat()


def _evidence(conn: Connection, number: str, declared: list[Any]) -> list[dict[str, Any]]:
    received = {p.page: p for p in pages_of(conn, number)}
    pages: dict[int, dict[str, Any]] = {}
    for ref in declared:
        pages[ref.page] = {
            "page": ref.page,
            "kind": ref.kind,
            "material_code": ref.material_code,
            "sha256": ref.sha256,
            "declared": True,
            "received": False,
            "size": None,
            "received_at": None,
            "matches": None,
        }
    for page, got in received.items():
        entry = pages.setdefault(page, {
            "page": page, "kind": got.kind, "material_code": got.material_code,
            "sha256": got.sha256, "declared": False,
        })  # fmt: skip
        entry.update(
            received=True,
            size=got.size,
            received_at=_iso(got.received_at),
            matches=entry["sha256"] == got.sha256 if entry["declared"] else None,
            received_sha256=got.sha256,
        )
    return [pages[k] for k in sorted(pages)]


def case_of(conn: Connection, number: str) -> dict[str, Any] | None:
    """The application `number` for staff, JSON-ready (None when there is none)."""
    out = applications.find(conn, number)
    if out is None:
        return None
    applicant = applications.applicant_of(conn, number)
    return {
        "application_number": out.application_number,
        "local_receipt": out.local_receipt,
        "item_code": out.item_code,
        "item_name": out.item_name,
        "status": out.status,
        "mode": out.mode,
        "region_received": out.region_received,
        "region_handling": out.region_handling,
        "submitted_at": _iso(out.submitted_at),
        "applicant_masked": mask_name(applicant[0]) if applicant else "",
        "agent": out.agent.model_dump(mode="json") if out.agent else None,
        "delivery": out.delivery.model_dump(mode="json") if out.delivery else None,
        "next_steps": out.next_steps,
        "parts": [
            {k: v for k, v in p.model_dump(mode="json").items() if k != "timeline"}
            for p in out.parts
        ],
        "timeline": [s.model_dump(mode="json") for s in out.timeline],
        "evidence": _evidence(conn, number, list(out.evidence)),
    }
