"""The audit log (docs/fleet.md §6): every console and CLI action that changes something,
and every view of a pulled log, as one row. Written in the action's own transaction, so an
action that is rolled back leaves no entry and one that happened always has one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session

from central.models_fleet import AuditEntry
from central.timeutil import utcnow


def record(
    db: Connection | Session,
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Append one entry. `actor` is the console user's name, or "cli" for the command
    line; `action` a stable code (`maintenance_on`, `config_publish`, `rollout_pause` ...)."""
    db.execute(
        insert(AuditEntry).values(
            at=at or utcnow(),
            actor=actor[:40],
            action=action[:40],
            target=target[:80],
            detail=detail or {},
        )
    )
