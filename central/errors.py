"""The errors a request can end in. Raised anywhere (also outside FastAPI, so the CLI can
use the same code without importing the web stack); central.handlers turns them into the
one error shape of the contract: {"error": CODE, "detail": "..."} (+ "fields")."""

from __future__ import annotations

from central.schemas import ErrorCode


class ApiError(Exception):
    """Raised anywhere in a request; becomes the documented error body."""

    def __init__(
        self,
        status: int,
        error: ErrorCode,
        detail: str,
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.fields = fields


def validation_failed(fields: dict[str, str], detail: str = "") -> ApiError:
    text = detail or "; ".join(f"{k}: {v}" for k, v in fields.items())
    return ApiError(422, "validation_failed", text, fields)


def not_found(detail: str) -> ApiError:
    return ApiError(404, "not_found", detail)
