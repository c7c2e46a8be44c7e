"""The keys central signs appointment codes with, and the code format itself.

A code is ``TONGBAN-APPT:<base64url(JSON payload)>.<base64url(signature)>`` (base64url
without padding). The Ed25519 signature covers the ASCII text before the dot, prefix
included, so nothing has to be re-serialised to check it. Terminals verify codes offline
with the public keys of GET /keys/codes; the payload's `kid` names the key.

Keys live in the database (table code_signing_keys), so every process behind the load
balancer, and the CLI, sign with the same key on SQLite and PostgreSQL alike. The first
key is made on first use (the first code issued or the first key listing). Two processes
doing that at the same moment each add one: both are published, the newest signs, no harm.
Rotation adds a newer key (older ones stay published, so codes already issued verify);
retiring a key withdraws it, so codes signed with it no longer verify anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Table, bindparam, insert, select, update

from central.code_schemas import CodeKeyOut, CodeKeysOut
from central.models import CodeSigningKey
from central.timeutil import to_beijing

APPOINTMENT_PREFIX = "TONGBAN-APPT:"
PAYLOAD_VERSION = 1

_keys = cast(Table, CodeSigningKey.__table__)
_LIVE = _keys.c.retired_at.is_(None)
_CURRENT = select(_keys.c.kid, _keys.c.private_key).where(_LIVE).order_by(_keys.c.id.desc())
_PUBLISHED = (
    select(_keys.c.kid, _keys.c.public_key, _keys.c.created_at)
    .where(_LIVE)
    .order_by(_keys.c.id.desc())
)
_ALL = select(_keys.c.kid, _keys.c.created_at, _keys.c.retired_at).order_by(_keys.c.id.desc())
_RETIRE = (
    update(_keys)
    .where(_keys.c.kid == bindparam("the_kid"), _LIVE)
    .values(retired_at=bindparam("now"))
)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey = field(repr=False)


@dataclass(frozen=True)
class KeyState:
    """One key as operations list it."""

    kid: str
    created_at: datetime
    retired_at: datetime | None
    current: bool


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _raw_public(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def key_id(public_raw: bytes) -> str:
    """16 hex digits of the public key's SHA-256: stable, and unique in practice."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def add_key(conn: Connection, now: datetime) -> str:
    """A new signing key, which becomes the current one; its kid."""
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    public = _raw_public(private)
    kid = key_id(public)
    conn.execute(
        insert(_keys).values(
            kid=kid,
            public_key=base64.b64encode(public).decode("ascii"),
            private_key=base64.b64encode(raw_private).decode("ascii"),
            created_at=now,
            retired_at=None,
        )
    )
    return kid


def current_key(conn: Connection, now: datetime) -> SigningKey:
    """The key new codes are signed with, made on first use. On a connection inside a
    transaction (an ORM session's) the caller commits."""
    row = conn.execute(_CURRENT).first()
    if row is None:
        add_key(conn, now)
        row = conn.execute(_CURRENT).first()
        if row is None:  # just inserted on this very connection: cannot happen
            raise RuntimeError("the new code signing key is not there")
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(row.private_key))
    return SigningKey(row.kid, private)


def published_keys(conn: Connection, now: datetime) -> CodeKeysOut:
    """GET /keys/codes: every live key, newest (the current one) first."""
    rows = conn.execute(_PUBLISHED).all()
    if not rows:
        current_key(conn, now)
        rows = conn.execute(_PUBLISHED).all()
    return CodeKeysOut(
        keys=[
            CodeKeyOut(
                kid=row.kid,
                alg="Ed25519",
                public_key=row.public_key,
                created_at=to_beijing(row.created_at),
                current=index == 0,
            )
            for index, row in enumerate(rows)
        ]
    )


def key_states(conn: Connection) -> list[KeyState]:
    rows = conn.execute(_ALL).all()
    live = [row.kid for row in rows if row.retired_at is None]
    return [
        KeyState(row.kid, row.created_at, row.retired_at, bool(live) and row.kid == live[0])
        for row in rows
    ]


def retire_key(conn: Connection, kid: str, now: datetime) -> bool:
    """Withdraw `kid` (False when there is no such live key)."""
    return conn.execute(_RETIRE, {"the_kid": kid, "now": now}).rowcount == 1


def sign_code(key: SigningKey, payload: dict[str, Any]) -> str:
    """The appointment code for `payload` (its `kid` must be `key`'s)."""
    if payload.get("kid") != key.kid:
        raise ValueError("the payload must name the signing key")
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    signed = APPOINTMENT_PREFIX + b64url(text.encode("utf-8"))
    return f"{signed}.{b64url(key.private_key.sign(signed.encode('ascii')))}"
