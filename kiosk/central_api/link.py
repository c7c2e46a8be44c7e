"""The terminal's line to central: the client once the terminal is enrolled.

While the terminal is not enrolled, the enrollment is looked for again every few seconds,
so a technician's ``kiosk enroll`` takes effect without a restart. One client serves every
thread (it keeps a requests session per thread); the lock keeps two threads from connecting
at once and leaking a second client.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.central_api.client import CentralClient
from kiosk.central_api.errors import NotEnrolled
from kiosk.central_api.models import CodeKeys
from kiosk.central_api.signing import load_identity
from kiosk.config import KioskConfig

if TYPE_CHECKING:
    from kiosk.store import Store

RECONNECT_CHECK_S = 5.0  # how often a not-yet-enrolled terminal looks for its enrollment


class CentralLink:
    def __init__(self, config: KioskConfig, store: Store | None = None,
                 check_every: float = RECONNECT_CHECK_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._config = config
        self._store = store
        self._check_every = check_every
        self._clock = clock
        self._client: CentralClient | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()
        self.reason: str | None = None   # why there is no client (not_enrolled ...)

    @property
    def client(self) -> CentralClient | None:
        from kiosk.central_api import connect

        now = self._clock()
        with self._lock:
            if self._client is None and now - self._checked >= self._check_every:
                self._checked = now
                self._client, self.reason = connect(self._config, self._store)
            return self._client

    def look_again(self) -> None:
        """Look for the enrollment at the next ``client`` (a technician just enrolled)."""
        with self._lock:
            self._checked = float("-inf")

    @property
    def enrolled(self) -> bool:
        """Whether a client exists, without connecting (for state read on the UI thread)."""
        return self._client is not None

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()     # every thread's session


class CentralKeys:
    """Fetches central's code keys with a client of its own, made when the keys are due (the
    key cache works before the terminal's client exists and outside a Terminal)."""

    def __init__(self, config: KioskConfig) -> None:
        self._config = config

    def code_keys(self) -> CodeKeys:
        from kiosk.central_api import client_for

        identity = load_identity(Path(self._config.terminal.data_dir))
        if identity is None:
            raise NotEnrolled()
        with client_for(self._config, identity) as client:
            return client.code_keys()
