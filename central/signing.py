"""Request signing (docs/central-api.md, "Signing"), verified as a FastAPI dependency.

Checks run cheapest-first but reveal as little as possible to an unsigned caller:
headers present and well-formed, terminal known, signature valid, timestamp fresh, nonce
new. Only a request that passed all of that costs a write (its nonce). The nonce table is
shared by all processes, so a replay to another worker is refused too.

The headers are read from the request directly rather than declared as FastAPI header
or security dependencies: each declared dependency costs resolution work on every
request, and the OpenAPI document gets the four schemes from SECURITY_SCHEMES instead.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import Depends, Request
from sqlalchemy import Connection, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from central.catalogue import LATEST_VERSION_ID, CatalogueRef
from central.db import Database
from central.errors import ApiError
from central.models import CatalogueVersion, Nonce, Terminal
from central.schemas import ErrorCode
from central.settings import Settings
from central.timeutil import utcnow

SIGNATURE_VERSION = "TONGBAN-SIG-V1"
_NONCE = re.compile(r"[0-9a-f]{32}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_TERMINAL_ID = re.compile(r"T-[0-9]{4,9}")

# The four headers, documented as security schemes (central.app adds them to the OpenAPI
# document); a signed route names all four as one requirement: a request needs all four.
SECURITY_SCHEMES = {
    "TerminalId": ("X-Terminal-Id", "Terminal id from enrollment, e.g. T-0001."),
    "Timestamp": (
        "X-Timestamp",
        "Unix seconds (UTC); refused when more than 60 s from central's clock.",
    ),
    "Nonce": ("X-Nonce", "32 lowercase hex characters, never reused by a terminal."),
    "Signature": (
        "X-Signature",
        "base64 Ed25519 signature of the TONGBAN-SIG-V1 string (see the contract).",
    ),
}


SIGNED_OPERATION: dict[str, Any] = {"security": [{scheme: [] for scheme in SECURITY_SCHEMES}]}


@dataclass(frozen=True)
class SignedBy:
    """The terminal that signed the request, as the handlers need it."""

    terminal_id: str
    region_code: str
    hall_name: str
    catalogue: CatalogueRef | None  # current when the request was verified


# Built once: these run on every signed request. The terminal query also reads which
# catalogue is current (every handler needs it): one round trip instead of two.
_TERMINAL = (
    select(
        Terminal.public_key,
        Terminal.revoked,
        Terminal.region_code,
        Terminal.hall_name,
        CatalogueVersion.id.label("catalogue_id"),
        CatalogueVersion.version.label("catalogue_version"),
        CatalogueVersion.content_hash.label("catalogue_hash"),
    )
    .select_from(Terminal)
    .outerjoin(CatalogueVersion, CatalogueVersion.id == LATEST_VERSION_ID)
    .where(Terminal.terminal_id == bindparam("terminal_id"))
)
_INSERT_NONCE = {
    "postgresql": pg_insert(Nonce).on_conflict_do_nothing().returning(Nonce.nonce),
    "sqlite": sqlite_insert(Nonce).on_conflict_do_nothing().returning(Nonce.nonce),
}
_PURGE = delete(Nonce).where(Nonce.expires_at < bindparam("now"))


def signed_string(
    method: str, path: str, timestamp: str, nonce: str, terminal_id: str, body: bytes
) -> bytes:
    """The exact bytes a terminal signs."""
    lines = [
        SIGNATURE_VERSION,
        method.upper(),
        path,
        timestamp,
        nonce,
        terminal_id,
        hashlib.sha256(body).hexdigest(),
    ]
    return "\n".join(lines).encode("utf-8")


def path_as_sent(request: Request) -> str:
    """Path and query exactly as on the request line (before any decoding)."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) and raw else request.url.path
    query = request.scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path


def _unauthorized(reason: ErrorCode, detail: str) -> ApiError:
    return ApiError(401, reason, detail)


def _decode_signature(value: str) -> bytes | None:
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None
    return raw if len(raw) == 64 else None


def verify_request(request: Request, body: bytes) -> SignedBy:
    """`verify` with what this request carries (its database's connection, its headers);
    on whatever thread the caller runs it."""
    headers = request.headers
    db: Database = request.app.state.db
    return db.run(
        verify,
        request.app.state.settings,
        request.method,
        path_as_sent(request),
        body,
        headers.get("X-Terminal-Id"),
        headers.get("X-Timestamp"),
        headers.get("X-Nonce"),
        headers.get("X-Signature"),
    )


async def signed_terminal(request: Request) -> SignedBy:
    """FastAPI dependency: the terminal that signed this request, or 401 with the reason.

    Async, with its two statements run in the event loop (central.db): a sync dependency
    would cost a worker-thread hop on every signed request.
    """
    body = await request.body()  # cached by Starlette: the endpoint parses the same bytes
    return verify_request(request, body)


def verify(
    conn: Connection,  # autocommit: the nonce INSERT is its own transaction
    settings: Settings,
    method: str,
    path: str,
    body: bytes,
    terminal_id: str | None,
    timestamp: str | None,
    nonce: str | None,
    signature: str | None,
) -> SignedBy:
    if not (terminal_id and timestamp and nonce and signature):
        raise _unauthorized(
            "missing_signature", "X-Terminal-Id, X-Timestamp, X-Nonce and X-Signature are required"
        )
    sig = _decode_signature(signature)
    if not (_TIMESTAMP.fullmatch(timestamp) and _NONCE.fullmatch(nonce) and sig):
        raise _unauthorized("missing_signature", "a signature header is malformed")
    if not _TERMINAL_ID.fullmatch(terminal_id):
        raise _unauthorized("unknown_terminal", "no such terminal, or it was revoked")
    terminal = conn.execute(_TERMINAL, {"terminal_id": terminal_id}).first()
    if terminal is None or terminal.revoked:
        raise _unauthorized("unknown_terminal", "no such terminal, or it was revoked")
    message = signed_string(method, path, timestamp, nonce, terminal_id, body)
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(terminal.public_key)).verify(
            sig, message
        )
    except InvalidSignature:
        raise _unauthorized("bad_signature", "signature does not verify") from None
    window = settings.signature_window.total_seconds()
    if abs(time.time() - int(timestamp)) > window:
        raise _unauthorized("stale_timestamp", f"X-Timestamp is more than {window:.0f} s away")
    _remember_nonce(conn, terminal_id, nonce, settings.nonce_retention, settings.nonce_purge_every)
    catalogue = (
        CatalogueRef(terminal.catalogue_id, terminal.catalogue_version, terminal.catalogue_hash)
        if terminal.catalogue_id is not None
        else None
    )
    return SignedBy(terminal_id, terminal.region_code, terminal.hall_name, catalogue)


def _remember_nonce(
    conn: Connection, terminal_id: str, nonce: str, retention: timedelta, purge_every: int
) -> None:
    """Insert the nonce; a row already there (this or another process, even one that is
    still committing it) means a replay. ON CONFLICT DO NOTHING says so without an error."""
    now = utcnow()
    values = {"terminal_id": terminal_id, "nonce": nonce, "expires_at": now + retention}
    # RETURNING, not rowcount: a driver may not report rowcount for an INSERT (psycopg here).
    inserted = conn.execute(_INSERT_NONCE[conn.dialect.name], values).first() is not None
    if not inserted:
        conn.rollback()
        raise _unauthorized("replayed_nonce", "this nonce was already used")
    if secrets.randbelow(purge_every) == 0:
        conn.execute(_PURGE, {"now": now})
    conn.commit()


SignedTerminal = Annotated[SignedBy, Depends(signed_terminal)]
