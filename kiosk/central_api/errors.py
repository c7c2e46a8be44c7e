"""What can go wrong talking to the central, as a small tree with stable codes.

Every transport failure, unexpected status and malformed body is translated here, at the
boundary, into one of these; the flow picks the words to show. Codes are stable strings
(``err.code``), never UI text, and never carry personal data.
"""

from __future__ import annotations

import re
from typing import Any

_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class CentralError(Exception):
    """Base of every central client error. ``code`` is stable and free of personal data."""

    code: str

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}" if detail else code)


class CentralUnavailable(CentralError):
    """Central could not be reached: refused, timed out, DNS or TLS failure. Retry later.

    Codes: ``connect_failed``, ``timeout``, ``tls_failed``, ``transport_failed``.
    """


class CentralServerError(CentralUnavailable):
    """Central answered 5xx (code ``server_error``): worth retrying like unavailability."""

    def __init__(self, status: int, detail: str = "") -> None:
        self.status = status
        super().__init__("server_error", detail or f"HTTP {status}")


class CentralRejected(CentralError):
    """Central refused the request with a contract error (4xx): retrying the same request
    will not help (except for the 401 clock/nonce cases the outbox retries anyway).

    ``code`` and ``error`` are the contract's code (``not_found``, ``validation_failed``,
    ``idempotency_conflict``, ``enrollment_failed``, ``bad_signature`` ...); ``fields`` maps
    form keys to reasons for ``validation_failed``.
    """

    def __init__(self, status: int, error: str, detail: str = "", fields: dict[str, str] | None = None) -> None:
        self.status = status
        self.error = error
        self.fields: dict[str, str] = dict(fields or {})
        super().__init__(error, detail)


class InvalidResponse(CentralError):
    """Central answered something the contract does not allow: not JSON, a wrong shape, an
    unexpected status. Code ``invalid_response``."""

    def __init__(self, detail: str, status: int | None = None) -> None:
        self.status = status
        super().__init__("invalid_response", detail)


class NotEnrolled(CentralError):
    """This terminal has no identity yet (code ``not_enrolled``): run ``kiosk enroll``."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("not_enrolled", detail or "run `kiosk enroll --code CODE` first")


class AlreadyEnrolled(CentralError):
    """Enrollment refused locally: an identity exists (code ``already_enrolled``)."""

    def __init__(self, terminal_id: str) -> None:
        self.terminal_id = terminal_id
        super().__init__("already_enrolled", f"already enrolled as {terminal_id}; use --force to re-enroll")


class IdentityInvalid(CentralError):
    """The identity files exist but cannot be used (code ``identity_invalid``)."""

    def __init__(self, detail: str) -> None:
        super().__init__("identity_invalid", detail)


def rejected_from_body(status: int, body: Any) -> CentralRejected | None:
    """The CentralRejected a 4xx error body describes, or None if the body is not one."""
    if not isinstance(body, dict):
        return None
    error, detail, fields = body.get("error"), body.get("detail", ""), body.get("fields")
    if not isinstance(error, str) or not _CODE.match(error):
        return None
    if not isinstance(detail, str):
        detail = ""
    clean_fields: dict[str, str] = {}
    if isinstance(fields, dict):
        clean_fields = {str(k): str(v) for k, v in fields.items()}
    return CentralRejected(status, error, detail[:500], clean_fields)
