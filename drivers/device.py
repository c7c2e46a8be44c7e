"""What every device driver shares: its I/O thread, open/close, status and the fault table.

A driver runs its device on a thread of its own. ``open()`` starts the thread and returns at
once (a missing device is a status, never an exception); ``close()`` stops it within about
``stop_timeout`` seconds and lets go of the device. The thread repeats, until closed:

- ``_connect()`` while not connected (then the status is ONLINE, for the drivers whose
  ``online_when_connected``: a printer watcher or the PC/SC monitor says it otherwise);
- ``_io_step()``: one bounded piece of work (a poll, a read, a wait on the stop event).

A DeviceError from either goes to ``_io_fault(err)``. By default the device is let go
(``_disconnect()``), the status says what happened, from the one table FAULTS below (error
code -> state and the action that clears it), and the thread waits ``reconnect_interval``
before connecting again. OperationCancelled, or any error once ``close()`` was called, ends
the thread. Any other exception is a bug: logged with its traceback and handled as
DeviceUnavailable(device_error) (the driver can no longer vouch for the device: it starts
over), so a bug never silently ends a device's thread.

The first attempt: a caller waiting for the device (``wait_identity``, ``capture_page``
...) first waits until the first connect attempt has finished, then goes on when the device
is ONLINE or raises, at once, the error that keeps it from being ONLINE, rather than
waiting out its timeout for a device that is not there.

Status: ``_set_status`` keeps the status and the error behind it and publishes
StatusChanged only when the status changed (``_status_key`` says what counts).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar, TypeVar

from .errors import DeviceError, DeviceUnavailable, ErrorCode, OperationCancelled
from .events import DeviceEvent, EventHub, StatusChanged
from .status import ONLINE, DeviceState, DeviceStatus, FaultAction

log = logging.getLogger(__name__)

_WAIT = (DeviceState.OFFLINE, FaultAction.WAIT)
_STAFF = (DeviceState.USER_ERROR, FaultAction.CLEAR_BY_STAFF)
_TECHNICIAN = (DeviceState.HARDWARE_ERROR, FaultAction.MAINTENANCE)

# What a fault means for a device's status: (state, the action that clears it). Every
# driver reports its errors through this table; a family's own status tables (printer
# conditions, CUPS reasons) name a code and take its state and action from here too.
FAULTS: dict[ErrorCode, tuple[DeviceState, FaultAction]] = {
    # Not there: unplugged, port or queue missing, cupsd or the printer unreachable.
    ErrorCode.NO_DEVICE: (DeviceState.NO_DEVICE, FaultAction.MAINTENANCE),
    # There, but not answering sense just now: the driver reconnects by itself.
    ErrorCode.PCSC_UNAVAILABLE: _WAIT,
    ErrorCode.DEVICE_IO: _WAIT,
    ErrorCode.TIMEOUT: _WAIT,
    ErrorCode.CHECKSUM: _WAIT,
    ErrorCode.FRAME_LENGTH: _WAIT,
    ErrorCode.FRAME_GARBLED: _WAIT,
    ErrorCode.BAD_COMMAND: _WAIT,
    ErrorCode.UNAUTHORIZED: _WAIT,
    ErrorCode.PRINTER_OFFLINE: _WAIT,
    # A card's trouble showing in the device's own loop (not in a read): the reader is
    # confused and is started over.
    **{code: _WAIT for code in (
        ErrorCode.NO_CARD, ErrorCode.SELECT_FAILED, ErrorCode.READ_FAILED, ErrorCode.NO_CONTENT,
        ErrorCode.UNKNOWN_CARD, ErrorCode.CARD_AUTH, ErrorCode.INVALID_CARD_DATA,
        ErrorCode.CARD_REMOVED)},
    # Staff clear it at the device.
    ErrorCode.PAPER_OUT: _STAFF,
    ErrorCode.PAPER_JAM: _STAFF,
    ErrorCode.COVER_OPEN: _STAFF,
    # A technician must look.
    ErrorCode.SAM_FAILURE: _TECHNICIAN,
    ErrorCode.CUTTER_ERROR: _TECHNICIAN,
    ErrorCode.DEVICE_ERROR: _TECHNICIAN,
    ErrorCode.JOB_FAILED: (DeviceState.OFFLINE, FaultAction.MAINTENANCE),
}
OTHER_FAULT = _TECHNICIAN            # a code the table does not name

CLOSED = DeviceStatus(DeviceState.OFFLINE, detail="driver not open")

E = TypeVar("E", bound=DeviceEvent)


def fault_status(err: DeviceError, detail: str | None = None) -> DeviceStatus:
    """The status a device is in after ``err`` (``detail``: technician text, str(err) by
    default; never personal data)."""
    state, action = FAULTS.get(err.code, OTHER_FAULT)
    return DeviceStatus(state, action, fault=err.code.value,
                        detail=str(err) if detail is None else detail)


def fresh_error(error: DeviceError) -> DeviceError:
    """A new exception for another thread's caller; the original keeps its traceback."""
    copy = type(error)(str(error), error.code)
    copy.__cause__ = error
    return copy


class DeviceBase:
    """The Device contract around a driver's connect / I/O step / disconnect."""

    thread_name: ClassVar[str] = "device"      # the thread is "<thread_name> <name>"
    stop_timeout: ClassVar[float] = 2.0        # how long close() waits for the thread
    # The status while not open and after close(); None keeps the last one (CUPS).
    closed_status: ClassVar[DeviceStatus | None] = CLOSED
    online_when_connected: ClassVar[bool] = True

    def __init__(
        self, name: str, reconnect_interval: float = 1.0, status: DeviceStatus | None = None
    ) -> None:
        self.name = name
        self.events = EventHub()
        self.reconnect_interval = reconnect_interval
        self._lock = threading.Lock()
        self._status = status or self.closed_status or CLOSED
        self._error: DeviceError | None = None       # what keeps the status from ONLINE
        self._version = 0
        self._stop = threading.Event()
        self._first_attempt = threading.Event()
        self._thread: threading.Thread | None = None
        self._connected = False

    # -- the contract ---------------------------------------------------------------------

    def open(self) -> None:
        """Start the device's I/O; returns at once, never raises for a missing device."""
        if self.running:
            return
        self._stop.clear()
        self._first_attempt.clear()
        self._before_start()
        self._thread = threading.Thread(
            target=self._run, name=f"{self.thread_name} {self.name}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the I/O (within about ``stop_timeout``) and let go of the device."""
        self._stop.set()
        self._wake_io()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=self.stop_timeout)
            if thread.is_alive():
                log.warning("%s: %s thread did not stop in time", self.name, self.thread_name)
        self._after_stop()
        if self.closed_status is not None:
            self._set_status(self.closed_status)

    def status(self) -> DeviceStatus:
        """The current status, without touching the device."""
        with self._lock:
            return self._status

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- for the drivers: hooks -----------------------------------------------------------

    def _before_start(self) -> None:
        """open(), before the thread starts."""

    def _wake_io(self) -> None:
        """close(), after the stop event was set: end a wait the event does not end."""

    def _after_stop(self) -> None:
        """close(), after the thread ended (or was given up on)."""

    def _connect(self) -> None:
        """Open the device; DeviceUnavailable when it is not there."""

    def _io_step(self) -> None:
        """One piece of I/O, bounded in time (close() waits for it)."""
        raise NotImplementedError

    def _disconnect(self) -> None:
        """Let go of the device; called when not connected too, must not raise."""

    def _io_fault(self, err: DeviceError) -> None:
        """A DeviceError from _connect or _io_step: let go, report, wait, reconnect."""
        self._drop_connection()
        self._report_fault(err)
        self._stop.wait(self.reconnect_interval)

    # -- the thread -----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    if not self._connected:
                        self._connect()
                        self._connected = True
                        if self.online_when_connected:
                            self._settle(ONLINE)
                    self._io_step()
                except OperationCancelled:
                    break
                except DeviceError as err:
                    if self._stop.is_set():
                        break          # what failed is the closing, not the device
                    self._io_fault(err)
                except Exception:  # never let a bug silently end the device's thread
                    log.exception("%s: unexpected error in the I/O thread", self.name)
                    self._io_fault(DeviceUnavailable("driver error", ErrorCode.DEVICE_ERROR))
        finally:
            self._drop_connection()
            self._first_attempt.set()

    def _drop_connection(self) -> None:
        self._connected = False
        self._disconnect()

    # -- status ---------------------------------------------------------------------------

    def _set_status(
        self, status: DeviceStatus, error: DeviceError | None = None, version: int | None = None
    ) -> None:
        """Keep ``status`` (and the error behind it) and publish it when it changed.
        ``version``: polls that may run concurrently number themselves; a status from an
        older poll than the last one kept is dropped."""
        with self._lock:
            if version is not None:
                if version < self._version:
                    return
                self._version = version
            previous, self._status, self._error = self._status, status, error
        if self._status_key(previous) != self._status_key(status):
            # A fault is worth a warning; going offline because we were closed is not.
            level = logging.WARNING if status.fault else logging.INFO
            log.log(level, "%s: status %s %s %s", self.name, status.state.value, status.fault,
                    status.detail)
            self.events.publish(StatusChanged(self.name, status))

    def _status_key(self, status: DeviceStatus) -> object:
        """What makes two statuses different enough to publish."""
        return status

    def _settle(self, status: DeviceStatus, error: DeviceError | None = None) -> None:
        """A connect attempt's outcome: the status, and the first attempt is over."""
        self._set_status(status, error)
        self._first_attempt.set()

    def _report_fault(self, err: DeviceError, detail: str | None = None) -> None:
        self._settle(fault_status(err, detail), err)

    # -- for the drivers: callers waiting on the device -----------------------------------

    def _require_open(self, what: str) -> None:
        if self._thread is None:
            raise DeviceUnavailable(f"{self.name}: {what} is not open", ErrorCode.NO_DEVICE)

    def _await_first_attempt(self, deadline: float) -> bool:
        """Wait (until ``deadline``) for the first connect attempt; then raise a fresh copy
        of the error that keeps the device from being ONLINE, if any. False when the first
        attempt had not finished by the deadline."""
        finished = self._first_attempt.wait(max(0.0, deadline - time.monotonic()))
        with self._lock:
            error = self._error if self._status.state is not DeviceState.ONLINE else None
        if error is not None:
            raise fresh_error(error)
        return finished

    @contextmanager
    def _collecting(self, *kinds: type[E]) -> Iterator[queue.Queue[E]]:
        """The events of ``kinds`` published while the block runs, in a queue."""
        found: queue.Queue[E] = queue.Queue()

        def collect(event: DeviceEvent) -> None:
            if isinstance(event, kinds):
                found.put(event)

        unsubscribe = self.events.subscribe(collect)
        try:
            yield found
        finally:
            unsubscribe()


def next_event(found: queue.Queue[E], deadline: float, timed_out: DeviceError) -> E:
    """The next collected event; ``timed_out`` is raised when none came by ``deadline``."""
    try:
        return found.get(timeout=max(0.0, deadline - time.monotonic()))
    except queue.Empty:
        raise timed_out from None
