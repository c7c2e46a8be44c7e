"""What every code scanner shares: events, status, de-duplication, ``wait_code`` and the
I/O thread that connects, reads and reconnects.

A scanner family only says how to connect (``_connect``), how to read for a moment
(``_poll``, bounded by about ``POLL_SECONDS``) and how to let go (``_disconnect``); it
reports each code it reads to ``_found``. Losing the device is a ``DeviceUnavailable``
raised from either: the thread closes what it had, reports NO_DEVICE, and tries again
every ``reconnect_interval``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from ..errors import DeviceError, DeviceTimeout, DeviceUnavailable, ErrorCode
from ..events import CodeScanned, DeviceEvent, EventHub, StatusChanged
from ..status import DeviceState, DeviceStatus, FaultAction

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1  # how long one _poll may block: bounds how long close() waits
_OFFLINE = DeviceStatus(DeviceState.OFFLINE)
_ONLINE = DeviceStatus(DeviceState.ONLINE)


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


class ScannerBase:
    """The CodeScanner contract around a family's connect / poll / disconnect."""

    def __init__(
        self,
        name: str,
        repeat_window_s: float = 2.0,
        reconnect_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.events = EventHub()
        self.reconnect_interval = reconnect_interval
        self._clock = clock
        self._repeats = RepeatFilter(repeat_window_s)
        self._repeats_lock = threading.Lock()  # _found may be called from a worker thread
        self._lock = threading.Lock()
        self._status = _OFFLINE
        self._error: DeviceError | None = None
        self._stop = threading.Event()
        self._first_attempt = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def repeat_window_s(self) -> float:
        return self._repeats.window_s

    # -- the contract ---------------------------------------------------------------------

    def open(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._first_attempt.clear()
        self._thread = threading.Thread(target=self._run, name=f"scan {self.name}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=2.0)  # every wait in the thread is bounded by POLL_SECONDS
            if thread.is_alive():
                log.warning("%s: scanner thread did not stop in time", self.name)

    def status(self) -> DeviceStatus:
        with self._lock:
            return self._status

    def wait_code(self, timeout: float) -> CodeScanned:
        """Block until the next code is read (for command-line tools).

        Raises DeviceUnavailable at once when the scanner is not open or its device is
        missing, DeviceTimeout when no code came within ``timeout`` seconds.
        """
        if self._thread is None:
            raise DeviceUnavailable(f"{self.name}: scanner is not open", ErrorCode.NO_DEVICE)
        deadline = time.monotonic() + timeout
        codes: queue.Queue[CodeScanned] = queue.Queue()

        def collect(event: DeviceEvent) -> None:
            if isinstance(event, CodeScanned):
                codes.put(event)

        unsubscribe = self.events.subscribe(collect)
        try:
            self._first_attempt.wait(max(0.0, deadline - time.monotonic()))
            with self._lock:
                error = self._error if self._status.state is not DeviceState.ONLINE else None
            if error is not None:
                raise type(error)(str(error), error.code) from error
            try:
                return codes.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise DeviceTimeout(f"{self.name}: no code within {timeout:g} s") from None
        finally:
            unsubscribe()

    # -- for the families -----------------------------------------------------------------

    def _connect(self) -> None:
        """Open the device; raise DeviceUnavailable when it is not there."""
        raise NotImplementedError

    def _poll(self) -> None:
        """Read for at most about POLL_SECONDS; report codes to _found."""
        raise NotImplementedError

    def _disconnect(self) -> None:
        """Let go of the device; must not raise."""

    def _found(self, text: str, symbology: str) -> bool:
        """A code was read: publish it unless it is a repeat. Returns whether published."""
        with self._repeats_lock:
            fresh = self._repeats.admit(text, symbology, self._clock())
        if fresh:
            # The text may be personal (a code can carry a name): log its length only.
            log.info("%s: %s code read (%d characters)", self.name, symbology, len(text))
            self.events.publish(CodeScanned(self.name, text, symbology))
        return fresh

    # -- the thread -------------------------------------------------------------------------

    def _run(self) -> None:
        connected = False
        try:
            while not self._stop.is_set():
                try:
                    if not connected:
                        self._connect()
                        connected = True
                        self._set_status(_ONLINE, None)
                        self._first_attempt.set()
                    self._poll()
                except DeviceUnavailable as err:
                    connected = False
                    self._lost(err)
                except Exception:  # a bug must not silently kill the scanner
                    log.exception("%s: unexpected error in the scanner thread", self.name)
                    connected = False
                    self._lost(DeviceUnavailable("driver error", ErrorCode.DEVICE_ERROR))
        finally:
            if connected:
                self._disconnect()
            self._set_status(_OFFLINE, None)
            self._first_attempt.set()

    def _lost(self, err: DeviceUnavailable) -> None:
        self._disconnect()
        self._set_status(
            DeviceStatus(DeviceState.NO_DEVICE, FaultAction.MAINTENANCE, fault=err.code.value,
                         detail=str(err)),
            err,
        )
        self._first_attempt.set()
        self._stop.wait(self.reconnect_interval)

    def _set_status(self, status: DeviceStatus, error: DeviceError | None) -> None:
        with self._lock:
            changed = status != self._status
            self._status = status
            self._error = error
        if changed:
            level = logging.WARNING if status.fault else logging.INFO
            log.log(level, "%s: status %s %s %s", self.name, status.state.value, status.fault,
                    status.detail)
            self.events.publish(StatusChanged(self.name, status))
