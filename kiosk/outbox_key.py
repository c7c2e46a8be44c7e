"""Central's outbox key as the terminal keeps it (``<data_dir>/keys/central-outbox.json``):
the public X25519 key every new outbox row is sealed to, and the central it came from.

Fetched by ``kiosk enroll`` and, while the terminal has none, by the outbox worker at most
every KEY_RETRY_S; a kept key that belongs to another central (the terminal enrolled
elsewhere since) is dropped, since rows sealed to it would never open there.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

from kiosk.central_api.client import CentralClient
from kiosk.central_api.enroll import keep_outbox_key
from kiosk.central_api.errors import CentralError

log = logging.getLogger("kiosk.outbox")

KEY_RETRY_S = 60.0   # while the key is unknown, ask central this often


class KeptOutboxKey:
    def __init__(self, path: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self._path = path
        self._clock = clock
        self.public, self._url = _read_key(path)
        self._checked = False      # the kept key is checked once against the client's central
        self._next_try = 0.0

    def refresh(self, client: CentralClient) -> bool:
        """Ask central for its outbox key and keep it; whether the terminal has one now."""
        answer = client.outbox_key()
        url = str(getattr(client, "base_url", ""))
        raw = keep_outbox_key(self._path, answer, url)
        if raw is None:
            return self.public is not None
        self.public, self._url, self._checked = raw, url, True
        log.info("outbox: central's outbox key %s kept; new rows are sealed to it", answer.kid)
        return True

    def ensure(self, client: Callable[[], CentralClient]) -> None:
        """Check a kept key once against ``client()``'s central; fetch one when there is none
        (at most every KEY_RETRY_S). Never raises: the outbox worker calls it every round."""
        now = self._clock()
        if self.public is not None and not self._checked:
            self._check_kept(client)
        if self.public is not None or now < self._next_try:
            return
        self._next_try = now + KEY_RETRY_S
        try:
            self.refresh(client())
        except CentralError as err:
            log.info("outbox: central's outbox key not fetched (%s)", err.code)
        except Exception as err:  # a client without the call (older central, tests)
            log.info("outbox: central's outbox key not fetched (%s)", type(err).__name__)

    def _check_kept(self, client: Callable[[], CentralClient]) -> None:
        try:
            url = str(getattr(client(), "base_url", ""))
        except Exception:  # not enrolled (yet): checked again next round
            return
        self._checked = True
        if url and self._url and url != self._url:
            log.warning("outbox: the kept outbox key is another central's; fetching this one's")
            self.public = None
            self._path.unlink(missing_ok=True)


def _read_key(path: Path) -> tuple[bytes | None, str]:
    """The kept outbox key and the central it came from (None, "" when there is none)."""
    try:
        data = json.loads(path.read_bytes())
        raw = base64.b64decode(data["public_key"], validate=True)
        url = str(data.get("central_url", ""))
    except FileNotFoundError:
        return None, ""
    except (OSError, ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        log.warning("outbox: %s unreadable; central's outbox key will be fetched again", path.name)
        return None, ""
    return (raw, url) if len(raw) == 32 else (None, "")
