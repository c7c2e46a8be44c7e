"""GET /terminals/config: the terminal's effective remote configuration (docs/fleet.md §3),
with ETag / If-None-Match like the catalogue, so asking again for an unchanged document
costs a 304 and no merge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from central.config_docs import effective, effective_version
from central.errors import ApiError
from central.fleet_schemas import ConfigOut
from central.routes.common import SIGNED, with_connection
from central.schemas import ErrorBody
from central.signing import SIGNED_OPERATION, SignedTerminal

router = APIRouter(tags=["signed"])

ETAG_HEADER = {
    "ETag": {
        "description": 'The effective configuration version in quotes, e.g. "cfg-3f2a9c1b7d0e"',
        "schema": {"type": "string"},
    }
}


def _matches(if_none_match: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def _no_config() -> ApiError:
    return ApiError(404, "no_config", "no configuration layer applies to this terminal")


@router.get(
    "/terminals/config",
    openapi_extra=SIGNED_OPERATION,
    response_model=ConfigOut,
    responses={
        200: {"headers": ETAG_HEADER},
        304: {
            "description": "Not modified: the If-None-Match version is the effective one",
            "headers": ETAG_HEADER,
        },
        404: {"model": ErrorBody, "description": "no_config: no layer applies to this terminal"},
        **SIGNED,
    },
)
async def get_config(
    request: Request,
    terminal: SignedTerminal,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match", max_length=200)] = None,
) -> Response:
    """The merged document of every published layer that applies to the signing terminal
    (all, profile, region, hall, terminal: weakest first) and the layers it came from."""
    if if_none_match:
        # The cheap path first: the version alone, without reading or merging documents.
        version = with_connection(request, effective_version, terminal.terminal_id)
        if version is None:
            raise _no_config()
        if _matches(if_none_match, f'"{version}"'):
            return Response(status_code=304, headers={"ETag": f'"{version}"'})
    body = with_connection(request, effective, terminal.terminal_id)
    if body is None:
        raise _no_config()
    etag = f'"{body["version"]}"'
    document = ConfigOut.model_validate(body).model_dump_json().encode("utf-8")
    return Response(document, media_type="application/json", headers={"ETag": etag})
