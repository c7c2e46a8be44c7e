"""Camera simulator: a FrameSource that films a scene at a steady frame rate.

What it films, in order of precedence:

1. whatever was put in front of it with :meth:`SimulatedCamera.show` (until ``clear()``),
   e.g. a test's generated code; or, with ``slot``, the image file at that path while it
   exists (another process, such as the demo's console, "holds up" a code by writing the
   file and takes it away by deleting it);
2. a playlist: image files (a list or a directory, each held for ``hold_s`` seconds or
   ``hold_frames`` frames) or a video file;
3. an empty scene (a seeded, photo-like hall background).

An image the size of a frame is used as it is; a smaller one is held up in the middle of
the scene (scaled to ``size`` px wide if asked, with the contrast and softness a camera
gives it); a larger one is scaled down to fit. Frames are gray, read-only arrays, and
``read()`` is paced to ``fps`` like a real camera, so a scanner over the simulator sees the
same timing (and drops the same frames) as over a webcam.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from ..errors import DeviceUnavailable, ErrorCode
from . import synth
from .camera import Frame, to_gray

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
ImageLike = str | Path | Frame


def load_gray(image: ImageLike) -> Frame:
    """An image file or array as a gray array; ValueError when a file is not an image."""
    if isinstance(image, np.ndarray):
        return to_gray(image.astype(np.uint8, copy=False))
    gray = cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)
    if gray is None:
        raise ValueError(f"cannot read image {image}")
    return np.asarray(gray, np.uint8)


def image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


class SimulatedCamera:
    """A FrameSource for development, tests and the demo (see the module docstring)."""

    def __init__(
        self,
        images: Sequence[ImageLike] | str | Path | None = None,
        video: str | Path | None = None,
        fps: float | None = None,
        hold_s: float = 1.0,
        hold_frames: int | None = None,
        loop: bool = True,
        width: int = 1280,
        height: int = 720,
        seed: int = 0,
        slot: str | Path | None = None,
    ) -> None:
        if images is not None and video is not None:
            raise ValueError("play images or a video, not both")
        self.width, self.height = width, height
        self.loop = loop
        self.video = Path(video) if video is not None else None
        if isinstance(images, str | Path):
            folder = Path(images)
            images = image_files(folder) if folder.is_dir() else [folder]
        self._playlist: list[ImageLike] = list(images or [])
        self._capture: cv2.VideoCapture | None = None
        self.fps = fps or self._video_fps() or 30.0
        self.hold_frames = max(1, hold_frames or round(hold_s * self.fps))
        self.background = synth.photo_background(width, height, seed)
        self.background.flags.writeable = False
        self._lock = threading.Lock()
        self._shown: Frame | None = None
        self._cached: tuple[int, Frame] | None = None   # (playlist index, its frame)
        self._frame_no = 0
        self._next_at: float | None = None
        self.slot = Path(slot) if slot is not None else None
        self._slot_seen: tuple[float, int] | None = None   # (mtime, size) of the file shown
        self._slot_checked = 0.0

    # -- putting things in front of it ----------------------------------------------------

    def show(self, image: ImageLike, size: int | None = None) -> None:
        """Hold ``image`` up in front of the camera until ``clear()`` (or the next show)."""
        frame = self.compose(load_gray(image), size)
        with self._lock:
            self._shown = frame

    def clear(self) -> None:
        """Take away what was shown: the camera films its playlist or the empty scene."""
        with self._lock:
            self._shown = None

    def compose(self, image: Frame, size: int | None = None) -> Frame:
        """The frame the camera sees with ``image`` in front of it (see the module docstring)."""
        if image.shape == (self.height, self.width) and size is None:
            frame = np.array(image, np.uint8)
        else:
            # Fit within the frame, keeping a margin a hand would leave.
            fit = min(self.width * 0.95 / image.shape[1], self.height * 0.95 / image.shape[0])
            width = min(size or image.shape[1], int(image.shape[1] * fit))
            frame = synth.place(self.background, image, size=width, blur=0.5)
        frame.flags.writeable = False
        return frame

    # -- FrameSource ------------------------------------------------------------------------

    def read(self) -> Frame | None:
        self._pace()
        if self.slot is not None:
            self._follow_slot()
        with self._lock:
            shown = self._shown
            number = self._frame_no
            self._frame_no += 1
        if shown is not None:
            return shown
        if self.video is not None:
            return self._video_frame()
        if self._playlist:
            return self._playlist_frame(number)
        return self.background

    def close(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()
        self._next_at = None

    @property
    def frames_served(self) -> int:
        with self._lock:
            return self._frame_no

    # -- internals ----------------------------------------------------------------------------

    def _follow_slot(self) -> None:
        """Show the slot file while it exists (checked five times a second)."""
        now = time.monotonic()
        if now - self._slot_checked < 0.2:
            return
        self._slot_checked = now
        slot = self.slot
        if slot is None:
            return
        try:
            stat = slot.stat()
        except FileNotFoundError:
            if self._slot_seen is not None:
                self._slot_seen = None
                self.clear()
            return
        seen = (stat.st_mtime, stat.st_size)
        if seen != self._slot_seen:
            try:
                self.show(slot)
            except ValueError:      # half-written or not an image: look again next time
                return
            self._slot_seen = seen

    def _pace(self) -> None:
        """Sleep until this frame's time. A late reader gets the next frame at once but
        never a burst of catch-up frames, as with a real camera."""
        now = time.monotonic()
        if self._next_at is None:
            self._next_at = now
        wait = self._next_at - now
        if wait > 0:
            time.sleep(wait)
        self._next_at = max(self._next_at, time.monotonic() - 1 / self.fps) + 1 / self.fps

    def _playlist_frame(self, number: int) -> Frame:
        index = number // self.hold_frames
        if index >= len(self._playlist) and not self.loop:
            return self.background
        index %= len(self._playlist)
        cached = self._cached
        if cached is not None and cached[0] == index:
            return cached[1]
        try:
            frame = self.compose(load_gray(self._playlist[index]))
        except ValueError as err:  # a broken playlist shows as a broken camera
            raise DeviceUnavailable(f"camera simulator: {err}", ErrorCode.NO_CONTENT) from err
        self._cached = (index, frame)
        return frame

    def _open_video(self) -> cv2.VideoCapture:
        capture = cv2.VideoCapture(str(self.video))
        if not capture.isOpened():
            capture.release()
            raise DeviceUnavailable(f"camera simulator: cannot open video {self.video}",
                                    ErrorCode.NO_CONTENT)
        return capture

    def _video_fps(self) -> float | None:
        if self.video is None:
            return None
        capture = self._open_video()
        fps = capture.get(cv2.CAP_PROP_FPS)
        capture.release()
        return float(fps) if fps and fps > 0 else None

    def _video_frame(self) -> Frame:
        if self._capture is None:
            self._capture = self._open_video()
        ok, frame = self._capture.read()
        if not ok and self.loop:
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        if not ok:
            return self.background  # the film is over; the camera keeps looking at the hall
        gray = to_gray(np.asarray(frame, np.uint8))
        if gray.shape != (self.height, self.width):
            gray = self.compose(gray)
        return gray
