"""``GET /terminals/config`` (docs/fleet.md §3): the terminal's effective remote
configuration, with the catalogue's ETag path (an unchanged version costs a 304).

The answer is parsed strictly into the terminal's own model; the document itself is only
checked to be an object here (kiosk.config_remote and the configuration models judge it).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kiosk.central_api.client import CentralClient
from kiosk.central_api.replies import parse

ConfigVersion = Annotated[str, Field(pattern=r"^cfg-[0-9a-f]{12}$")]


class ConfigLayer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)
    scope: Literal["all", "profile", "region", "hall", "terminal"]
    key: Annotated[str, Field(max_length=40)]
    version: int


class RemoteDocument(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)
    version: ConfigVersion
    document: dict[str, Any]
    layers: list[ConfigLayer]


def get_config(client: CentralClient, etag: str | None = None) -> RemoteDocument | None:
    """The effective document, or None when ``etag`` (a version) is still the effective one
    (304). Raises CentralRejected ``no_config`` (404) when no layer applies, and the
    client's other errors (CentralUnavailable, InvalidResponse, NotEnrolled)."""
    headers = {"If-None-Match": f'"{etag}"'} if etag else {}
    reply = client._exchange("GET", "/terminals/config", headers=headers,
                             retries=client.get_retries)
    if reply.status == 304 and etag:
        return None
    client._expect(reply, (200,))
    return parse(RemoteDocument, reply)
