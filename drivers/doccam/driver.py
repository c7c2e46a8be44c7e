"""The document camera driver around one primitive: a source of frames.

A back end (OpenCV/V4L2, the simulator) only opens a device and hands out frames; this
module does the rest once for both, on the driver's own I/O thread:

- connect: open the source and read ``warmup_frames`` so auto exposure and white balance
  settle, then ONLINE; a missing device is NO_DEVICE and is retried every
  ``reconnect_interval``, so a camera unplugged and plugged back recovers by itself;
- idle: no frames are decoded (a 5 MP stream costs a core); every ``presence_interval``
  the source is asked whether its device is still there;
- capture: drop ``flush_frames`` (buffers the camera filled while idle, seconds old), read
  ``candidates`` fresh frames, keep the sharpest (a hand just leaving the platen blurs
  the first ones), process it into a page (page.py) and hand it to the caller.

Frames and pages stay in memory; every frame buffer is zeroed once it is no longer
needed, and a page finished after its caller gave up is wiped, not kept.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod

import cv2

from ..errors import DeviceError, DeviceTimeout, DeviceUnavailable, ErrorCode, OperationCancelled
from ..events import EventHub, StatusChanged
from ..status import DeviceState, DeviceStatus, FaultAction
from .model import CapturedPage
from .outline import Frame
from .page import PageSettings, process_frame, sharpness

log = logging.getLogger(__name__)

_CLOSED = DeviceStatus(DeviceState.OFFLINE, detail="driver not open")
_ONLINE = DeviceStatus(DeviceState.ONLINE)

# What a fault means for the status: (state, the action that clears it).
FAULT_STATUS: dict[ErrorCode, tuple[DeviceState, FaultAction]] = {
    ErrorCode.NO_DEVICE: (DeviceState.NO_DEVICE, FaultAction.MAINTENANCE),
    ErrorCode.DEVICE_IO: (DeviceState.OFFLINE, FaultAction.WAIT),     # reconnects by itself
    ErrorCode.TIMEOUT: (DeviceState.OFFLINE, FaultAction.WAIT),
}
_OTHER_FAULT = (DeviceState.HARDWARE_ERROR, FaultAction.MAINTENANCE)


class FrameSource(ABC):
    """A camera back end. Only the driver's I/O thread calls it."""

    description = "camera"   # technician detail for the status (device path), never PII

    @abstractmethod
    def open(self) -> None:
        """Open the device; DeviceUnavailable (no_device) when it is not there."""

    @abstractmethod
    def read(self) -> Frame:
        """The next frame, BGR uint8, owned by the caller (it zeroes it).

        DeviceUnavailable when the device went away, DeviceError (device_io) when it is
        there but gives no frame."""

    def grab(self) -> None:
        """Take the next frame without keeping it (flush, warm-up)."""
        self.read().fill(0)

    @abstractmethod
    def present(self) -> bool:
        """Whether the opened device is still there (asked while idle)."""

    @abstractmethod
    def close(self) -> None:
        """Release the device; never raises."""

    def begin_capture(self) -> None:  # noqa: B027 - an optional hook, empty by default
        """A capture starts (the simulator moves to its next document)."""


class _Request:
    """One capture_page call, shared between its caller and the I/O thread."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.page: CapturedPage | None = None
        self.error: DeviceError | None = None
        self._lock = threading.Lock()
        self.abandoned = False

    def deliver(self, page: CapturedPage) -> None:
        with self._lock:
            if not self.abandoned and not self.done.is_set():
                self.page = page
                self.done.set()
                return
        page.wipe()   # nobody will ever take it

    def fail(self, error: DeviceError) -> None:
        with self._lock:
            if not self.done.is_set():
                self.error = error
                self.done.set()

    def abandon(self) -> None:
        with self._lock:
            self.abandoned = True
            page, self.page = self.page, None
        if page is not None:
            page.wipe()


def _fresh(error: DeviceError) -> DeviceError:
    """A new exception for another thread's caller; the original keeps its traceback."""
    copy = type(error)(str(error), error.code)
    copy.__cause__ = error
    return copy


class FrameCamera:
    """DocumentCamera over a FrameSource: threads, status, reconnects and page capture."""

    def __init__(
        self,
        name: str,
        source: FrameSource,
        page: PageSettings | None = None,
        *,
        warmup_frames: int = 8,
        flush_frames: int = 4,
        candidates: int = 5,
        reconnect_interval: float = 1.0,
        presence_interval: float = 0.5,
    ) -> None:
        if warmup_frames < 0 or flush_frames < 0 or candidates < 1:
            raise ValueError("warmup_frames and flush_frames must be >= 0, candidates >= 1")
        if reconnect_interval <= 0 or presence_interval <= 0:
            raise ValueError("reconnect_interval and presence_interval must be > 0")
        self.name = name
        self.events = EventHub()
        self.settings = page or PageSettings()
        self.warmup_frames = warmup_frames
        self.flush_frames = flush_frames
        self.candidates = candidates
        self.reconnect_interval = reconnect_interval
        self.presence_interval = presence_interval
        self._source = source
        self._lock = threading.Lock()
        self._status = _CLOSED
        self._error: DeviceError | None = None        # why the status is not ONLINE
        self._pending: list[_Request] = []
        self._wake = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._first_attempt = threading.Event()
        self._thread: threading.Thread | None = None
        self._connected = False

    # -- the contract -------------------------------------------------------------------

    def open(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._first_attempt.clear()
        self._thread = threading.Thread(target=self._run, name=f"doccam {self.name}",
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        thread, self._thread = self._thread, None
        if thread is not None:
            # Waits in the thread are stop-aware; a frame read is bounded by the back end.
            thread.join(timeout=3.0)
            if thread.is_alive():
                log.warning("%s: I/O thread did not stop in time", self.name)
        self._fail_pending(OperationCancelled(f"{self.name}: camera closed"))
        self._set_status(_CLOSED, None)

    def status(self) -> DeviceStatus:
        with self._lock:
            return self._status

    def capture_page(self, timeout: float) -> CapturedPage:
        if self._thread is None:
            raise DeviceUnavailable(f"{self.name}: camera is not open", ErrorCode.NO_DEVICE)
        deadline = time.monotonic() + timeout
        if not self._first_attempt.wait(max(0.0, deadline - time.monotonic())):
            raise DeviceTimeout(f"{self.name}: camera did not start in time")
        with self._lock:
            error = self._error if self._status.state is not DeviceState.ONLINE else None
        if error is not None:
            raise _fresh(error)
        request = _Request()
        with self._wake:
            self._pending.append(request)
            self._wake.notify_all()
        try:
            if not request.done.wait(max(0.0, deadline - time.monotonic())):
                request.abandon()
                raise DeviceTimeout(f"{self.name}: no page captured within {timeout:.1f} s")
        finally:
            with self._lock:
                if request in self._pending:
                    self._pending.remove(request)
        if request.error is not None:
            raise request.error
        if request.page is None:  # pragma: no cover - done is only set with one of the two
            raise DeviceError(f"{self.name}: capture ended without a page")
        return request.page

    # -- the I/O thread -----------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self._step()
                except OperationCancelled:
                    break
                except DeviceError as err:
                    self._fault(err)
                except Exception:  # never let a bug silently kill the camera
                    log.exception("%s: unexpected error in the I/O thread", self.name)
                    self._fault(DeviceError("driver error", ErrorCode.DEVICE_ERROR))
        finally:
            self._disconnect()
            self._fail_pending(OperationCancelled(f"{self.name}: camera closed"))
            self._set_status(_CLOSED, None)
            self._first_attempt.set()

    def _step(self) -> None:
        if not self._connected:
            self._connect()
        with self._wake:
            if not self._pending and not self._stop.is_set():
                self._wake.wait(self.presence_interval)
            request = next((r for r in self._pending if not r.done.is_set()), None)
        if self._stop.is_set():
            raise OperationCancelled("camera is closing")
        if request is None:
            if not self._source.present():
                raise DeviceUnavailable(f"{self._source.description} is gone")
            return
        self._serve(request)

    def _connect(self) -> None:
        self._source.open()
        self._connected = True
        for _ in range(self.warmup_frames):
            if self._stop.is_set():
                raise OperationCancelled("camera is closing")
            self._source.grab()
        log.info("%s: camera online on %s", self.name, self._source.description)
        self._set_status(_ONLINE, None)
        self._first_attempt.set()

    def _serve(self, request: _Request) -> None:
        try:
            chosen = self._best_frame(request)
        except DeviceError as err:
            request.fail(_fresh(err))
            raise
        if chosen is None:
            return     # the caller gave up; nothing was kept
        frame, score = chosen
        try:
            page = process_frame(frame, self.settings, score)
        except (cv2.error, DeviceError, ValueError) as err:
            # A frame we cannot process is not a device fault: the camera stays online.
            log.warning("%s: page processing failed: %s", self.name, type(err).__name__)
            request.fail(DeviceError(f"{self.name}: page processing failed",
                                     ErrorCode.DEVICE_ERROR))
            return
        finally:
            frame.fill(0)
        request.deliver(page)

    def _best_frame(self, request: _Request) -> tuple[Frame, float] | None:
        self._source.begin_capture()
        for _ in range(self.flush_frames):
            if self._gave_up(request):
                return None
            self._source.grab()
        best: Frame | None = None
        best_score = -1.0
        for _ in range(self.candidates):
            if self._gave_up(request):
                if best is not None:
                    best.fill(0)
                return None
            frame = self._source.read()
            score = sharpness(frame, self.settings)
            if best is None or score > best_score:
                if best is not None:
                    best.fill(0)
                best, best_score = frame, score
            else:
                frame.fill(0)
        return (best, best_score) if best is not None else None

    def _gave_up(self, request: _Request) -> bool:
        if self._stop.is_set():
            raise OperationCancelled("camera is closing")
        return request.abandoned

    # -- status -------------------------------------------------------------------------

    def _fault(self, err: DeviceError) -> None:
        self._disconnect()
        state, action = FAULT_STATUS.get(err.code, _OTHER_FAULT)
        self._set_status(
            DeviceStatus(state, action, fault=err.code.value, detail=str(err)), err
        )
        # Whoever waits for a page now would only wait out their timeout: tell them why.
        self._fail_pending(err)
        self._first_attempt.set()
        self._stop.wait(self.reconnect_interval)

    def _disconnect(self) -> None:
        if self._connected:
            self._connected = False
            self._source.close()

    def _fail_pending(self, error: DeviceError) -> None:
        with self._lock:
            pending = list(self._pending)
        for request in pending:
            request.fail(_fresh(error))

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
