"""The hall's booking endpoints for terminals (docs/hall-day.md, "Signed terminal
endpoints"): the halls a terminal books at, their calendar and slots, booking, a person's
appointments and cancelling. A terminal books only at its halls (central.halls
.terminal_halls: the hall it was enrolled as, then the halls of its site)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, Path, Query, Request, Response
from sqlalchemy import Connection

from central import booking, booking_lists
from central.booking_cache import Cached
from central.booking_schemas import (
    AppointmentOut,
    AppointmentsOut,
    BookIn,
    CancelIn,
    DaysOut,
    HallsOut,
    PersonIn,
    SlotsOut,
)
from central.booking_slots import MAX_DAYS, Refused, days_view, slots_view
from central.document_schemas import UUID_PATTERN
from central.errors import ApiError
from central.halls import HallPlan, hall_today
from central.ids import check_id_number
from central.routes.common import NOT_FOUND, SIGNED, with_connection
from central.schemas import ErrorBody
from central.signing import SIGNED_OPERATION, SignedBy, SignedTerminal
from central.timeutil import utcnow

router = APIRouter()
T = TypeVar("T")

REFUSED: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorBody,
        "description": "Refused: too_soon, too_far, closed, full, duplicate, suspended, "
        "calendar_unknown (booking); too_late (cancelling); idempotency_conflict",
    },
    **NOT_FOUND,
    **SIGNED,
}
ItemQuery = Annotated[str, Query(pattern=r"^[0-9A-Z]{1,40}$")]
HallPath = Annotated[str, Path(pattern=r"^[A-Z0-9-]{1,20}$")]


def api_error(err: Refused) -> ApiError:
    """A refusal as the contract's error body: 404 not_found, 422 invalid_id, else 409."""
    if err.reason == "not_found":
        return ApiError(404, "not_found", err.message)
    if err.reason == "invalid_id":
        return ApiError(422, "invalid_id", err.message, {"id_number": "invalid_id"})
    return ApiError(409, err.reason, err.message)  # type: ignore[arg-type]


def _refusing(work: Callable[[], T]) -> T:
    try:
        return work()
    except Refused as err:
        raise api_error(err) from None


def reader(request: Request) -> Cached:
    """This app's cache of hall plans, sites, the calendar and the signing key (one per
    worker: central.booking_cache)."""
    state = request.app.state
    cache: Cached | None = getattr(state, "booking_cache", None)
    if cache is None:
        cache = state.booking_cache = Cached()
    return cache


def _plan(conn: Connection, terminal: SignedBy, hall: str, cache: Cached) -> HallPlan:
    mine = cache.terminal_halls(conn, terminal.hall_name)
    plan = cache.hall(conn, hall) if hall in mine else None
    if plan is None:
        raise Refused("not_found", f"this terminal does not book at {hall[:20]!r}")
    return plan


def _mine(conn: Connection, terminal: SignedBy, cache: Cached) -> HallsOut:
    halls = []
    for code in cache.terminal_halls(conn, terminal.hall_name):
        plan = cache.hall(conn, code)
        if plan is not None:
            halls.append({**plan.public(), "rules": plan.rules()})
    return HallsOut.model_validate({"halls": halls})


@router.get(
    "/halls/mine",
    openapi_extra=SIGNED_OPERATION,
    response_model=HallsOut,
    responses=SIGNED,
    tags=["signed"],
)
async def my_halls(request: Request, terminal: SignedTerminal) -> HallsOut:
    """The halls this terminal books at, its own hall first; empty when it books nowhere."""
    return with_connection(request, _mine, terminal, reader(request))


@router.get(
    "/halls/{hall}/days",
    openapi_extra=SIGNED_OPERATION,
    response_model=DaysOut,
    responses=REFUSED,
    tags=["signed"],
)
async def hall_days(
    hall: HallPath,
    item: ItemQuery,
    request: Request,
    terminal: SignedTerminal,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS)] = 14,
    first: Annotated[date | None, Query(alias="from")] = None,
) -> DaysOut:
    """The hall's calendar for `item` from `from` (default: tomorrow) for `days` days: each
    day's kind, sessions, places left, and why it cannot be booked when it cannot."""
    now = utcnow()
    cache = reader(request)

    def work(conn: Connection) -> DaysOut:
        plan = _plan(conn, terminal, hall, cache)
        start = first or hall_today(now) + timedelta(days=1)
        return DaysOut.model_validate(days_view(conn, plan, item, start, days, now, cache))

    return _refusing(lambda: with_connection(request, work))


@router.get(
    "/halls/{hall}/slots",
    openapi_extra=SIGNED_OPERATION,
    response_model=SlotsOut,
    responses=REFUSED,
    tags=["signed"],
)
async def hall_slots(
    hall: HallPath,
    item: ItemQuery,
    request: Request,
    terminal: SignedTerminal,
    day: Annotated[date, Query(alias="date")],
) -> SlotsOut:
    """The slots of `date` for `item`, with places left and whether each can be booked."""
    now = utcnow()
    cache = reader(request)

    def work(conn: Connection) -> SlotsOut:
        plan = _plan(conn, terminal, hall, cache)
        return SlotsOut.model_validate(slots_view(conn, plan, item, day, now, cache))

    return _refusing(lambda: with_connection(request, work))


@router.post(
    "/appointments/book",
    openapi_extra=SIGNED_OPERATION,
    status_code=201,
    response_model=AppointmentOut,
    responses={
        200: {
            "model": AppointmentOut,
            "description": "Same Idempotency-Key: the booking made then",
        },
        **REFUSED,
    },
    tags=["signed"],
)
async def book_appointment(
    body: BookIn,
    request: Request,
    response: Response,
    terminal: SignedTerminal,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", pattern=UUID_PATTERN)],
) -> AppointmentOut:
    """Book a place for the person; 409 with the reason when refused (422 `invalid_id` for
    an ID number that fails its check)."""
    now = utcnow()
    req = booking.BookRequest(
        hall=body.hall,
        item_code=body.item_code,
        day=body.date,
        at=body.time,
        id_number=body.id_number,
        name=body.name,
        phone=body.phone,
        channel="terminal",
        terminal_id=terminal.terminal_id,
        idempotency_key=f"{terminal.terminal_id}:{idempotency_key.lower()}",
    )

    cache = reader(request)

    def work(conn: Connection) -> tuple[dict[str, Any], bool]:
        return booking.book(conn, req, now, _plan(conn, terminal, body.hall, cache), cache)

    appointment, created = _refusing(lambda: with_connection(request, work))
    if not created:
        response.status_code = 200
    return AppointmentOut.model_validate(appointment)


@router.post(
    "/appointments/mine",
    openapi_extra=SIGNED_OPERATION,
    response_model=AppointmentsOut,
    responses={**SIGNED},
    tags=["signed"],
)
async def my_appointments(
    body: PersonIn, request: Request, terminal: SignedTerminal
) -> AppointmentsOut:
    """The person's appointments from today on (any status, any hall), soonest first."""
    now = utcnow()

    def work(conn: Connection) -> list[dict[str, Any]]:
        if check_id_number(body.id_number):
            raise Refused("invalid_id", "the ID number fails its check (GB 11643)")
        return booking_lists.mine(conn, body.id_number, body.name, now)

    return AppointmentsOut.model_validate(
        {"appointments": _refusing(lambda: with_connection(request, work))}
    )


@router.post(
    "/appointments/{number}/cancel",
    openapi_extra=SIGNED_OPERATION,
    response_model=AppointmentOut,
    responses=REFUSED,
    tags=["signed"],
)
async def cancel_appointment(
    number: Annotated[str, Path(max_length=32)],
    body: CancelIn,
    request: Request,
    terminal: SignedTerminal,
) -> AppointmentOut:
    """Cancel the booker's appointment (`id_number` must be the booker's: else 404); 409
    `too_late` within the hall's cancel limit before the start."""
    now = utcnow()
    out = _refusing(
        lambda: with_connection(request, booking_lists.cancel, number, now, body.id_number)
    )
    return AppointmentOut.model_validate(out)
