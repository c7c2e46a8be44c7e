"""Test data of the fleet tests: a heartbeat body as a terminal sends it (docs/fleet.md §1),
central's clock pinned, and reads of the fleet's tables."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from central.db import write_transaction
from central.fleet_commands import queue_command
from central.models_fleet import TerminalCommand, TerminalHealth, TerminalHealthHistory
from central.timeutil import to_beijing
from tests.central.central_helpers import SignedApi

HEARTBEAT = "/api/v1/terminals/heartbeat"
T0 = datetime(2026, 12, 7, 1, 0, 0)  # naive UTC: 09:00 in Beijing

_BEAT: dict[str, Any] = {
    "sent_at": "2026-12-07T09:00:00+08:00",
    "reason": "timer",
    "software_version": "0.2.0",
    "config_version": "local",
    "uptime_s": 5123,
    "free_disk_mb": 20480,
    "maintenance": False,
    "session_active": False,
    "last_session_end": None,
    "outbox": {"depth": 0, "oldest_age_s": None, "failed": 0},
    "print_log_head": {"count": 12, "mac": "ab12cd34ab12cd34"},
    "devices": {
        "receipt_printer": {
            "state": "online",
            "action": "none",
            "supplies": {"paper": "full"},
            "fault": "",
            "ready": True,
        },
        "id_reader": {
            "state": "online",
            "action": "none",
            "supplies": {},
            "fault": "",
            "ready": True,
        },
    },
    "update": {"state": "idle", "version": "0.2.0", "target_version": None, "reason": ""},
    "config": {"state": "ok", "version": "local", "reason": ""},
    "acks": [],
}


def beat(**changes: Any) -> dict[str, Any]:
    """A valid heartbeat with `changes` (top-level keys) applied."""
    body = copy.deepcopy(_BEAT)
    body.update(changes)
    return body


def paper(state: str) -> dict[str, Any]:
    """The devices block with the receipt printer's paper in `state`."""
    devices = copy.deepcopy(_BEAT["devices"])
    printer = devices["receipt_printer"]
    printer["supplies"] = {"paper": state}
    if state == "out":
        printer.update(fault="paper_out", ready=False, action="clear_by_staff")
    return devices


class Clock:
    """central's clock for the app (app.state.clock), moved by the test."""

    def __init__(self, app: FastAPI, start: datetime = T0) -> None:
        self.now = start
        app.state.clock = lambda: self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def sent_at(self) -> str:
        return to_beijing(self.now).isoformat()


def send(api: SignedApi, clock: Clock | None = None, **changes: Any) -> dict[str, Any]:
    """One heartbeat; its answer (asserting 200)."""
    if clock is not None:
        changes.setdefault("sent_at", clock.sent_at())
    response = api.post(HEARTBEAT, beat(**changes))
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def health(app: FastAPI, terminal_id: str) -> Any:
    with app.state.engine.connect() as conn:
        return conn.execute(
            select(TerminalHealth).where(TerminalHealth.terminal_id == terminal_id)
        ).first()


def history(app: FastAPI, terminal_id: str) -> list[Any]:
    with app.state.engine.connect() as conn:
        return list(
            conn.execute(
                select(TerminalHealthHistory)
                .where(TerminalHealthHistory.terminal_id == terminal_id)
                .order_by(TerminalHealthHistory.received_at)
            )
        )


def command(app: FastAPI, command_id: int) -> Any:
    with app.state.engine.connect() as conn:
        return conn.execute(select(TerminalCommand).where(TerminalCommand.id == command_id)).one()


def queue(
    app: FastAPI,
    terminal_id: str,
    kind: str,
    args: dict[str, Any] | None = None,
    now: datetime = T0,
) -> int:
    """queue_command as the console calls it: on the app's database, in a transaction."""

    def work(conn: Any) -> int:
        with write_transaction(conn):
            return queue_command(conn, terminal_id, kind, args or {}, "tester", now)

    result: int = app.state.db.run(work)
    return result
