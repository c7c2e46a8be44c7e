"""The document camera driver around one primitive: a source of frames.

A back end (OpenCV/V4L2, the simulator) only opens a device and hands out frames; this
module does the rest once for both, on the driver's own I/O thread (drivers.device):

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

from ..device import DeviceBase, fresh_error
from ..errors import DeviceError, DeviceTimeout, DeviceUnavailable, ErrorCode, OperationCancelled
from .model import CapturedPage
from .outline import Frame
from .page import PageSettings, process_frame, sharpness

log = logging.getLogger(__name__)


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


class FrameCamera(DeviceBase):
    """DocumentCamera over a FrameSource: warm-up, presence checks and page capture."""

    thread_name = "doccam"
    stop_timeout = 3.0   # waits are stop-aware; a frame read is bounded by the back end

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
        super().__init__(name, reconnect_interval)
        self.settings = page or PageSettings()
        self.warmup_frames = warmup_frames
        self.flush_frames = flush_frames
        self.candidates = candidates
        self.presence_interval = presence_interval
        self._source = source
        self._pending: list[_Request] = []
        self._requests = threading.Condition(self._lock)
        self._source_open = False

    # -- the contract -------------------------------------------------------------------

    def capture_page(self, timeout: float) -> CapturedPage:
        self._require_open("camera")
        deadline = time.monotonic() + timeout
        if not self._await_first_attempt(deadline):
            raise DeviceTimeout(f"{self.name}: camera did not start in time")
        request = _Request()
        with self._requests:
            self._pending.append(request)
            self._requests.notify_all()
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

    # -- the I/O thread (drivers.device runs it) -----------------------------------------

    def _wake_io(self) -> None:
        with self._requests:
            self._requests.notify_all()

    def _after_stop(self) -> None:
        self._fail_pending(OperationCancelled(f"{self.name}: camera closed"))

    def _io_step(self) -> None:
        with self._requests:
            if not self._pending and not self._stop.is_set():
                self._requests.wait(self.presence_interval)
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
        self._source_open = True
        for _ in range(self.warmup_frames):
            if self._stop.is_set():
                raise OperationCancelled("camera is closing")
            self._source.grab()
        log.info("%s: camera online on %s", self.name, self._source.description)

    def _serve(self, request: _Request) -> None:
        try:
            chosen = self._best_frame(request)
        except DeviceError as err:
            request.fail(fresh_error(err))
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

    # -- faults -------------------------------------------------------------------------

    def _io_fault(self, err: DeviceError) -> None:
        self._drop_connection()
        self._report_fault(err)
        # Whoever waits for a page now would only wait out their timeout: tell them why.
        self._fail_pending(err)
        self._stop.wait(self.reconnect_interval)

    def _disconnect(self) -> None:
        if self._source_open:
            self._source_open = False
            self._source.close()

    def _fail_pending(self, error: DeviceError) -> None:
        with self._lock:
            pending = list(self._pending)
        for request in pending:
            request.fail(fresh_error(error))
