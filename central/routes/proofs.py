"""Proofs (证明): which a person can have, issuing one, and verifying an issued document.

Verification is unsigned: whoever holds the paper (a bank clerk scanning its QR code) may
check it. It shows the document with the holder masked.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from central.document_schemas import (
    UUID_PATTERN,
    IssuedDocumentOut,
    ProofIssueIn,
    ProofsAvailableOut,
    VerifiedDocumentOut,
)
from central.errors import ApiError
from central.proofs import available, issue, verify
from central.routes.common import INVALID, NOT_FOUND, SIGNED, with_connection
from central.schemas import ErrorBody, PersonContextIn
from central.settings import Settings
from central.signing import SIGNED_OPERATION, SignedTerminal

router = APIRouter()


def public_base_url(request: Request) -> str:
    """Where verification links point: the configured public URL (behind a proxy the
    request's own URL is an internal one); in the demo only, the URL this request came to.
    Outside the demo without one: 503 `public_url_required`, nothing issued (the Host
    header is not signed, so a link built from it could point anywhere)."""
    settings: Settings = request.app.state.settings
    if settings.public_base_url:
        return settings.public_base_url
    if not settings.demo:
        raise ApiError(
            503,
            "public_url_required",
            "central has no public URL (TONGBAN_CENTRAL_PUBLIC_URL): it issues no documents",
        )
    return str(request.base_url).rstrip("/")


@router.post(
    "/proofs/available",
    openapi_extra=SIGNED_OPERATION,
    response_model=ProofsAvailableOut,
    responses=SIGNED,
    tags=["signed"],
)
async def proofs_available(
    body: PersonContextIn, request: Request, terminal: SignedTerminal
) -> ProofsAvailableOut:
    """The proofs central can issue to this person; none for an unknown person or a name
    that is not the one on record."""
    return with_connection(request, available, body)


@router.post(
    "/proofs/issue",
    openapi_extra=SIGNED_OPERATION,
    status_code=201,
    response_model=IssuedDocumentOut,
    responses={
        200: {
            "model": IssuedDocumentOut,
            "description": "Same Idempotency-Key, same body: the document issued then",
        },
        409: {"model": ErrorBody, "description": "idempotency_conflict: same key, different body"},
        503: {
            "model": ErrorBody,
            "description": "public_url_required: central runs outside the demo without "
            "TONGBAN_CENTRAL_PUBLIC_URL and issues nothing",
        },
        **NOT_FOUND,
        **SIGNED,
    },
    tags=["signed"],
)
async def issue_proof(
    body: ProofIssueIn,
    request: Request,
    response: Response,
    terminal: SignedTerminal,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", pattern=UUID_PATTERN)],
) -> IssuedDocumentOut:
    """Issue a proof to the person named (404 `not_found` when they have no such proof)."""
    document, created = with_connection(
        request, issue, terminal, idempotency_key.lower(), body, public_base_url(request)
    )
    if not created:
        response.status_code = 200
    return document


@router.get(
    "/documents/{verification_code}",
    response_model=VerifiedDocumentOut,
    responses={**NOT_FOUND, **INVALID},
    tags=["unsigned"],
)
async def verify_document(verification_code: str, request: Request) -> VerifiedDocumentOut:
    """An issued document by its verification code (any case; spaces and dashes ignored),
    with the holder's name and ID number masked."""
    return with_connection(request, verify, verification_code)
