"""PIN access to the terminal for hall staff and for technicians: a PIN kept only as a
scrypt hash, and a lockout after repeated wrong PINs that survives a restart (the counter
lives in the data directory). One ``PinGate`` per role, each with its own hash
(``[staff] pin_hash``, ``[technician] pin_hash``) and its own lock file, so a locked staff
login never locks the technician out and the other way round."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.files import replace_private_file

log = logging.getLogger(__name__)

# scrypt cost: ~50 ms on a terminal's CPU, 16 MiB of memory.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
LOCK_FILE = "staff-lock.json"       # the staff gate's; another role's is <role>-lock.json
MIN_PIN, MAX_PIN = 4, 12
DEFAULT_DIGITS = 6                   # places the PIN entry shows when the length is not set


class PinFormatError(ValueError):
    """The PIN is not 4 to 12 digits."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def check_pin_format(pin: str) -> None:
    if not (pin.isascii() and pin.isdigit() and MIN_PIN <= len(pin) <= MAX_PIN):
        raise PinFormatError(f"a staff PIN is {MIN_PIN} to {MAX_PIN} digits")


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """The value for ``[staff] pin_hash``: scrypt$N$r$p$salt$hash."""
    check_pin_format(pin)
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def pin_matches(pin: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = _unb64(digest)
        actual = hashlib.scrypt(pin.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True)
class PinResult:
    ok: bool
    reason: str = ""            # "" | no_pin_configured | wrong_pin | locked
    attempts_left: int = 0
    locked_for_s: float = 0.0


class PinGate:
    """Checks one role's PINs; after ``max_attempts`` wrong ones in a row it refuses every
    PIN for ``lockout_s`` seconds. ``digits``: the PIN's length when the site states it
    (the entry shows that many places and takes no more), else None (4 to 12)."""

    def __init__(
        self,
        pin_hash: str | None,
        data_dir: Path,
        max_attempts: int = 5,
        lockout_s: float = 300,
        clock: Callable[[], float] = time.time,
        role: str = "staff",
        digits: int | None = None,
    ) -> None:
        self.pin_hash = pin_hash
        self.role = role
        self.digits = digits
        self.path = Path(data_dir) / (LOCK_FILE if role == "staff" else f"{role}-lock.json")
        self.max_attempts = max_attempts
        self.lockout_s = lockout_s
        self._clock = clock
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return self.pin_hash is not None

    def _load(self) -> tuple[int, float]:
        try:
            data = json.loads(self.path.read_text())
            return int(data["failures"]), float(data["locked_until"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0, 0.0

    def _save(self, failures: int, locked_until: float) -> None:
        try:
            replace_private_file(
                self.path, json.dumps({"failures": failures, "locked_until": locked_until}).encode()
            )
        except OSError as err:
            log.warning("%s: lock state not saved: %s", self.role, err.strerror)

    def locked_for(self) -> float:
        with self._lock:
            _, until = self._load()
        return max(0.0, until - self._clock())

    def check(self, pin: str) -> PinResult:
        if self.pin_hash is None:
            return PinResult(False, "no_pin_configured")
        with self._lock:
            failures, until = self._load()
            now = self._clock()
            if until > now:
                return PinResult(False, "locked", 0, until - now)
            if pin_matches(pin, self.pin_hash):
                if failures or until:
                    self._save(0, 0.0)
                log.info("%s: PIN accepted", self.role)
                return PinResult(True)
            failures += 1
            if failures >= self.max_attempts:
                self._save(0, now + self.lockout_s)
                log.warning("%s: %d wrong PINs, locked for %.0f s", self.role, failures, self.lockout_s)
                return PinResult(False, "locked", 0, self.lockout_s)
            self._save(failures, 0.0)
            log.warning("%s: wrong PIN (%d of %d)", self.role, failures, self.max_attempts)
            return PinResult(False, "wrong_pin", self.max_attempts - failures)


StaffGate = PinGate   # the staff login's gate (the name the staff mode has always used)


def entry_places(gate: PinGate) -> tuple[int, int, int]:
    """(places shown, fewest digits, most digits) for the PIN entry of ``gate``."""
    if gate.digits is not None:
        return gate.digits, gate.digits, gate.digits
    return DEFAULT_DIGITS, MIN_PIN, MAX_PIN
