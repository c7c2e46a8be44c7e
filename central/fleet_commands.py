"""Remote operations (docs/fleet.md §2): queued by the console or the CLI, delivered on a
heartbeat's answer, acknowledged by the next heartbeat, finished by the terminal's result.

    queued ──answer──▶ delivered ──acks──▶ acked ──result──▶ done | failed
                        │  ▲ not acknowledged: delivered again on the next heartbeat
                        └──┘ (at most MAX_DELIVERIES answers, then expired)

A result is accepted from delivered, acked or expired (the terminal ran it: its answer or its
acknowledgement was what got lost); only the terminal the command was for can give it.

`terminal_health.commands_pending` spares the heartbeat a look at this table: queue_command
sets it (after its INSERT, so whatever order the two transactions commit in, a heartbeat
either sees the command or leaves the flag set), and a heartbeat clears it only with a
statement that finds nothing pending (central.fleet_health reads it in its upsert).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, bindparam, case, exists, select, update

from central.audit import record
from central.fleet_schemas import COMMAND_KINDS
from central.halls import terminal_halls
from central.models import Terminal
from central.models_fleet import TerminalCommand, TerminalHealth
from central.models_hall import Hall
from central.timeutil import to_beijing

MAX_DELIVERIES = 5
PENDING = ("queued", "delivered")
FINISHABLE = ("delivered", "acked", "expired")
PULL_LOG_HOURS = (1, 72)
_PHONE = re.compile(r"[0-9+()\- ]{3,40}")

commands_t = cast(Table, TerminalCommand.__table__)
health_t = cast(Table, TerminalHealth.__table__)
terminals_t = cast(Table, Terminal.__table__)
halls_t = cast(Table, Hall.__table__)


class UnknownTerminal(LookupError):
    """No enrolled, unrevoked terminal of that id."""


class CommandInvalid(ValueError):
    """A command's kind or arguments are not what the terminal can run."""


_ACK = (
    update(commands_t)
    .where(
        commands_t.c.terminal_id == bindparam("tid"),
        commands_t.c.id.in_(bindparam("ids", expanding=True)),
        commands_t.c.state.in_(("delivered", "expired")),
    )
    .values(state="acked", acked_at=bindparam("at"))
)
_used_up = commands_t.c.deliveries >= MAX_DELIVERIES
_DELIVER = (
    update(commands_t)
    .where(commands_t.c.terminal_id == bindparam("tid"), commands_t.c.state.in_(PENDING))
    .values(
        state=case((_used_up, "expired"), else_="delivered"),
        deliveries=case((_used_up, commands_t.c.deliveries), else_=commands_t.c.deliveries + 1),
        delivered_at=case((_used_up, commands_t.c.delivered_at), else_=bindparam("at")),
    )
    .returning(commands_t.c.id, commands_t.c.kind, commands_t.c.args, commands_t.c.state)
)
_CLEAR_PENDING = (
    update(health_t)
    .where(
        health_t.c.terminal_id == bindparam("tid"),
        ~exists().where(
            and_(commands_t.c.terminal_id == bindparam("tid"), commands_t.c.state.in_(PENDING))
        ),
    )
    .values(commands_pending=False)
)
_SET_PENDING = (
    update(health_t).where(health_t.c.terminal_id == bindparam("tid")).values(commands_pending=True)
)
_FINISH = (
    update(commands_t)
    .where(
        commands_t.c.id == bindparam("cid"),
        commands_t.c.terminal_id == bindparam("tid"),
        commands_t.c.state.in_(FINISHABLE),
    )
    .values(
        state=bindparam("new_state"),
        result=bindparam("new_result"),
        log_text=bindparam("new_log"),
        finished_at=bindparam("at"),
    )
    .returning(commands_t.c.state)
)
_STATE_OF = select(commands_t.c.state).where(
    commands_t.c.id == bindparam("cid"), commands_t.c.terminal_id == bindparam("tid")
)


def check_args(kind: str, args: dict[str, Any]) -> dict[str, Any]:
    """The arguments as the terminal gets them (docs/fleet.md §2's table), or CommandInvalid."""
    if kind not in COMMAND_KINDS:
        raise CommandInvalid(f"unknown command {kind!r} (one of {', '.join(COMMAND_KINDS)})")
    allowed = {"maintenance_on": {"phone", "note"}, "pull_log": {"hours"}}.get(kind, set())
    extra = sorted(set(args) - allowed)
    if extra:
        raise CommandInvalid(f"{kind} takes no {', '.join(extra)}")
    if kind == "maintenance_on":
        phone, note = args.get("phone") or "", args.get("note") or ""
        if not isinstance(phone, str) or (phone and not _PHONE.fullmatch(phone)):
            raise CommandInvalid("phone: digits, spaces, +, - and () only, 3 to 40 of them")
        if not isinstance(note, str) or len(note) > 100:
            raise CommandInvalid("note: at most 100 characters")
        return {"phone": phone, "note": note}
    if kind == "pull_log":
        hours = args.get("hours", 2)
        low, high = PULL_LOG_HOURS
        if isinstance(hours, bool) or not isinstance(hours, int) or not low <= hours <= high:
            raise CommandInvalid(f"hours: a whole number from {low} to {high}")
        return {"hours": hours}
    return {}


def hall_phone(conn: Connection, hall_name: str) -> str:
    """The phone of the hall a terminal enrolled as `hall_name` belongs to (its own hall,
    else the first hall of its site; central.halls), or ""."""
    codes = terminal_halls(conn, hall_name)
    if not codes:
        return ""
    phone = conn.scalar(select(halls_t.c.phone).where(halls_t.c.code == codes[0]))
    return phone or ""


def queue_command(
    conn: Connection,
    terminal_id: str,
    kind: str,
    args: dict[str, Any],
    actor: str,
    now: datetime,
) -> int:
    """Queue `kind` for the terminal and write the audit entry (action = kind); returns the
    command's id. Call it in a transaction (the caller commits): the command, the pending
    flag and the audit entry then stand or fall together. `maintenance_on` without a phone
    gets the hall's. Raises UnknownTerminal, CommandInvalid."""
    hall_name = conn.scalar(
        select(terminals_t.c.hall_name).where(
            terminals_t.c.terminal_id == terminal_id, terminals_t.c.revoked.is_(False)
        )
    )
    if hall_name is None:
        raise UnknownTerminal(terminal_id)
    checked = check_args(kind, args)
    if kind == "maintenance_on" and not checked["phone"]:
        checked["phone"] = hall_phone(conn, hall_name)
    command_id = int(
        conn.execute(
            commands_t.insert()
            .values(
                terminal_id=terminal_id,
                kind=kind,
                args=checked,
                state="queued",
                created_by=actor[:40],
                created_at=now,
                deliveries=0,
            )
            .returning(commands_t.c.id)
        ).scalar_one()
    )
    conn.execute(_SET_PENDING, {"tid": terminal_id})  # after the INSERT: see the docstring
    record(conn, actor, kind, terminal_id, {"command_id": command_id, "args": checked}, at=now)
    return command_id


def acknowledge(conn: Connection, terminal_id: str, ids: list[int], now: datetime) -> None:
    """The heartbeat's `acks`: those of its commands it received are `acked`."""
    if ids:
        conn.execute(_ACK, {"tid": terminal_id, "ids": ids, "at": now})


def deliver(conn: Connection, terminal_id: str, now: datetime) -> list[dict[str, Any]]:
    """The commands for this heartbeat's answer (queued, or delivered and not acknowledged),
    oldest first; those delivered MAX_DELIVERIES times already become `expired`. Clears the
    pending flag when nothing is left to deliver."""
    rows = conn.execute(_DELIVER, {"tid": terminal_id, "at": now}).all()
    out = [
        {"id": r.id, "kind": r.kind, "args": r.args}
        for r in sorted(rows, key=lambda r: r.id)
        if r.state == "delivered"
    ]
    if not out:
        conn.execute(_CLEAR_PENDING, {"tid": terminal_id})
    return out


def finish(
    conn: Connection,
    terminal_id: str,
    command_id: int,
    ok: bool,
    result: dict[str, Any],
    log: str | None,
    now: datetime,
) -> str | None:
    """The terminal's result: `done` or `failed`. A command already finished keeps its first
    result (a retried POST gets the state it has); None when the command is not this
    terminal's, or was never delivered."""
    params = {
        "cid": command_id,
        "tid": terminal_id,
        "new_state": "done" if ok else "failed",
        "new_result": result,
        "new_log": log,
        "at": now,
    }
    state = conn.execute(_FINISH, params).scalar()
    if state is None:
        state = conn.execute(_STATE_OF, {"cid": command_id, "tid": terminal_id}).scalar()
        if state not in ("done", "failed"):
            return None
    return str(state)


def _when(moment: datetime | None) -> str | None:
    return to_beijing(moment).isoformat() if moment is not None else None


def command_dict(row: Any, with_log: bool = False) -> dict[str, Any]:
    out = {
        "id": row.id,
        "terminal_id": row.terminal_id,
        "kind": row.kind,
        "args": row.args,
        "state": row.state,
        "created_by": row.created_by,
        "created_at": _when(row.created_at),
        "delivered_at": _when(row.delivered_at),
        "deliveries": row.deliveries,
        "acked_at": _when(row.acked_at),
        "finished_at": _when(row.finished_at),
        "result": row.result,
        "has_log": row.log_text is not None,
    }
    if with_log:
        out["log"] = row.log_text
    return out


def commands_for(conn: Connection, terminal_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The terminal's latest commands, newest first, without their logs (`has_log` says
    whether one came; command_detail has it)."""
    rows = conn.execute(
        select(commands_t)
        .where(commands_t.c.terminal_id == terminal_id)
        .order_by(commands_t.c.id.desc())
        .limit(limit)
    ).all()
    return [command_dict(r) for r in rows]


def command_detail(conn: Connection, command_id: int) -> dict[str, Any] | None:
    """One command with its result and its log (a pulled log: the terminal's masked log)."""
    row = conn.execute(select(commands_t).where(commands_t.c.id == command_id)).first()
    return command_dict(row, with_log=True) if row is not None else None
