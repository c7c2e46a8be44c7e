"""The print log: terminals report each finished print attempt (through their outbox)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from central.document_schemas import (
    UUID_PATTERN,
    PrintLogAck,
    PrintLogIn,
    PrintLogLookupIn,
    PrintLogLookupOut,
)
from central.printlog import lookup, record
from central.routes.common import SIGNED, with_connection
from central.schemas import ErrorBody
from central.signing import SIGNED_OPERATION, SignedTerminal

# Every route here depends on signed_terminal and says so in the OpenAPI document.
router = APIRouter(tags=["signed"])


@router.post(
    "/print-log",
    openapi_extra=SIGNED_OPERATION,
    status_code=201,
    response_model=PrintLogAck,
    responses={
        200: {"model": PrintLogAck, "description": "Same Idempotency-Key, same body: stored"},
        409: {"model": ErrorBody, "description": "idempotency_conflict: same key, different body"},
        **SIGNED,
    },
)
async def submit_print_log(
    body: PrintLogIn,
    request: Request,
    response: Response,
    terminal: SignedTerminal,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", pattern=UUID_PATTERN)],
) -> PrintLogAck:
    """Store one print-log entry of the signing terminal, with the terminal's hall. An
    `id_masked` with more visible digits than 1405**********123X is refused (422)."""
    ack, created = with_connection(request, record, terminal, idempotency_key.lower(), body)
    if not created:
        response.status_code = 200
    return ack


@router.post(
    "/print-log/lookup",
    openapi_extra=SIGNED_OPERATION,
    response_model=PrintLogLookupOut,
    responses={
        429: {"model": ErrorBody, "description": "rate_limited: over 60 look-ups an hour"},
        **SIGNED,
    },
)
async def lookup_print_log(
    body: PrintLogLookupIn, request: Request, terminal: SignedTerminal
) -> PrintLogLookupOut:
    """The signing terminal's print-log entries for one ID number (entry ids, newest first,
    at most 1000). Terminals keep no hash of ID numbers: finding a citizen's prints by number
    is done here, under central's own key; other terminals' entries are never matched. At
    most 60 look-ups per terminal an hour (counted in the database, shared by every
    worker): 429 `rate_limited`."""
    return with_connection(request, lookup, terminal, body.id_number)
