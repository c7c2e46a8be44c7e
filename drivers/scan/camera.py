"""Camera code scanner: frames from a FrameSource, codes found by a Decoder.

Two threads per scanner. The I/O thread (ScannerBase) reads frames as fast as the camera
delivers them and keeps only the newest; the decode thread takes the newest frame whenever
it is free. When decoding is slower than the camera, the frames in between are dropped
(counted in ``stats``) rather than queued: a queue would make every code arrive later and
later, while the newest frame is always the one worth reading. Neither thread is the
caller's: ``open()`` returns at once and codes arrive as CodeScanned events.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import cv2
import numpy as np
import numpy.typing as npt

from ..errors import DeviceUnavailable, ErrorCode
from .base import POLL_SECONDS, ScannerBase
from .decode import Decoder, default_decoder

log = logging.getLogger(__name__)

Frame = npt.NDArray[np.uint8]  # H x W gray, or H x W x 3 BGR
OPEN_TIMEOUT_MS = 3000
READ_TIMEOUT_MS = 1000


@runtime_checkable
class FrameSource(Protocol):
    """Where frames come from: a camera, a simulator, a video file.

    ``read()`` blocks until the next frame (at most about a second) and returns it, or
    None when there is no frame just now. It raises DeviceUnavailable when the device is
    gone; the next ``read()`` tries to reopen it. Returned frames are not written to by
    the source afterwards. ``read()`` may be called again after ``close()``.
    """

    def read(self) -> Frame | None: ...

    def close(self) -> None: ...


class OpenCvCamera:
    """A V4L2 camera through cv2.VideoCapture; reopened by the next read after it vanishes.

    ``device`` is a path (/dev/video0, or a udev symlink such as /dev/v4l/by-id/...) or an
    index. The capture buffer is kept to one frame where the driver allows, since the
    scanner reads continuously and wants the newest frame, not a backlog.
    """

    def __init__(
        self,
        device: str | int = "/dev/video0",
        width: int = 1280,
        height: int = 720,
        fps: float | None = None,
        backend: int = cv2.CAP_V4L2,
    ) -> None:
        self.device = device
        self.width = width
        self.height = height
        self.fps = fps
        self.backend = backend
        self._capture: cv2.VideoCapture | None = None
        self._lock = threading.Lock()  # close() may come from another thread than read()

    def read(self) -> Frame | None:
        with self._lock:
            capture = self._capture or self._open()
            ok, frame = capture.read()
            if not ok or frame is None:
                self._release()
                raise DeviceUnavailable(f"camera {self.device}: no frame (unplugged?)",
                                        ErrorCode.NO_DEVICE)
            return np.asarray(frame, np.uint8)

    def close(self) -> None:
        with self._lock:
            self._release()

    def _open(self) -> cv2.VideoCapture:
        # Checking the path first gives a clear error and spares OpenCV's console warnings.
        if isinstance(self.device, str) and not os.path.exists(self.device):
            raise DeviceUnavailable(f"camera {self.device}: no such device", ErrorCode.NO_DEVICE)
        # Bounded waits (the V4L2 default is 10 s): close() must not hang on a stalled camera,
        # and a camera that stops delivering is treated as gone and reopened.
        timeouts = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, OPEN_TIMEOUT_MS,
                    cv2.CAP_PROP_READ_TIMEOUT_MSEC, READ_TIMEOUT_MS]
        capture = cv2.VideoCapture(self.device, self.backend, timeouts)
        if not capture.isOpened():
            capture.release()
            raise DeviceUnavailable(f"camera {self.device}: cannot open", ErrorCode.NO_DEVICE)
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        if self.fps:
            capture.set(cv2.CAP_PROP_FPS, self.fps)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._capture = capture
        log.info("camera %s open at %dx%d", self.device,
                 int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
                 int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        return capture

    def _release(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()


@dataclass(frozen=True)
class CameraStats:
    frames_read: int
    frames_decoded: int
    frames_dropped: int   # read but replaced by a newer frame before the decoder got to it


def to_gray(frame: Frame) -> Frame:
    """A decoder's input: 2-D uint8."""
    if frame.ndim == 2:
        return frame
    if frame.ndim == 3 and frame.shape[2] == 3:
        return np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), np.uint8)
    if frame.ndim == 3 and frame.shape[2] == 1:
        return frame[:, :, 0]
    raise ValueError(f"unsupported frame shape {frame.shape}")


class CameraScanner(ScannerBase):
    """CodeScanner over a FrameSource (a camera or the camera simulator)."""

    def __init__(
        self,
        name: str,
        source: FrameSource,
        decoder: Decoder | None = None,
        repeat_window_s: float = 2.0,
        reconnect_interval: float = 1.0,
    ) -> None:
        super().__init__(name, repeat_window_s, reconnect_interval)
        self.source = source
        self.decoder = decoder or default_decoder()
        self._frame_ready = threading.Condition()
        self._newest: Frame | None = None
        self._preview: tuple[int, Frame] | None = None   # (frame number, frame) for a preview
        self._read = self._decoded = self._dropped = self._failures = 0
        self._decode_thread: threading.Thread | None = None

    @property
    def stats(self) -> CameraStats:
        with self._frame_ready:
            return CameraStats(self._read, self._decoded, self._dropped)

    def preview_frame(self) -> tuple[int, Frame] | None:
        """The newest frame read and its number (a technician's live preview); frames are
        never written to, so the caller may read it but must not change it."""
        with self._frame_ready:
            return self._preview

    def open(self) -> None:
        super().open()
        if self._decode_thread is None or not self._decode_thread.is_alive():
            self._decode_thread = threading.Thread(
                target=self._decode_loop, name=f"decode {self.name}", daemon=True
            )
            self._decode_thread.start()

    def close(self) -> None:
        super().close()  # sets the stop event: the decode loop ends after its frame
        with self._frame_ready:
            self._frame_ready.notify_all()
        thread, self._decode_thread = self._decode_thread, None
        if thread is not None:
            thread.join(timeout=2.0)
            if thread.is_alive():
                log.warning("%s: decode thread did not stop in time", self.name)
        with self._frame_ready:
            self._newest = self._preview = None

    # -- the I/O thread: frames in ------------------------------------------------------

    def _connect(self) -> None:
        self._offer(self.source.read())  # the first frame proves the camera is there

    def _io_step(self) -> None:
        frame = self.source.read()
        if frame is None:
            self._stop.wait(POLL_SECONDS / 10)  # nothing just now; do not spin
            return
        self._offer(frame)

    def _disconnect(self) -> None:
        self.source.close()

    def _offer(self, frame: Frame | None) -> None:
        if frame is None:
            return
        with self._frame_ready:
            if self._newest is not None:
                self._dropped += 1
            self._newest = frame
            self._read += 1
            self._preview = (self._read, frame)
            self._frame_ready.notify()

    # -- the decode thread: codes out ---------------------------------------------------

    def _decode_loop(self) -> None:
        while not self._stop.is_set():
            with self._frame_ready:
                while self._newest is None and not self._stop.is_set():
                    self._frame_ready.wait(POLL_SECONDS)
                frame, self._newest = self._newest, None
            if frame is None:
                continue
            try:
                codes = self.decoder.decode(to_gray(frame))
            except Exception:  # a decoder failure costs one frame, not the scanner
                self._failures += 1
                if self._failures % 100 == 1:  # at 30 fps, once per frame would flood the log
                    log.exception("%s: decoder %s failed (%d frames so far)", self.name,
                                  self.decoder.name, self._failures)
                continue
            with self._frame_ready:
                self._decoded += 1
            for code in codes:
                self._found(code.text, code.symbology)
