"""Helpers of the rollout tests: terminals and releases in the database, and heartbeats
through central.updates.rollouts.on_heartbeat in a transaction like the heartbeat route's
(BEGIN IMMEDIATE on SQLite, so the write lock is taken first)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert

from central.fleet_schemas import HeartbeatIn, UpdateOffer
from central.models import Terminal
from central.models_fleet import Release
from central.signing import SignedBy
from central.timeutil import utcnow
from central.updates.rollouts import on_heartbeat

HALLS = {"JC-ZWZX": ("晋城市政务服务中心", "140500"), "ZZ-ZWZX": ("泽州县政务服务中心", "140525")}


def add_terminals(conn: Connection, count: int, hall: str = "JC-ZWZX", first: int = 1) -> list[str]:
    name, region = HALLS.get(hall, (hall, "140500"))
    ids = [f"T-{n:04d}" for n in range(first, first + count)]
    conn.execute(
        insert(Terminal),
        [
            {
                "terminal_id": t,
                "public_key": "x" * 44,
                "hall_name": name,
                "region_code": region,
                "profile": "hall",
                "hostname": "kiosk",
                "enrolled_at": utcnow(),
                "revoked": False,
            }
            for t in ids
        ],
    )
    return ids


def add_release(conn: Connection, version: str) -> None:
    conn.execute(
        insert(Release).values(
            version=version,
            target_name=f"tongban-kiosk-{version}.tar.gz",
            sha256="0" * 64,
            length=1,
            lock_hash="0" * 64,
            notes="",
            published_by="test",
            published_at=utcnow(),
        )
    )


def beat(
    running: str,
    state: str = "idle",
    target: str | None = None,
    reason: str = "",
    session_active: bool = False,
) -> HeartbeatIn:
    return HeartbeatIn.model_validate(
        {
            "sent_at": "2026-12-06T08:00:00+08:00",
            "software_version": running,
            "uptime_s": 10,
            "free_disk_mb": 1000,
            "session_active": session_active,
            "outbox": {"depth": 0},
            "update": {
                "state": state,
                "version": running,
                "target_version": target,
                "reason": reason,
            },
        }
    )


@contextmanager
def beat_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.dialect.name == "sqlite" else "BEGIN")
        try:
            yield conn
        except BaseException:
            conn.exec_driver_sql("ROLLBACK")
            raise
        conn.exec_driver_sql("COMMIT")


def heartbeat(
    engine: Engine,
    terminal_id: str,
    hb: HeartbeatIn,
    now: datetime,
    hall: str = "JC-ZWZX",
    **kw: Any,
) -> UpdateOffer | None:
    name, region = HALLS.get(hall, (hall, "140500"))
    signed = SignedBy(terminal_id, region, name, None)
    with beat_transaction(engine) as conn:
        return on_heartbeat(conn, signed, hb, now, **kw)


def autocommit(url: str) -> Engine:
    from sqlalchemy import create_engine

    return create_engine(url, isolation_level="AUTOCOMMIT")
