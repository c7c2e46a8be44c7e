"""Central's public keys for appointment codes, kept so that codes verify offline.

The keys are cached in ``<data_dir>/keys/central-codes.json`` (public, not secret) and fetched
again when a code names a key the cache does not have, or when the cache is a day old; with
central out of reach, the cached keys still verify. Asking for a key may therefore call
central (bounded by the client's timeouts). kiosk.identify.codes verifies with them.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from kiosk.central_api.errors import CentralError
from kiosk.central_api.models import CodeKeys
from kiosk.central_api.signing import keys_dir
from kiosk.files import ensure_private_dir, replace_private_file

log = logging.getLogger(__name__)

KEY_CACHE_FILE = "central-codes.json"


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
