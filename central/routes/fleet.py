"""The fleet's signed terminal endpoints (docs/fleet.md §1–§2): the heartbeat, and a
command's result.

A heartbeat is one transaction on the request's autocommit connection: the latest health
and, when due, a history row (central.fleet_health), the acknowledgements and the commands
to deliver (central.fleet_commands), the rollout's bookkeeping and offer
(central.updates.rollouts), the effective configuration version (central.config_docs). Its
commit is asynchronous on PostgreSQL (the connection's `synchronous_commit=off`): a
heartbeat lost in a crash is replaced by the next one a minute later, and a delivery lost
with it is delivered again (the terminal only acknowledges a repeat). A result's commit is
durable: the terminal forgets a command once central took its result.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy import Connection

from central import config_docs
from central.db import transaction
from central.errors import ApiError
from central.fleet_commands import acknowledge, deliver, finish
from central.fleet_health import record_health
from central.fleet_schemas import (
    CommandOut,
    CommandResultIn,
    CommandResultOut,
    HeartbeatIn,
    HeartbeatOut,
)
from central.routes.common import NOT_FOUND, SIGNED, with_connection
from central.routes.queue import now_of
from central.signing import SIGNED_OPERATION, SignedBy, SignedTerminal, verify_request
from central.timeutil import to_beijing
from central.updates import rollouts

router = APIRouter(tags=["signed"])
NEXT_IN_S = 60
# The demo's central asks for a beat every 10 s, so a command from the console reaches the
# demo terminal while the visitor watches (the terminal never beats faster than central asks).
DEMO_NEXT_IN_S = 10
CommandId = Annotated[int, Path(ge=1, le=2**31 - 1)]


async def _signed_on_a_thread(request: Request) -> SignedBy:
    """central.signing's check of the heartbeat's signature (the same `verify`, the same
    answers), with its two statements on a worker thread like the heartbeat's own."""
    body = await request.body()
    return await asyncio.get_running_loop().run_in_executor(
        None, verify_request, request, body
    )


SignedOffLoop = Annotated[SignedBy, Depends(_signed_on_a_thread)]


def heartbeat_answer(
    conn: Connection,
    terminal: SignedBy,
    beat: HeartbeatIn,
    now: datetime,
    next_in_s: int = NEXT_IN_S,
) -> HeartbeatOut:
    """Record `beat` from `terminal` at `now` (naive UTC) and make its answer."""
    terminal_id = terminal.terminal_id
    # Not durable on PostgreSQL (an asynchronous commit): the next beat repeats it. BEGIN
    # IMMEDIATE on SQLite, so the write lock is taken first and never upgraded half-way.
    with transaction(conn, immediate=True, durable=False):
        recorded = record_health(conn, terminal_id, beat, now)
        acknowledge(conn, terminal_id, beat.acks, now)
        commands = deliver(conn, terminal_id, now) if recorded.commands_pending else []
        offer = rollouts.on_heartbeat(conn, terminal, beat, now)
        config_version = config_docs.effective_version(conn, terminal_id)
    return HeartbeatOut(
        server_time=to_beijing(now),
        next_in_s=next_in_s,
        commands=[CommandOut.model_construct(**c) for c in commands],
        config_version=config_version,
        update=offer,
    )


@router.post(
    "/terminals/heartbeat",
    openapi_extra=SIGNED_OPERATION,
    response_model=HeartbeatOut,
    responses=SIGNED,
)
async def heartbeat(body: HeartbeatIn, request: Request, terminal: SignedOffLoop) -> Response:
    """The terminal's health (kept: the latest, and a bounded history); the answer carries
    the commands for it, the configuration version central has for it and an update offer.
    Unknown keys are refused (422): nothing but device states, counts and versions."""
    # On a worker thread, unlike the other routes (central.db): a heartbeat is five round
    # trips to the database, and 333 a second on 2 workers need those waits to overlap
    # (bench/fleet_heartbeats.py: in the event loop, a worker's ~6 ms a heartbeat, mostly
    # waiting, capped both at ~340 a second).
    answer = await asyncio.get_running_loop().run_in_executor(
        None,
        with_connection,
        request,
        heartbeat_answer,
        terminal,
        body,
        now_of(request),
        DEMO_NEXT_IN_S if request.app.state.settings.demo else NEXT_IN_S,
    )
    # Serialized once here: the model was built from checked values.
    return Response(answer.model_dump_json(), media_type="application/json")


def _result(
    conn: Connection, terminal: SignedBy, command_id: int, body: CommandResultIn, now: datetime
) -> str | None:
    with transaction(conn):
        return finish(conn, terminal.terminal_id, command_id, body.ok, body.result, body.log, now)


@router.post(
    "/terminals/commands/{command_id}/result",
    openapi_extra=SIGNED_OPERATION,
    response_model=CommandResultOut,
    responses={**NOT_FOUND, **SIGNED},
)
async def command_result(
    command_id: CommandId, body: CommandResultIn, request: Request, terminal: SignedTerminal
) -> CommandResultOut:
    """The result of a command delivered to this terminal: `done` (ok) or `failed`. A
    repeat of a finished command's result gets the state it has. Another terminal's
    command, or one never delivered, is 404."""
    state = with_connection(request, _result, terminal, command_id, body, now_of(request))
    if state is None:
        raise ApiError(404, "not_found", f"no command {command_id} delivered to this terminal")
    return CommandResultOut(state="done" if state == "done" else "failed")
