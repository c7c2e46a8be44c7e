"""The service catalogue, with ETag / If-None-Match so an unchanged catalogue costs a 304."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from central.catalogue import snapshot_of
from central.errors import not_found
from central.routes.common import NOT_FOUND, SIGNED, with_connection
from central.schemas import CatalogueOut
from central.signing import SIGNED_OPERATION, SignedTerminal

# Every route here depends on signed_terminal and says so in the OpenAPI document.
router = APIRouter(tags=["signed"])

ETAG_HEADER = {
    "ETag": {
        "description": 'The catalogue version in quotes, e.g. "2026.11.1"',
        "schema": {"type": "string"},
    }
}


def _matches(if_none_match: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


@router.get(
    "/catalogue",
    openapi_extra=SIGNED_OPERATION,
    response_model=CatalogueOut,
    responses={
        200: {"headers": ETAG_HEADER},
        304: {
            "description": "Not modified: the If-None-Match version is current",
            "headers": ETAG_HEADER,
        },
        **NOT_FOUND,
        **SIGNED,
    },
)
async def get_catalogue(
    request: Request,
    terminal: SignedTerminal,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match", max_length=200)] = None,
) -> Response:
    snapshot = with_connection(request, snapshot_of, terminal.catalogue)
    if snapshot is None:
        raise not_found("no catalogue has been published")
    etag = f'"{snapshot.version}"'
    if if_none_match and _matches(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    # Serialised once per version (central.catalogue.Snapshot.document).
    return Response(snapshot.document, media_type="application/json", headers={"ETag": etag})
