"""The queue's signed terminal endpoints: categories, tickets, offline blocks and offline
tickets, and check-in (docs/hall-day.md, "Queue and calling"). The terminal's hall is the
hall whose name is the terminal's enrolled hall_name.

A ticket-making request carries an Idempotency-Key: the ticket remembers
"<terminal>:<key>" and the request's hash, so a retry gets the same ticket (200) and the
key with another body is a 409 (central.idempotency)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from central.document_schemas import UUID_PATTERN
from central.errors import ApiError
from central.idempotency import body_hash, check_replay, once
from central.queue import (
    Taken,
    categories_overview,
    find_by_key,
    render_ticket,
    reserve_block,
    take_ticket,
    upload_offline,
)
from central.queue_base import HallInfo, QueueError, hall_of_terminal
from central.queue_checkin import check_in, replay_check_in
from central.queue_schemas import (
    BlockIn,
    BlockOut,
    CategoriesOut,
    CheckinIn,
    CheckinOut,
    OfflineTicketIn,
    TicketIn,
    TicketOut,
)
from central.routes.common import NOT_FOUND, SIGNED, with_connection
from central.schemas import ErrorBody
from central.signing import SIGNED_OPERATION, SignedBy, SignedTerminal
from central.timeutil import to_db, utcnow

router = APIRouter()
Key = Annotated[str, Header(alias="Idempotency-Key", pattern=UUID_PATTERN)]
REPLAYED = {"description": "Same Idempotency-Key, same body: the answer given then"}
CONFLICT_KEY = "idempotency_conflict: same key, different body"


def now_of(request: Request) -> datetime:
    """central's clock (tests may put their own on app.state.clock)."""
    clock: Callable[[], datetime] = getattr(request.app.state, "clock", utcnow)
    return clock()


def base_url(request: Request) -> str:
    """Where follow links point: the configured public URL, else this request's."""
    configured = request.app.state.settings.public_base_url
    return str(configured or str(request.base_url)).rstrip("/")


def as_api_error(err: QueueError) -> ApiError:
    return ApiError(err.status, err.reason, err.message)


def _run(request: Request, work: Callable[..., Any], *args: Any) -> Any:
    try:
        return with_connection(request, work, *args)
    except QueueError as err:
        raise as_api_error(err) from None


HALL_CACHE_S = 5.0


def cached_hall(
    request: Request, conn: Connection, key: str, load: Callable[[Connection, str], HallInfo]
) -> HallInfo:
    """A hall as loaded at most HALL_CACHE_S ago by this app (three queries saved on every
    request; a changed hall shows within seconds)."""
    cache: dict[str, tuple[float, HallInfo]] = request.app.state.__dict__.setdefault(
        "queue_halls", {}
    )
    hit = cache.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    hall = load(conn, key)
    cache[key] = (time.monotonic() + HALL_CACHE_S, hall)
    return hall


def _hall_of(request: Request) -> Callable[[Connection, SignedBy], HallInfo]:
    def find(conn: Connection, terminal: SignedBy) -> HallInfo:
        return cached_hall(request, conn, "name:" + terminal.hall_name, _by_name)

    return find


def _by_name(conn: Connection, key: str) -> HallInfo:
    return hall_of_terminal(conn, key.removeprefix("name:"))


def _idempotent(
    conn: Connection,
    key: str,
    digest: str,
    replay: Callable[[Any], Any],
    create: Callable[[], Any],
) -> tuple[Any, bool]:
    def replayed(row: Any) -> Any:
        check_replay(row.request_hash or "", digest)
        return replay(row)

    try:
        return once(lambda: find_by_key(conn, key), replayed, create)
    except IntegrityError:  # the label was taken by another upload (not a retry of ours)
        raise QueueError("duplicate", "this ticket number was uploaded already") from None


@router.get(
    "/queue/categories",
    openapi_extra=SIGNED_OPERATION,
    response_model=CategoriesOut,
    responses={**NOT_FOUND, **SIGNED},
    tags=["signed"],
)
async def queue_categories(request: Request, terminal: SignedTerminal) -> dict[str, Any]:
    """The terminal's hall's categories with their waiting counts and the wait of a new
    ticket (404 `not_found` when the terminal's site has no hall)."""

    def work(conn: Connection) -> dict[str, Any]:
        return categories_overview(conn, _hall_of(request)(conn, terminal), now_of(request))

    return dict(_run(request, work))


def _ticket_once(
    request: Request,
    response: Response,
    terminal: SignedBy,
    idempotency_key: str,
    body: Any,
    birth_date: Any,
    make: Callable[[Connection, HallInfo, datetime, Taken, str], dict[str, Any]],
) -> dict[str, Any]:
    """One ticket per (terminal, Idempotency-Key): `make` it the first time (201), answer a
    replay with the ticket it made (200); the same key with another body is a 409."""
    key = f"{terminal.terminal_id}:{idempotency_key.lower()}"
    digest = body_hash(body)
    asked = Taken(terminal.terminal_id, key, digest, birth_date)

    def work(conn: Connection) -> tuple[dict[str, Any], bool]:
        hall, now, url = _hall_of(request)(conn, terminal), now_of(request), base_url(request)
        return _idempotent(
            conn,
            key,
            digest,
            lambda row: render_ticket(conn, hall, row, now, url),
            lambda: make(conn, hall, now, asked, url),
        )

    ticket, created = _run(request, work)
    if not created:
        response.status_code = 200
    return dict(ticket)


@router.post(
    "/queue/tickets",
    openapi_extra=SIGNED_OPERATION,
    status_code=201,
    response_model=TicketOut,
    responses={
        200: {"model": TicketOut, **REPLAYED},
        409: {"model": ErrorBody, "description": CONFLICT_KEY},
        **NOT_FOUND,
        **SIGNED,
    },
    tags=["signed"],
)
async def take_queue_ticket(
    body: TicketIn,
    request: Request,
    response: Response,
    terminal: SignedTerminal,
    idempotency_key: Key,
) -> dict[str, Any]:
    """A ticket of the category (green channel when the birth date makes the person
    `green_age` or older on the hall's day)."""
    return _ticket_once(
        request, response, terminal, idempotency_key, body, body.birth_date,
        lambda conn, hall, now, asked, url: take_ticket(conn, hall, body.category, now, asked, url),
    )  # fmt: skip


@router.post(
    "/queue/blocks",
    openapi_extra=SIGNED_OPERATION,
    response_model=BlockOut,
    responses={**NOT_FOUND, **SIGNED},
    tags=["signed"],
)
async def reserve_queue_block(
    body: BlockIn, request: Request, terminal: SignedTerminal
) -> dict[str, Any]:
    """Numbers of today's series reserved for this terminal's offline tickets."""

    def work(conn: Connection) -> dict[str, Any]:
        hall = _hall_of(request)(conn, terminal)
        return reserve_block(conn, hall, body.category, terminal.terminal_id, now_of(request))

    return dict(_run(request, work))


@router.post(
    "/queue/tickets/offline",
    openapi_extra=SIGNED_OPERATION,
    status_code=201,
    response_model=TicketOut,
    responses={
        200: {"model": TicketOut, **REPLAYED},
        409: {
            "model": ErrorBody,
            "description": "duplicate (the number was uploaded already), not_today, or "
            + CONFLICT_KEY,
        },
        **NOT_FOUND,
        **SIGNED,
    },
    tags=["signed"],
)
async def upload_offline_ticket(
    body: OfflineTicketIn,
    request: Request,
    response: Response,
    terminal: SignedTerminal,
    idempotency_key: Key,
) -> dict[str, Any]:
    """A ticket handed out offline from this terminal's block joins the queue at its
    arrival time (`offline: true`, no wait estimate)."""
    return _ticket_once(
        request, response, terminal, idempotency_key, body, body.birth_date,
        lambda conn, hall, now, asked, url: upload_offline(
            conn, hall, body.category, body.number, to_db(body.taken_at), now, asked, url
        ),
    )  # fmt: skip


@router.post(
    "/appointments/checkin",
    openapi_extra=SIGNED_OPERATION,
    status_code=201,
    response_model=CheckinOut,
    responses={
        200: {"model": CheckinOut, **REPLAYED},
        409: {
            "model": ErrorBody,
            "description": "too_early / too_late (the detail says when and what to do "
            "instead), not_today, cancelled, already_checked_in, or " + CONFLICT_KEY,
        },
        **NOT_FOUND,
        **SIGNED,
    },
    tags=["signed"],
)
async def checkin_appointment(
    body: CheckinIn,
    request: Request,
    response: Response,
    terminal: SignedTerminal,
    idempotency_key: Key,
) -> dict[str, Any]:
    """报到: the appointment (by its signed code, or the person's ID number and name
    booked today at this hall) is checked in and an `appointment` ticket made."""
    key = f"{terminal.terminal_id}:{idempotency_key.lower()}"
    digest = body_hash(body)
    asked = Taken(terminal.terminal_id, key, digest)

    def work(conn: Connection) -> tuple[dict[str, Any], bool]:
        hall, now, url = _hall_of(request)(conn, terminal), now_of(request), base_url(request)
        return _idempotent(
            conn,
            key,
            digest,
            lambda row: replay_check_in(conn, hall, row, now, url),
            lambda: check_in(
                conn, hall, now, asked, url, code=body.qr, id_number=body.id_number, name=body.name
            ),
        )

    answer, created = _run(request, work)
    if not created:
        response.status_code = 200
    return dict(answer)
