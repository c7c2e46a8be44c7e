"""Evidence pages' intake (docs/casework.md §5): `POST /applications/evidence`.

Terminals deliver each page through their outbox sealed to central's outbox key (what
waits on their disk is a citizen's document), so the route takes either the page itself
(`EvidenceIn`) or its sealed envelope `{"sealed": ...}` bound to the request's
Idempotency-Key, opened like the sealed applications (central.routes.sealed).
`/applications/evidence/sealed` takes the envelope too, under the name the terminal's
outbox gives every sealed kind's path. Either way the page is stored idempotently by
(terminal, local receipt, page): central.evidence.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import Field, ValidationError

from central.errors import validation_failed
from central.evidence import store_page
from central.routes.common import SIGNED, with_connection
from central.routes.queue import now_of
from central.schemas import ErrorBody, EvidenceAck, EvidenceIn, Model
from central.sealing import unseal
from central.signing import SIGNED_OPERATION, SignedTerminal

router = APIRouter(tags=["signed"])
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


class SealedEvidenceIn(Model):
    """An `EvidenceIn` sealed to central's outbox key (as central.document_schemas.SealedIn,
    with room for a 4 MiB page: base64 of the sealed JSON of its base64)."""

    sealed: Annotated[str, Field(min_length=1, max_length=8_000_000, pattern=r"^[A-Za-z0-9+/=]+$")]


_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": EvidenceAck, "description": "This page, with this hash, is stored already"},
    409: {"model": ErrorBody, "description": "duplicate: this page is stored with another hash"},
    **SIGNED,
}


def _opened(request: Request, body: SealedEvidenceIn, key: str | None) -> EvidenceIn:
    if key is None:
        raise validation_failed(
            {"Idempotency-Key": "required"}, "a sealed page needs the key it is sealed to"
        )
    plain = with_connection(request, unseal, body.sealed, key)
    try:
        return EvidenceIn.model_validate_json(plain)
    except ValidationError as err:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in err.errors(include_input=False)]
        raise RequestValidationError(errors) from None
    finally:
        del plain


def _store(
    request: Request, response: Response, terminal: SignedTerminal, page: EvidenceIn
) -> EvidenceAck:
    ack, created = with_connection(
        request, store_page, terminal.terminal_id, page, now_of(request)
    )
    if not created:
        response.status_code = 200
    return ack


@router.post(
    "/applications/evidence",
    openapi_extra=SIGNED_OPERATION,
    status_code=201,
    response_model=EvidenceAck,
    responses=_ANSWERS,
)
async def submit_evidence(
    body: Annotated[EvidenceIn | SealedEvidenceIn, Body()],
    request: Request,
    response: Response,
    terminal: SignedTerminal,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", pattern=UUID_PATTERN)
    ] = None,
) -> EvidenceAck:
    """One page of an application's evidence, plain or sealed (then the Idempotency-Key
    it is sealed to is required). 422 `sha256: hash_mismatch` when the page's bytes do not
    hash to `sha256`, `jpeg_base64: not_jpeg` for anything but a JPEG; 413 over 4 MiB."""
    page = body if isinstance(body, EvidenceIn) else _opened(request, body, idempotency_key)
    return _store(request, response, terminal, page)


@router.post(
    "/applications/evidence/sealed",
    openapi_extra=SIGNED_OPERATION,
    status_code=201,
    response_model=EvidenceAck,
    responses=_ANSWERS,
)
async def submit_sealed_evidence(
    body: SealedEvidenceIn,
    request: Request,
    response: Response,
    terminal: SignedTerminal,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", pattern=UUID_PATTERN)],
) -> EvidenceAck:
    """POST /applications/evidence with its body sealed to central's outbox key (422
    `sealed: undecryptable` when it does not open under this Idempotency-Key)."""
    return _store(request, response, terminal, _opened(request, body, idempotency_key))
