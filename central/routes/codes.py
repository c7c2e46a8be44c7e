"""What scanned codes mean: the public keys terminals verify appointment codes with
(unsigned: the keys are public, and a terminal needs them to verify offline), and the
resolution of an electronic ID code into the person (signed, single use)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request

from central.code_keys import published_keys
from central.code_schemas import CodeKeysOut, IdentityCodeIn, ResolvedIdentityOut
from central.document_schemas import UUID_PATTERN
from central.eid import resolve
from central.routes.common import NOT_FOUND, SIGNED, with_connection
from central.schemas import ErrorBody
from central.signing import SIGNED_OPERATION, SignedTerminal
from central.timeutil import utcnow

router = APIRouter()


@router.get("/keys/codes", response_model=CodeKeysOut, tags=["unsigned"])
async def code_keys(request: Request) -> CodeKeysOut:
    """The public keys appointment codes are signed with (the payload's `kid` names one).
    Terminals cache them and ask again when a code names a key they do not know."""
    return with_connection(request, published_keys, utcnow())


@router.post(
    "/identity/resolve",
    openapi_extra=SIGNED_OPERATION,
    response_model=ResolvedIdentityOut,
    responses={
        **NOT_FOUND,
        410: {
            "model": ErrorBody,
            "description": "code_expired, or code_used (by another terminal or request)",
        },
        **SIGNED,
    },
    tags=["signed"],
)
async def resolve_identity(
    body: IdentityCodeIn,
    request: Request,
    terminal: SignedTerminal,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", pattern=UUID_PATTERN)],
) -> ResolvedIdentityOut:
    """The person an electronic ID code (`TONGBAN-EID:` / `TONGBAN-ESSC:`) stands for. A
    code resolves once; the same terminal's retry with the same Idempotency-Key gets the
    same answer. 422 `"code": "malformed"` for anything that is not such a code."""
    return with_connection(request, resolve, terminal, idempotency_key.lower(), body.code, utcnow())
