"""What every code scanner shares: de-duplication, ``wait_code`` and ``_found``, on top of
the device base (drivers.device: the I/O thread that connects, reads and reconnects).

A scanner family only says how to connect (``_connect``), how to read for a moment
(``_io_step``, bounded by about ``POLL_SECONDS``) and how to let go (``_disconnect``); it
reports each code it reads to ``_found``. Losing the device is a ``DeviceUnavailable``
raised from either: the thread closes what it had, reports NO_DEVICE, and tries again
every ``reconnect_interval``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from ..device import DeviceBase, next_event
from ..errors import DeviceTimeout
from ..events import CodeScanned

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1  # how long one _io_step may block: bounds how long close() waits


class RepeatFilter:
    """Lets a code through once until it has been out of sight for ``window_s``.

    The window slides: a code seen again within it (a camera sees the same QR code in
    every frame, a scanner in continuous mode repeats) extends it, so a code held up for a
    minute is reported once, and once more only after it was away for the whole window.
    """

    def __init__(self, window_s: float = 2.0) -> None:
        self.window_s = window_s
        self._last_seen: dict[tuple[str, str], float] = {}

    def admit(self, text: str, symbology: str, now: float) -> bool:
        key = (symbology, text)
        last = self._last_seen.get(key)
        self._last_seen[key] = now
        if len(self._last_seen) > 64:  # forget codes long gone; the dict stays small
            self._last_seen = {
                k: t for k, t in self._last_seen.items() if now - t < self.window_s
            }
        return last is None or now - last >= self.window_s

    def clear(self) -> None:
        self._last_seen.clear()


class ScannerBase(DeviceBase):
    """The CodeScanner contract around a family's connect / read / disconnect."""

    thread_name = "scan"

    def __init__(
        self,
        name: str,
        repeat_window_s: float = 2.0,
        reconnect_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(name, reconnect_interval)
        self._clock = clock
        self._repeats = RepeatFilter(repeat_window_s)
        self._repeats_lock = threading.Lock()  # _found may be called from a worker thread

    @property
    def repeat_window_s(self) -> float:
        return self._repeats.window_s

    def wait_code(self, timeout: float) -> CodeScanned:
        """Block until the next code is read (for command-line tools).

        Raises DeviceUnavailable at once when the scanner is not open or its device is
        missing, DeviceTimeout when no code came within ``timeout`` seconds.
        """
        self._require_open("scanner")
        deadline = time.monotonic() + timeout
        with self._collecting(CodeScanned) as codes:
            self._await_first_attempt(deadline)
            return next_event(codes, deadline,
                              DeviceTimeout(f"{self.name}: no code within {timeout:g} s"))

    # -- for the families -----------------------------------------------------------------

    def _found(self, text: str, symbology: str) -> bool:
        """A code was read: publish it unless it is a repeat. Returns whether published."""
        with self._repeats_lock:
            fresh = self._repeats.admit(text, symbology, self._clock())
        if fresh:
            # The text may be personal (a code can carry a name): log its length only.
            log.info("%s: %s code read (%d characters)", self.name, symbology, len(text))
            self.events.publish(CodeScanned(self.name, text, symbology))
        return fresh
