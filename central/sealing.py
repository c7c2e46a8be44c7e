"""Sealed outbox bodies: what a terminal keeps on its disk until central has it is sealed to
central's X25519 key, so a copied terminal disk holds nothing it can decrypt.

The key pair is central's own (table central_secrets, `outbox_seal`, made by migration
0004); the public half is published at GET /keys/outbox. A sealed body is
``version 0x02 | ephemeral X25519 public key (32) | nonce (12) | AES-256-GCM ciphertext+tag``;
the AES key is HKDF-SHA256 of the X25519 shared secret with the two public keys in its info,
and the associated data binds the body to its Idempotency-Key (a sealed body replayed under
another key does not open). kiosk/store/crypto.py seals; this module opens.
"""

from __future__ import annotations

import base64
import hashlib
from typing import cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, Table, select

from central.errors import validation_failed
from central.models import CentralSecret

SEAL_SECRET = "outbox_seal"
ALG = "X25519-HKDF-SHA256-A256GCM"
VERSION = b"\x02"
INFO = b"tongban-seal-v1\x00"
AAD_PREFIX = b"tongban-outbox-sealed-v1\x00"
_HEADER = 1 + 32 + 12

_secrets = cast(Table, CentralSecret.__table__)
_PRIVATE = select(_secrets.c.value).where(_secrets.c.name == SEAL_SECRET)


def _raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def private_key(conn: Connection) -> X25519PrivateKey:
    value = conn.execute(_PRIVATE).scalar_one_or_none()
    if value is None:  # the schema is older than migration 0004
        raise RuntimeError("central_secrets has no outbox_seal: run kiosk-central migrate")
    return X25519PrivateKey.from_private_bytes(base64.b64decode(value))


def public_key(conn: Connection) -> tuple[str, str]:
    """(kid, base64 of the raw public key) of the outbox key."""
    raw = _raw(private_key(conn).public_key())
    return hashlib.sha256(raw).hexdigest()[:16], base64.b64encode(raw).decode("ascii")


def open_sealed(private: X25519PrivateKey, blob: bytes, idempotency_key: str) -> bytes:
    """The plaintext of a sealed body, or ValueError when it does not open."""
    if len(blob) < _HEADER + 16 or blob[:1] != VERSION:
        raise ValueError("not a sealed body")
    ephemeral = blob[1:33]
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral))
    except ValueError:
        raise ValueError("bad ephemeral key") from None
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=INFO + ephemeral + _raw(private.public_key()),
    ).derive(shared)
    try:
        return AESGCM(key).decrypt(
            blob[33:_HEADER], blob[_HEADER:], AAD_PREFIX + idempotency_key.encode()
        )
    except InvalidTag:
        raise ValueError("does not open with central's key") from None


def unseal(conn: Connection, sealed_b64: str, idempotency_key: str) -> bytes:
    """The plaintext of a request's sealed body (422 `sealed: undecryptable` otherwise)."""
    try:
        blob = base64.b64decode(sealed_b64, validate=True)
        return open_sealed(private_key(conn), blob, idempotency_key)
    except ValueError:
        raise validation_failed(
            {"sealed": "undecryptable"}, "the sealed body does not open"
        ) from None
