"""What a scanned code means: one table of prefixes, one meaning per code.

``classify(text, appointments)`` names the kind of a code the terminal's scanner read and,
when it cannot be used, a stable reason (``CodeReason``); the screens choose the words.

- ``TONGBAN-APP:<number>``: a 办件 receipt (kiosk.printing.documents.receipts), opens 办件查询;
- ``TONGBAN-APPT:<payload>.<signature>``: an appointment central signed, verified here
  offline with central's public key (``AppointmentVerifier``);
- ``TONGBAN-EID:`` / ``TONGBAN-ESSC:<token>``: an electronic ID (电子身份证 / 电子社保卡)
  from a phone; only central can resolve it (``CentralClient.resolve_identity_code``);
- ``TONGBAN-PRINT-TEST``: a printer test page;
- anything else: unknown, ``unsupported``.

Central's public keys are cached in ``<data_dir>/keys/central-codes.json`` (public, not
secret) and fetched again when a code names a key the cache does not have, or when the
cache is a day old; with central out of reach, the cached keys still verify. Verifying an
appointment may therefore call central (bounded by the client's timeouts): call it from a
flow's worker, never from the UI thread.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from kiosk import hall_time
from kiosk.central_api.errors import CentralError, CentralRejected
from kiosk.central_api.models import CodeKeys
from kiosk.central_api.signing import keys_dir
from kiosk.files import ensure_private_dir, replace_private_file
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
KEY_CACHE_FILE = "central-codes.json"
MAX_CODE_LENGTH = 4096  # more than any QR code holds: refuse before decoding anything
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_RECEIPT_NUMBER = re.compile(r"[A-Za-z0-9-]{1,64}")


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
    appointment: Appointment | None = None
    # The electronic ID code to send to central: a bearer credential for minutes, kept
    # out of repr and never logged.
    identity_code: str | None = field(default=None, repr=False)
    identity_source: Literal["eid", "essc"] | None = None
    print_test: str | None = None  # what follows the prefix (terminal:time)

    @property
    def accepted(self) -> bool:
        return self.reason is None


# -- central's public keys ---------------------------------------------------------------------
class KeysUnavailable(Exception):
    """The key a code names is not known here and central could not be asked."""


class CodeKeySource(Protocol):
    """Where the keys come from: ``CentralClient`` is one."""

    def code_keys(self) -> CodeKeys: ...


class PublicKeys(Protocol):
    def key(self, kid: str) -> Ed25519PublicKey | None:
        """The key named ``kid``; None when central does not publish it (raises
        KeysUnavailable when that cannot be known now)."""
        ...


def _public_keys(keys: CodeKeys) -> dict[str, Ed25519PublicKey]:
    found: dict[str, Ed25519PublicKey] = {}
    for key in keys.keys:
        try:
            found[key.kid] = Ed25519PublicKey.from_public_bytes(
                base64.b64decode(key.public_key, validate=True)
            )
        except (binascii.Error, ValueError):
            log.warning("central published an unusable code key %s; ignoring it", key.kid[:16])
    return found


class CodeKeyCache:
    """Central's code keys, kept in a file and fetched when needed (thread-safe)."""

    def __init__(
        self,
        path: Path,
        source: CodeKeySource | None,
        *,
        clock: Callable[[], float] = time.time,
        min_refresh_interval: float = 10.0,
        max_age: float = 24 * 3600.0,
    ) -> None:
        self.path = path
        self.source = source
        self._clock = clock
        self.min_refresh_interval = min_refresh_interval
        self.max_age = max_age
        self._lock = threading.Lock()
        self._loaded = False
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._body: CodeKeys | None = None
        self._fetched_at: float | None = None
        self._last_attempt: float | None = None
        # Whether the keys held are central's current list (the last fetch worked, or
        # there is no central to ask): only then is an unknown kid a forgery.
        self._authoritative = source is None

    @classmethod
    def for_data_dir(
        cls,
        data_dir: Path | str,
        source: CodeKeySource | None,
        *,
        clock: Callable[[], float] = time.time,
        min_refresh_interval: float = 10.0,
        max_age: float = 24 * 3600.0,
    ) -> CodeKeyCache:
        """The terminal's cache: ``<data_dir>/keys/central-codes.json``."""
        return cls(
            keys_dir(data_dir) / KEY_CACHE_FILE,
            source,
            clock=clock,
            min_refresh_interval=min_refresh_interval,
            max_age=max_age,
        )

    def kids(self) -> list[str]:
        with self._lock:
            self._load()
            return list(self._keys)

    def key(self, kid: str) -> Ed25519PublicKey | None:
        with self._lock:
            self._load()
            fresh = self._fetched_at is not None and (
                self._clock() - self._fetched_at <= self.max_age
            )
            if kid in self._keys and (fresh or self.source is None):
                return self._keys[kid]
            self._refresh_if_allowed()
            if kid in self._keys:
                return self._keys[kid]
            if self._authoritative:
                return None
            raise KeysUnavailable(kid[:16])

    def refresh(self) -> bool:
        """Fetch the keys now (e.g. at start-up); False when central could not be asked."""
        with self._lock:
            self._load()
            self._last_attempt = None
            return self._refresh_if_allowed()

    def _refresh_if_allowed(self) -> bool:
        now = self._clock()
        if self.source is None:
            return False
        if self._last_attempt is not None and now - self._last_attempt < self.min_refresh_interval:
            return self._authoritative  # a forged kid must not make us ask central each scan
        self._last_attempt = now
        try:
            body = self.source.code_keys()
        except CentralError as err:
            log.info("code keys: central not reachable (%s); using the cached keys", err.code)
            self._authoritative = False
            return False
        self._body, self._keys, self._fetched_at = body, _public_keys(body), now
        self._authoritative = True
        self._save()
        return True

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            body = CodeKeys.model_validate_json(json.dumps(stored["keys"]))
            fetched_at = float(stored["fetched_at"])
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError, ValidationError):
            log.warning("code key cache %s is unreadable; fetching the keys again", self.path.name)
            return
        self._body, self._keys, self._fetched_at = body, _public_keys(body), fetched_at

    def _save(self) -> None:
        if self._body is None:
            return
        data = {"fetched_at": self._fetched_at, "keys": self._body.model_dump(mode="json")}
        try:
            ensure_private_dir(self.path.parent)
            replace_private_file(self.path, json.dumps(data, indent=1).encode("utf-8"))
        except OSError as err:  # the keys still work from memory
            log.warning("code key cache not written: %s", err.strerror)


class StaticKeys:
    """A fixed set of keys (tests, or a terminal configured with central's key)."""

    def __init__(self, keys: dict[str, Ed25519PublicKey]) -> None:
        self._keys = dict(keys)

    def key(self, kid: str) -> Ed25519PublicKey | None:
        return self._keys.get(kid)


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
    if not _B64URL.fullmatch(text):
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


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
        try:
            claimed = json.loads(payload)
        except ValueError:
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
