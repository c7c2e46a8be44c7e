"""What comes back from central, read safely: a body capped in size and time, and parsed
strictly into its model without ever quoting the input (a context answer may carry personal
data); and the compact JSON the client sends."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError

from kiosk.central_api.errors import CentralUnavailable, InvalidResponse
from kiosk.central_api.retry import Reply

MAX_BODY = 32 * 1024 * 1024
M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], reply: Reply) -> M:
    try:
        return model.model_validate_json(reply.body, strict=True)
    except ValidationError as err:
        # Never the input values: a context answer may carry personal data.
        first = err.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise InvalidResponse(f"{model.__name__}: {where}: {first['type']}", reply.status) from None


def read_body(response: requests.Response, deadline: float, clock: Callable[[], float],
              deadline_s: float) -> bytes:
    """The body, at most MAX_BODY bytes and read before ``deadline`` (on ``clock``)."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY:
            raise InvalidResponse(f"body larger than {MAX_BODY} bytes", response.status_code)
        if clock() > deadline:
            raise CentralUnavailable("timeout", f"call longer than its deadline of {deadline_s:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def json_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
