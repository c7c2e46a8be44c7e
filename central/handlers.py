"""One error shape for every non-2xx answer: {"error": CODE, "detail": "..."} (+ "fields"),
whether the error is ours (ApiError), FastAPI's (request validation) or Starlette's."""

from __future__ import annotations

import logging
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from central.errors import ApiError
from central.schemas import ErrorBody, ErrorCode, ValidationErrorBody

log = logging.getLogger("central")

_HTTP_CODES: dict[int, ErrorCode] = {404: "not_found", 405: "method_not_allowed"}


def error_response(
    status: int, error: ErrorCode, detail: str, fields: dict[str, str] | None = None
) -> JSONResponse:
    body: ErrorBody = (
        ValidationErrorBody(error=error, detail=detail, fields=fields)
        if fields is not None
        else ErrorBody(error=error, detail=detail)
    )
    return JSONResponse(status_code=status, content=body.model_dump())


def _field_name(loc: tuple[Any, ...]) -> str:
    # ("body", "applicant", "id_number") -> "applicant.id_number"; ("header", "Idempotency-Key")
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "header", "query", "path") and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


def _reason(error: dict[str, Any]) -> str:
    kind = str(error.get("type", "invalid"))
    return {
        "missing": "required",
        "string_too_long": "too_long",
        "string_too_short": "too_short",
    }.get(kind, kind)


async def _on_api_error(_request: Request, exc: Exception) -> JSONResponse:
    err = cast(ApiError, exc)  # registered for ApiError only
    return error_response(err.status, err.error, err.detail, err.fields)


async def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    fields: dict[str, str] = {}
    for err in cast(RequestValidationError, exc).errors():
        fields.setdefault(_field_name(tuple(err.get("loc", ()))), _reason(err))
    detail = "request does not match the schema: " + "; ".join(
        f"{k}: {v}" for k, v in fields.items()
    )
    return error_response(422, "validation_failed", detail, fields)


async def _on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    http = cast(StarletteHTTPException, exc)
    if http.status_code == 400:
        # FastAPI's "error parsing the body" (e.g. not UTF-8): malformed like bad JSON, so
        # the same 422 as bad JSON, and one documented answer for every malformed body.
        return error_response(422, "validation_failed", str(http.detail), {"body": "unreadable"})
    code = _HTTP_CODES.get(http.status_code, "bad_request")
    return error_response(http.status_code, code, str(http.detail))


async def _on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "internal", "internal error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
