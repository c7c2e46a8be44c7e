"""Sealed outbox deliveries: central's outbox key, and the two intakes that take a body
sealed to it (central.sealing). Opened, a sealed body goes the way of the unsealed one
(same validation, same idempotency by Idempotency-Key)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection

from central.document_schemas import (
    UUID_PATTERN,
    OutboxKeyOut,
    PrintLogAck,
    PrintLogIn,
    SealedIn,
)
from central.printlog import record
from central.routes.applications import _submit, tracking_base
from central.routes.common import SIGNED, with_connection
from central.schemas import ApplicationIn, ApplicationOut, ErrorBody
from central.sealing import public_key, unseal
from central.signing import SIGNED_OPERATION, SignedTerminal

router = APIRouter()
M = TypeVar("M", bound=BaseModel)
_REPLAYED = "Same Idempotency-Key, same content: stored"
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "idempotency_conflict: same key, different body"}
}


def _outbox_key(conn: Connection) -> OutboxKeyOut:
    kid, public = public_key(conn)
    return OutboxKeyOut(kid=kid, alg="X25519-HKDF-SHA256-A256GCM", public_key=public)


@router.get("/keys/outbox", response_model=OutboxKeyOut, tags=["unsigned"])
async def outbox_key(request: Request) -> OutboxKeyOut:
    """The X25519 key terminals seal what waits in their outbox to: their disk then holds
    nothing it can decrypt. Terminals fetch it over TLS and keep it."""
    return with_connection(request, _outbox_key)


def _opened(request: Request, model: type[M], body: SealedIn, key: str) -> M:
    plain = with_connection(request, unseal, body.sealed, key)
    try:
        return model.model_validate_json(plain)
    except ValidationError as err:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in err.errors(include_input=False)]
        raise RequestValidationError(errors) from None
    finally:
        del plain


@router.post(
    "/applications/sealed",
    openapi_extra=SIGNED_OPERATION,
    status_code=201,
    response_model=ApplicationOut,
    responses={200: {"model": ApplicationOut, "description": _REPLAYED}, **_CONFLICT, **SIGNED},
    tags=["signed"],
)
async def submit_sealed_application(
    body: SealedIn,
    request: Request,
    response: Response,
    terminal: SignedTerminal,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", pattern=UUID_PATTERN)],
) -> ApplicationOut:
    """POST /applications with its body sealed to central's outbox key (422
    `sealed: undecryptable` when it does not open under this Idempotency-Key)."""
    key = idempotency_key.lower()
    application = _opened(request, ApplicationIn, body, idempotency_key)
    out, created = with_connection(
        request, _submit, terminal, key, application, tracking_base(request)
    )
    if not created:
        response.status_code = 200
    return out


@router.post(
    "/print-log/sealed",
    openapi_extra=SIGNED_OPERATION,
    status_code=201,
    response_model=PrintLogAck,
    responses={200: {"model": PrintLogAck, "description": _REPLAYED}, **_CONFLICT, **SIGNED},
    tags=["signed"],
)
async def submit_sealed_print_log(
    body: SealedIn,
    request: Request,
    response: Response,
    terminal: SignedTerminal,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", pattern=UUID_PATTERN)],
) -> PrintLogAck:
    """POST /print-log with its body sealed to central's outbox key; the ID number it
    carries is hashed under central's look-up key and dropped."""
    entry = _opened(request, PrintLogIn, body, idempotency_key)
    ack, created = with_connection(request, record, terminal, idempotency_key.lower(), entry)
    if not created:
        response.status_code = 200
    return ack
