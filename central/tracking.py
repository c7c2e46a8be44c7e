"""The check code that goes with an application number (docs/casework.md §4).

A 办件编号 is region + date + a sequence, so numbers can be guessed; the public tracking
page and the terminal's lookup without identifying need the number *and* its check code,
which only the receipt carries. The code is 6 characters of an alphabet without look-alikes
(30 bits) from an HMAC under central's own `tracking` secret.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import Connection

from central.queue_base import named_secret

TRACKING_SECRET = "tracking"   # central_secrets row
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"   # 32 symbols: 5 bits each
CODE_LENGTH = 6


def tracking_secret(conn: Connection, now: datetime) -> bytes:
    return named_secret(conn, TRACKING_SECRET, now)


def check_code(secret: bytes, number: str) -> str:
    digest = hmac.new(secret, f"app|{number}".encode(), hashlib.sha256).digest()
    value = int.from_bytes(digest[:8], "big")
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(CODE_LENGTH))


def check_matches(secret: bytes, number: str, code: str) -> bool:
    return hmac.compare_digest(check_code(secret, number), code.strip().upper())


def tracking_url(public_url: str | None, number: str, code: str) -> str | None:
    """What the receipt's QR holds: central's public page for this application."""
    if not public_url:
        return None
    return f"{public_url.rstrip('/')}/t/{number}?c={code}"
