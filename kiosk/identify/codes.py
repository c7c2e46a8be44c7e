"""What a scanned code means: one table of prefixes, one meaning per code.

``classify(text, appointments)`` names the kind of a code the terminal's scanner read and,
when it cannot be used, a stable reason (``CodeReason``); the screens choose the words.

- ``http(s)://<host>/t/<number>?c=<check>``: a 办件受理回执's QR (central's public tracking
  page, docs/casework.md §4), opens 办件查询 with the number and its 查询码; any other URL
  is ``unsupported``;
- ``TONGBAN-APP:<number>``: an older 办件 receipt, opens 办件查询 with the number alone (central
  answers it without a check code, counted per terminal);
- ``TONGBAN-APPT:<payload>.<signature>``: an appointment central signed, verified here
  offline with central's public key (``AppointmentVerifier``);
- ``TONGBAN-EID:`` / ``TONGBAN-ESSC:<token>``: an electronic ID (电子身份证 / 电子社保卡)
  from a phone; only central can resolve it (``CentralClient.resolve_identity_code``);
- ``TONGBAN-PRINT-TEST``: a printer test page;
- anything else: unknown, ``unsupported``.

Central's public keys come from kiosk.identify.code_keys, which may fetch them from central
(bounded by the client's timeouts): verify appointments on a flow's worker, never on the UI
thread.

Errors: a scanned code is hostile input. ``classify`` and ``AppointmentVerifier.verify``
never raise for any text: every bad code is a ``CodeMeaning`` with a reason (``malformed``
when it is not well-formed: too long, not canonical base64url, not UTF-8 JSON, JSON nested
deeper than ``MAX_PAYLOAD_DEPTH``; ``forged`` when the signature does not hold). The only
exception that leaves them is one from the key source (``KeysUnavailable`` is turned into
``unverifiable``); ``identity_refusal`` never raises.

The appointment token is our own compact format, kept instead of a JWT (PyJWT, joserfc
with EdDSA): a JWT carries a header (``{"alg":"EdDSA","typ":"JWT","kid":...}``, about 70
more base64 characters) and so a denser QR code on a phone screen and a slip; every code
already printed or sent must keep verifying, and the terminals' offline key cache and
central's rotation both name keys by the payload's ``kid``, which the format already has.
What a library would have given us that the hand-written code lacked is strict decoding,
now done here: each base64url part must be the one canonical spelling of its bytes
(no padding, unused bits zero: one code has one text, not 16), the payload must be
UTF-8 JSON nested no deeper than ``MAX_PAYLOAD_DEPTH``, and the signature, fixed by
Ed25519 to 64 bytes, covers the exact ASCII text, prefix included; there is no ``alg``
field to confuse.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from kiosk import hall_time
from kiosk.central_api.errors import CentralRejected
from kiosk.identify.code_keys import KeysUnavailable, PublicKeys
from kiosk.printing.documents.receipts import (
    APPLICATION_LOOKUP_PREFIX,
    PRINT_TEST_PREFIX,
    parse_application_lookup_code,
)

log = logging.getLogger(__name__)

APPOINTMENT_PREFIX = "TONGBAN-APPT:"
IDENTITY_PREFIXES: dict[str, Literal["eid", "essc"]] = {
    "TONGBAN-EID:": "eid",
    "TONGBAN-ESSC:": "essc",
}
MAX_CODE_LENGTH = 4096  # more than any QR code holds: refuse before decoding anything
MAX_PAYLOAD_DEPTH = 4  # the payload is one flat object; json.loads recurses per level
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_RECEIPT_NUMBER = re.compile(r"[A-Za-z0-9-]{1,64}")
# The 查询码: 6 of central's alphabet (central/tracking.py ALPHABET, no look-alikes).
CHECK_CODE = re.compile(r"[2-9A-HJ-NP-Z]{6}")
TRACKING_PATH = re.compile(r"/t/([A-Za-z0-9-]{1,64})")
URL_PREFIXES = ("https://", "http://")


class CodeKind(StrEnum):
    APPLICATION_RECEIPT = "application_receipt"
    APPOINTMENT = "appointment"
    ELECTRONIC_ID = "electronic_id"
    PRINT_TEST = "print_test"
    UNKNOWN = "unknown"


class CodeReason(StrEnum):
    """Why a code cannot be used as it is (stable codes; the screen picks the words)."""

    MALFORMED = "malformed"  # our prefix, but not a well-formed code
    FORGED = "forged"  # signature or key wrong, or central does not know the code
    EXPIRED = "expired"
    WRONG_HALL = "wrong_hall"  # a genuine appointment for another hall (information)
    UNSUPPORTED = "unsupported"  # not a code this terminal knows (不支持的二维码)
    UNVERIFIABLE = "unverifiable"  # key unknown and central out of reach: try again later
    USED = "used"  # an electronic ID code already resolved once


@dataclass(frozen=True)
class Appointment:
    """A verified appointment code's content (times aware, as central wrote them)."""

    id: str
    item_code: str
    item_name: str
    hall: str
    region_code: str
    start: dt.datetime
    end: dt.datetime
    expires: dt.datetime
    kid: str

    def start_text(self, zone: dt.tzinfo) -> str:
        """When it starts, as the citizen reads it: ``11月24日 09:30`` in the hall's zone
        (whatever offset central wrote, whatever the host's TZ)."""
        return hall_time.month_day_text(self.start, zone)


@dataclass(frozen=True)
class CodeMeaning:
    """What one scanned code means. ``reason`` is None when it can be used. An expired or
    other-hall appointment still carries its verified ``appointment`` (the screen can say
    when and where it was); a forged one never does."""

    kind: CodeKind
    reason: CodeReason | None = None
    application_number: str | None = None
    check_code: str | None = None  # the 查询码 of a tracking URL (None: an old receipt)
    appointment: Appointment | None = None
    # The electronic ID code to send to central: a bearer credential for minutes, kept
    # out of repr and never logged.
    identity_code: str | None = field(default=None, repr=False)
    identity_source: Literal["eid", "essc"] | None = None
    print_test: str | None = None  # what follows the prefix (terminal:time)

    @property
    def accepted(self) -> bool:
        return self.reason is None


# -- appointments --------------------------------------------------------------------------------
class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    v: Literal[1]
    kid: str
    id: str
    item_code: str
    item_name: str
    hall: str
    region_code: str
    start: AwareDatetime
    end: AwareDatetime
    expires: AwareDatetime


def _b64url(text: str) -> bytes | None:
    """The bytes of canonical unpadded base64url ``text``; None for anything else (padding,
    other characters, a length no bytes have, or unused bits that are not zero)."""
    if not _B64URL.fullmatch(text):
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii") != text:
        return None
    return data


def _nesting_within(data: bytes, limit: int) -> bool:
    """Whether JSON ``data`` nests arrays and objects no deeper than ``limit`` (counted
    outside strings), so that json.loads cannot run out of stack on it."""
    depth, in_string, escaped = 0, False, False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return False
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return True


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AppointmentVerifier:
    """Checks appointment codes offline against central's keys. ``hall`` is this
    terminal's hall (from enrollment); empty: any hall."""

    def __init__(
        self, keys: PublicKeys, hall: str = "", clock: Callable[[], dt.datetime] = _now
    ) -> None:
        self.keys = keys
        self.hall = hall.strip()
        self._clock = clock

    def verify(self, text: str) -> CodeMeaning:
        rejected = CodeMeaning(CodeKind.APPOINTMENT, CodeReason.MALFORMED)
        signed, dot, signature_text = text.strip().rpartition(".")
        if not dot or not signed.startswith(APPOINTMENT_PREFIX):
            return rejected
        payload_text = signed[len(APPOINTMENT_PREFIX) :]
        payload, signature = _b64url(payload_text), _b64url(signature_text)
        if payload is None or signature is None or len(signature) != 64:
            return rejected
        if not _nesting_within(payload, MAX_PAYLOAD_DEPTH):
            return rejected
        try:
            claimed = json.loads(payload)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            return rejected
        kid = claimed.get("kid") if isinstance(claimed, dict) else None
        if not isinstance(kid, str) or not kid:
            return rejected
        try:
            key = self.keys.key(kid)
        except KeysUnavailable:
            return CodeMeaning(CodeKind.APPOINTMENT, CodeReason.UNVERIFIABLE)
        if key is None:
            return CodeMeaning(CodeKind.APPOINTMENT, CodeReason.FORGED)
        try:
            key.verify(signature, signed.encode("ascii"))
        except InvalidSignature:
            return CodeMeaning(CodeKind.APPOINTMENT, CodeReason.FORGED)
        try:  # signed by central, yet not the shape this terminal knows (a newer version)
            data = _Payload.model_validate_json(payload)
        except ValidationError:
            return rejected
        appointment = Appointment(
            id=data.id,
            item_code=data.item_code,
            item_name=data.item_name,
            hall=data.hall,
            region_code=data.region_code,
            start=data.start,
            end=data.end,
            expires=data.expires,
            kid=data.kid,
        )
        reason = None
        if self._clock() >= data.expires:
            reason = CodeReason.EXPIRED
        elif self.hall and data.hall.strip() != self.hall:
            reason = CodeReason.WRONG_HALL
        return CodeMeaning(CodeKind.APPOINTMENT, reason, appointment=appointment)


# -- the table -------------------------------------------------------------------------------------
def _receipt(text: str, _verifier: AppointmentVerifier | None) -> CodeMeaning:
    number = parse_application_lookup_code(text)
    if number is None or not _RECEIPT_NUMBER.fullmatch(number):
        return CodeMeaning(CodeKind.APPLICATION_RECEIPT, CodeReason.MALFORMED)
    return CodeMeaning(CodeKind.APPLICATION_RECEIPT, application_number=number)


def _tracking_url(text: str, _verifier: AppointmentVerifier | None) -> CodeMeaning:
    """A receipt's QR: ``http(s)://<host>/t/<number>?c=<check>``. Another URL is not ours
    (``unsupported``); ours with a missing or bad check code, or anything more, is
    ``malformed``. The host is not checked: the terminal asks its own central anyway."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return CodeMeaning(CodeKind.UNKNOWN, CodeReason.UNSUPPORTED)
    path = TRACKING_PATH.fullmatch(unquote(parts.path))
    if not parts.netloc or path is None:
        return CodeMeaning(CodeKind.UNKNOWN, CodeReason.UNSUPPORTED)
    rejected = CodeMeaning(CodeKind.APPLICATION_RECEIPT, CodeReason.MALFORMED)
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True,
                         max_num_fields=4)
    except ValueError:
        return rejected
    checks = query.get("c", [])
    if parts.fragment or set(query) != {"c"} or len(checks) != 1:
        return rejected
    check = checks[0].strip().upper()
    if not CHECK_CODE.fullmatch(check):
        return rejected
    return CodeMeaning(CodeKind.APPLICATION_RECEIPT, application_number=path.group(1),
                       check_code=check)


def _appointment(text: str, verifier: AppointmentVerifier | None) -> CodeMeaning:
    if verifier is None:
        return CodeMeaning(CodeKind.APPOINTMENT, CodeReason.UNVERIFIABLE)
    return verifier.verify(text)


def _identity(text: str, _verifier: AppointmentVerifier | None) -> CodeMeaning:
    prefix = next(p for p in IDENTITY_PREFIXES if text.startswith(p))
    if not _TOKEN.fullmatch(text[len(prefix) :]):
        return CodeMeaning(CodeKind.ELECTRONIC_ID, CodeReason.MALFORMED)
    return CodeMeaning(
        CodeKind.ELECTRONIC_ID, identity_code=text, identity_source=IDENTITY_PREFIXES[prefix]
    )


def _print_test(text: str, _verifier: AppointmentVerifier | None) -> CodeMeaning:
    rest = text[len(PRINT_TEST_PREFIX) :]
    if rest and not rest.startswith(":"):  # TONGBAN-PRINT-TESTX is not ours
        return CodeMeaning(CodeKind.UNKNOWN, CodeReason.UNSUPPORTED)
    return CodeMeaning(CodeKind.PRINT_TEST, print_test=rest[1:])


_Reader = Callable[[str, AppointmentVerifier | None], CodeMeaning]
# Each prefix ends where the next character cannot extend it into another's
# (TONGBAN-APP: and TONGBAN-APPT: differ before the colon).
PREFIXES: tuple[tuple[str, CodeKind, _Reader], ...] = (
    (APPLICATION_LOOKUP_PREFIX, CodeKind.APPLICATION_RECEIPT, _receipt),
    (APPOINTMENT_PREFIX, CodeKind.APPOINTMENT, _appointment),
    *((p, CodeKind.ELECTRONIC_ID, _identity) for p in IDENTITY_PREFIXES),
    (PRINT_TEST_PREFIX, CodeKind.PRINT_TEST, _print_test),
    *((p, CodeKind.APPLICATION_RECEIPT, _tracking_url) for p in URL_PREFIXES),
)


def classify(text: str, appointments: AppointmentVerifier | None = None) -> CodeMeaning:
    """The meaning of a scanned ``text``. Appointment codes need ``appointments`` (without
    one they are ``unverifiable``); nothing else needs central here."""
    text = text.strip()  # scanners end a read with CR/LF
    for prefix, kind, read in PREFIXES:
        if text.startswith(prefix):
            if len(text) > MAX_CODE_LENGTH:
                return CodeMeaning(kind, CodeReason.MALFORMED)
            return read(text, appointments)
    return CodeMeaning(CodeKind.UNKNOWN, CodeReason.UNSUPPORTED)


# Central's refusals of an electronic ID code, as the reasons above.
_IDENTITY_REFUSALS: dict[str, CodeReason] = {
    "not_found": CodeReason.FORGED,
    "code_expired": CodeReason.EXPIRED,
    "code_used": CodeReason.USED,
    "validation_failed": CodeReason.MALFORMED,
}


def identity_refusal(err: CentralRejected) -> CodeReason | None:
    """The reason for central's refusal to resolve an electronic ID code; None when the
    refusal is not about the code (a signature problem: the terminal's, not the citizen's)."""
    return _IDENTITY_REFUSALS.get(err.error)
