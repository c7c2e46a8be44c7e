"""Password hashing for central's people: the hall's window clerks (central.queue_staff)
and the ops console's users (central.console.auth). One scheme for both, so one review.

scrypt (hashlib.scrypt, n=2**14, r=8, p=1, 16-byte salt, 32-byte key), kept as
`scrypt$n$r$p$salt$hash` (base64): the parameters travel with the hash, so raising them
later still verifies the old hashes. The check compares in constant time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches `stored`; False (never an error) for a malformed hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=32,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed, base64.b64decode(digest))


@functools.cache
def dummy_hash() -> str:
    """A hash of nothing anyone types: checked when a login names no user, so an unknown
    name takes as long as a wrong password (no user enumeration by timing)."""
    return hash_password(secrets.token_urlsafe(16))
