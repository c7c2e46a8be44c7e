"""The real document camera: a UVC camera read through OpenCV's V4L2 back end.

Document cameras (高拍仪) are UVC devices with a 3-10 MP sensor on an arm. At those sizes
USB 2 only carries MJPEG at a useful frame rate (YUYV at 5 MP gives 2-3 frames a second),
so MJPG is asked for by default. Configure ``device`` as a stable udev symlink (for
example /dev/doccam): after a replug the kernel may hand out another /dev/videoN.

OpenCV waits up to OPENCV_VIDEOIO_V4L_SELECT_TIMEOUT seconds (default 10) for a frame of a
stalled camera, and nothing can interrupt that wait; 2 s keeps close() prompt. OpenCV reads
the variable on the first frame of the process, so it is set before the first open.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Protocol

import cv2
import numpy as np

from ..errors import DeviceError, DeviceUnavailable, ErrorCode
from .driver import FrameCamera, FrameSource
from .outline import Frame
from .page import PageSettings

log = logging.getLogger(__name__)

V4L_SELECT_TIMEOUT_S = "2"
READ_ATTEMPTS = 3      # a UVC camera drops a corrupt MJPEG frame now and then


class VideoCaptureLike(Protocol):
    """The part of cv2.VideoCapture the driver uses (tests pass a fake)."""

    def isOpened(self) -> bool: ...  # noqa: N802 - OpenCV's name

    def read(self) -> tuple[bool, object]: ...

    def grab(self) -> bool: ...

    def set(self, prop: int, value: float) -> bool: ...

    def get(self, prop: int) -> float: ...

    def release(self) -> None: ...


CaptureFactory = Callable[[str | int], VideoCaptureLike]


def _open_v4l2(device: str | int) -> VideoCaptureLike:
    backend = cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY
    return cv2.VideoCapture(device, backend)  # type: ignore[return-value]


def device_path(device: str | int) -> str | None:
    """The device node to watch for presence (None: the back end alone can tell)."""
    if isinstance(device, int):
        return f"/dev/video{device}" if sys.platform.startswith("linux") else None
    return device if device.startswith("/") else None


class OpenCvSource(FrameSource):
    """Frames from cv2.VideoCapture; presence from the device node."""

    def __init__(
        self,
        device: str | int,
        width: int | None,
        height: int | None,
        fourcc: str | None = "MJPG",
        factory: CaptureFactory = _open_v4l2,
    ) -> None:
        if fourcc is not None and len(fourcc) != 4:
            raise ValueError(f"fourcc must be 4 characters, not {fourcc!r}")
        self.device = device
        self.description = str(device)
        self.width = width
        self.height = height
        self.fourcc = fourcc
        self._factory = factory
        self._path = device_path(device)
        self._cap: VideoCaptureLike | None = None

    def open(self) -> None:
        if self._path is not None and not os.path.exists(self._path):
            raise DeviceUnavailable(f"{self._path} does not exist", ErrorCode.NO_DEVICE)
        try:
            cap = self._factory(self.device)
        except cv2.error as err:
            raise DeviceUnavailable(f"cannot open {self.device}: {err}",
                                    ErrorCode.NO_DEVICE) from err
        if not cap.isOpened():
            cap.release()
            # The node exists but does not stream: held by another program, or not a camera.
            raise DeviceUnavailable(f"cannot open {self.device} (busy or not a camera)",
                                    ErrorCode.NO_DEVICE)
        # Format first: V4L2 renegotiates the size when the pixel format changes.
        if self.fourcc is not None:
            cap.set(cv2.CAP_PROP_FOURCC, float(cv2.VideoWriter.fourcc(*self.fourcc)))
        if self.width:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, float(self.width))
        if self.height:
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, float(self.height))
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1.0)    # best effort: fewer stale frames to flush
        log.info("%s: %dx%d", self.device, int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
                 int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        self._cap = cap

    def read(self) -> Frame:
        cap = self._require()
        for _ in range(READ_ATTEMPTS):
            ok, frame = cap.read()
            if ok and isinstance(frame, np.ndarray) and frame.size:
                return _as_bgr(frame)
        raise self._read_error()

    def grab(self) -> None:
        cap = self._require()
        for _ in range(READ_ATTEMPTS):
            if cap.grab():
                return
        raise self._read_error()

    def present(self) -> bool:
        if self._path is not None and not os.path.exists(self._path):
            return False
        return self._cap is not None and bool(self._cap.isOpened())

    def close(self) -> None:
        cap, self._cap = self._cap, None
        if cap is not None:
            try:
                cap.release()
            except cv2.error:  # releasing a vanished device may fail; it is gone either way
                pass

    def _require(self) -> VideoCaptureLike:
        if self._cap is None:
            raise DeviceUnavailable(f"{self.device} is not open", ErrorCode.NO_DEVICE)
        return self._cap

    def _read_error(self) -> DeviceError:
        if not self.present():
            return DeviceUnavailable(f"{self.device} went away", ErrorCode.NO_DEVICE)
        return DeviceError(f"{self.device}: no frame after {READ_ATTEMPTS} attempts",
                           ErrorCode.DEVICE_IO)


def _as_bgr(frame: np.ndarray) -> Frame:
    if frame.dtype != np.uint8:
        raise DeviceError(f"unexpected frame type {frame.dtype}", ErrorCode.DEVICE_IO)
    if frame.ndim == 2:
        return np.asarray(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    if frame.ndim == 3 and frame.shape[2] == 4:
        return np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR), dtype=np.uint8)
    if frame.ndim == 3 and frame.shape[2] == 3:
        return frame
    raise DeviceError(f"unexpected frame shape {frame.shape}", ErrorCode.DEVICE_IO)


class OpenCvDocumentCamera(FrameCamera):
    """DocumentCamera on a UVC document camera (V4L2 through OpenCV)."""

    def __init__(
        self,
        name: str = "doc_camera",
        device: str | int = "/dev/video0",
        width: int | None = 2592,
        height: int | None = 1944,
        fourcc: str | None = "MJPG",
        page: PageSettings | None = None,
        *,
        factory: CaptureFactory = _open_v4l2,
        warmup_frames: int = 8,
        flush_frames: int = 4,
        candidates: int = 5,
        reconnect_interval: float = 1.0,
        presence_interval: float = 0.5,
    ) -> None:
        os.environ.setdefault("OPENCV_VIDEOIO_V4L_SELECT_TIMEOUT", V4L_SELECT_TIMEOUT_S)
        super().__init__(
            name, OpenCvSource(device, width, height, fourcc, factory), page,
            warmup_frames=warmup_frames, flush_frames=flush_frames, candidates=candidates,
            reconnect_interval=reconnect_interval, presence_interval=presence_interval,
        )
