"""Submitting and tracking applications (办件)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from sqlalchemy import Connection

from central.applications import find, mine, submit
from central.catalogue import snapshot_of
from central.errors import not_found, validation_failed
from central.routes.common import NOT_FOUND, SIGNED, with_connection
from central.schemas import ApplicationIn, ApplicationOut, ErrorBody, MineIn, MineOut
from central.settings import Settings
from central.signing import SIGNED_OPERATION, SignedBy, SignedTerminal

# Every route here depends on signed_terminal and says so in the OpenAPI document.
router = APIRouter(tags=["signed"])

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_NUMBER = re.compile(r"[0-9]{14,32}")


def tracking_base(request: Request) -> str | None:
    """Where the receipt's QR points (docs/casework.md §4): the configured public URL; in
    the demo only, the URL this request came to; else none (the tracking URL is null: a
    link built from the unsigned Host header could point anywhere)."""
    settings: Settings = request.app.state.settings
    if settings.public_base_url:
        return settings.public_base_url
    return str(request.base_url).rstrip("/") if settings.demo else None


def _submit(
    conn: Connection,
    terminal: SignedBy,
    key: str,
    body: ApplicationIn,
    public_url: str | None = None,
) -> tuple[ApplicationOut, bool]:
    snapshot = snapshot_of(conn, terminal.catalogue)
    if snapshot is None:
        raise validation_failed({"item_code": "unknown_item"}, "no catalogue has been published")
    item = snapshot.item(body.item_code)
    return submit(conn, terminal, key, body, snapshot.version, item, public_url)


@router.post(
    "/applications",
    openapi_extra=SIGNED_OPERATION,
    status_code=201,
    response_model=ApplicationOut,
    responses={
        200: {
            "model": ApplicationOut,
            "description": "Same Idempotency-Key, same body: the stored application",
        },
        409: {"model": ErrorBody, "description": "idempotency_conflict: same key, different body"},
        **SIGNED,
    },
)
async def submit_application(
    body: ApplicationIn,
    request: Request,
    response: Response,
    terminal: SignedTerminal,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", pattern=UUID_PATTERN)],
) -> ApplicationOut:
    out, created = with_connection(
        request, _submit, terminal, idempotency_key.lower(), body, tracking_base(request)
    )
    if not created:
        response.status_code = 200
    return out


@router.post(
    "/applications/mine",
    openapi_extra=SIGNED_OPERATION,
    response_model=MineOut,
    responses=SIGNED,
)
async def my_applications(body: MineIn, request: Request, terminal: SignedTerminal) -> MineOut:
    """The identified citizen's applications, newest first (at most 50): their own and
    those they filed as 代办人. ID number and name must both match."""
    found = with_connection(request, mine, body.id_number, body.name, tracking_base(request))
    return MineOut(applications=found)


@router.get(
    "/applications/{application_number}",
    openapi_extra=SIGNED_OPERATION,
    response_model=ApplicationOut,
    responses={**NOT_FOUND, **SIGNED},
)
async def get_application(
    application_number: str, request: Request, terminal: SignedTerminal
) -> ApplicationOut:
    out = None
    if _NUMBER.fullmatch(application_number):
        out = with_connection(request, find, application_number, tracking_base(request))
    if out is None:
        raise not_found(f"no application {application_number[:40]}")
    return out
