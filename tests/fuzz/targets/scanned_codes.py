"""What the scanner reads (kiosk/identify/codes.py ``classify`` with an appointment
verifier holding a test key).

Input: one mode byte, then the rest.
- even: the rest is the scanned text (UTF-8, undecodable bytes replaced, as the scanner
  drivers hand it on); a verified appointment must have been written in the one canonical
  base64url spelling (issue 10: tokens verified in 16 spellings);
- odd: the rest is an appointment *payload*, which the target signs with the test key so
  the fuzzer reaches the payload's JSON and model checks behind the signature.

Documented errors: none. ``classify`` returns a CodeMeaning (kind + reason) for every text.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.identify.code_keys import StaticKeys
from kiosk.identify.codes import APPOINTMENT_PREFIX, AppointmentVerifier, classify
from kiosk.printing.documents.receipts import application_lookup_code

ALLOWED: tuple[type[BaseException], ...] = ()
INSTRUMENT = ("kiosk.identify", "kiosk.printing.documents.receipts")

KID = "fuzz-key"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
HALL = "晋城市政务服务中心"
NOW = dt.datetime(2026, 11, 24, 9, 40, tzinfo=dt.timezone(dt.timedelta(hours=8)))
VERIFIER = AppointmentVerifier(StaticKeys({KID: KEY.public_key()}), HALL, clock=lambda: NOW)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signed_code(payload: bytes) -> str:
    signed = APPOINTMENT_PREFIX + _b64url(payload)
    return f"{signed}.{_b64url(KEY.sign(signed.encode()))}"


def TARGET(data: bytes) -> None:  # noqa: N802
    if not data:
        return
    if data[0] & 1:
        classify(signed_code(data[1:]), VERIFIER)
        return
    text = data[1:].decode("utf-8", "replace")
    meaning = classify(text, VERIFIER)
    if meaning.appointment is not None:
        signed, _, signature = text.strip().rpartition(".")
        payload = signed[len(APPOINTMENT_PREFIX):]
        for part in (payload, signature):
            assert _b64url(_unb64url(part)) == part, "verified a non-canonical spelling"


def _payload(**changes: object) -> bytes:
    payload = {
        "v": 1, "kid": KID, "id": "YY14050020261124000001",
        "item_code": "11140500MB1947036N4000111001", "item_name": "城乡居民基本养老保险参保登记",
        "hall": HALL, "region_code": "140500", "start": "2026-11-24T09:30:00+08:00",
        "end": "2026-11-24T10:00:00+08:00", "expires": "2026-11-24T10:00:00+08:00",
        **changes,
    }  # fmt: skip
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def seeds() -> Iterator[tuple[str, bytes]]:
    yield "appointment", b"\0" + signed_code(_payload()).encode()
    yield "appointment-other-hall", b"\0" + signed_code(_payload(hall="别处")).encode() + b"\r\n"
    yield "payload", b"\1" + _payload()
    yield "payload-expired", b"\1" + _payload(expires="2026-11-24T09:00:00+08:00")
    yield "receipt", b"\0" + application_lookup_code("14050020261123000042").encode()
    yield "eid", b"\0" + b"TONGBAN-EID:yMx0Mv9YZzqX_sbe_mnduU5FcC9fR5hQ"
    yield "essc", b"\0" + b"TONGBAN-ESSC:yMx0Mv9YZzqX_sbe_mnduU5FcC9fR5hQ"
    yield "print-test", b"\0" + b"TONGBAN-PRINT-TEST:T-0001:2026-11-24T09:40:00+08:00"
    yield "unknown", b"\0" + "https://example.com/?q=办事".encode()
