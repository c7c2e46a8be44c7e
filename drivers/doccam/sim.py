"""The simulated document camera: the real driver over frames from image files.

What the camera sees, in order of precedence:

1. what was ``place()``-d on the platen: one frame, or a burst of frames the capture
   reads in turn (so a blurred and a sharp frame exercise the sharpest-frame choice); a
   flat page image (a rendered PDF page, a scan) can be laid on the desk with ``flat``;
2. otherwise, with ``platen``, the image file at that path, read again at the start of
   each capture (another process, such as the demo's console, lays a document down by
   writing the file and takes it away by deleting it; a missing or unreadable file is
   the empty desk);
3. otherwise the ``images`` given at construction (files, or every image in a
   directory, sorted by name): each capture shows the next one, so a demo steps through
   a stack of sample documents;
4. otherwise the empty platen: the desk, no page.

``unplug()`` and ``plug()`` make the device vanish and come back, to drive the status
and reconnect paths. Frames are decoded in memory; the simulator writes nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from ..errors import DeviceUnavailable, ErrorCode
from .driver import FrameCamera, FrameSource
from .outline import Frame
from .page import PageSettings
from .synth import desk, photograph

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})
ImageInput = Path | str | Frame


def image_files(images: Sequence[Path | str] | Path | str | None) -> list[Path]:
    """The image files named, or those in a directory; ValueError for a bad entry."""
    if images is None:
        return []
    if isinstance(images, str | Path):
        folder = Path(images)
        if not folder.is_dir():
            raise ValueError(f"{folder} is not a directory of images")
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise ValueError(f"{folder} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        return files
    files = [Path(p) for p in images]
    for path in files:
        if not path.is_file() or not cv2.haveImageReader(str(path)):
            raise ValueError(f"{path} is not a readable image")
    return files


def load_image(image: ImageInput) -> Frame:
    """A BGR uint8 copy of ``image`` (a file path or an array)."""
    if isinstance(image, np.ndarray):
        array = image
    else:
        data = np.frombuffer(Path(image).read_bytes(), dtype=np.uint8)
        decoded = cv2.imdecode(data, cv2.IMREAD_COLOR)
        if decoded is None:
            raise ValueError(f"{image} is not a readable image")
        array = np.asarray(decoded, dtype=np.uint8)
    if array.dtype != np.uint8:
        raise ValueError(f"image must be uint8, not {array.dtype}")
    if array.ndim == 2:
        return np.asarray(cv2.cvtColor(array, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    if array.ndim == 3 and array.shape[2] == 3:
        return np.array(array, dtype=np.uint8, copy=True)
    raise ValueError(f"image must be gray or BGR, not shape {array.shape}")


class _SimulatedSource(FrameSource):
    def __init__(
        self, files: list[Path], frame_size: tuple[int, int], frame_interval: float, seed: int,
        platen: Path | None = None,
    ) -> None:
        self.description = "simulated document camera"
        self._files = files
        self._platen = platen
        self._platen_frame: Frame | None = None   # the platen file as read at this capture
        self._frame_size = frame_size
        self._frame_interval = frame_interval
        self._seed = seed
        self._lock = threading.Lock()
        self._placed: list[Frame] = []
        self._burst = 0
        self._deck = -1                # index of the deck image shown (-1: none yet)
        self._deck_frame: Frame | None = None
        self._desk: Frame | None = None
        self._plugged = True
        self._open = False

    # -- the simulator's controls (any thread) ----------------------------------------

    def place(self, frames: list[Frame]) -> None:
        with self._lock:
            self._placed = frames
            self._burst = 0

    def clear(self) -> None:
        with self._lock:
            _zero(self._placed)
            self._placed = []

    def set_plugged(self, plugged: bool) -> None:
        with self._lock:
            self._plugged = plugged

    # -- FrameSource (the driver's thread) --------------------------------------------

    def open(self) -> None:
        with self._lock:
            if not self._plugged:
                raise DeviceUnavailable("simulated camera unplugged", ErrorCode.NO_DEVICE)
            self._open = True

    def read(self) -> Frame:
        if self._frame_interval > 0:
            time.sleep(self._frame_interval)
        with self._lock:
            if not self._plugged or not self._open:
                raise DeviceUnavailable("simulated camera went away", ErrorCode.NO_DEVICE)
            if self._placed:
                frame = self._placed[self._burst % len(self._placed)]
                self._burst += 1
                return frame.copy()
            if self._platen is not None:
                if self._platen_frame is not None:
                    return self._platen_frame.copy()
                return self._empty_desk()
            if self._deck >= 0 and self._files:
                if self._deck_frame is None:
                    self._deck_frame = load_image(self._files[self._deck])
                return self._deck_frame.copy()
            return self._empty_desk()

    def _empty_desk(self) -> Frame:
        if self._desk is None:
            self._desk = desk(self._frame_size, self._seed)
        return self._desk.copy()

    def present(self) -> bool:
        with self._lock:
            return self._plugged

    def close(self) -> None:
        with self._lock:
            self._open = False

    def begin_capture(self) -> None:
        if self._platen is not None:
            self._read_platen(self._platen)
        with self._lock:
            if self._files and not self._placed:
                self._deck = (self._deck + 1) % len(self._files)
                if self._deck_frame is not None:
                    self._deck_frame.fill(0)
                self._deck_frame = None


    def _read_platen(self, path: Path) -> None:
        """What lies on the platen now: the file's image, or nothing when it is missing
        (read outside the lock: decoding a photo takes a while)."""
        frame: Frame | None = None
        try:
            frame = load_image(path)
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as err:   # half-written or not an image: the empty desk
            log.warning("simulated document camera: platen %s unreadable (%s)", path,
                        type(err).__name__)
        with self._lock:
            if self._platen_frame is not None:
                self._platen_frame.fill(0)
            self._platen_frame = frame


def _zero(frames: list[Frame]) -> None:
    for frame in frames:
        frame.fill(0)


class SimulatedDocumentCamera(FrameCamera):
    """DocumentCamera that shows image files, placed frames or an empty desk."""

    def __init__(
        self,
        name: str = "doc_camera",
        images: Sequence[Path | str] | Path | str | None = None,
        page: PageSettings | None = None,
        *,
        platen: Path | str | None = None,
        frame_size: tuple[int, int] = (1600, 1200),
        frame_interval: float = 0.0,
        seed: int = 0,
        warmup_frames: int = 2,
        flush_frames: int = 1,
        candidates: int = 3,
        reconnect_interval: float = 0.2,
        presence_interval: float = 0.1,
    ) -> None:
        self._sim = _SimulatedSource(image_files(images), frame_size, frame_interval, seed,
                                     Path(platen) if platen is not None else None)
        self.frame_size = frame_size
        self.seed = seed
        super().__init__(
            name, self._sim, page,
            warmup_frames=warmup_frames, flush_frames=flush_frames, candidates=candidates,
            reconnect_interval=reconnect_interval, presence_interval=presence_interval,
        )

    def place(self, document: ImageInput | Sequence[ImageInput], *, flat: bool = False,
              angle_deg: float = 4.0) -> None:
        """Put a document on the platen until ``clear()``.

        ``document`` is a camera frame (path or BGR array), or a list of frames read in
        turn by each capture. With ``flat`` it is a flat page image instead, which the
        simulator lays on its desk turned by ``angle_deg`` and photographs.
        """
        items: list[ImageInput] = (
            list(document) if isinstance(document, list | tuple) else [document]  # type: ignore[list-item]
        )
        if not items:
            raise ValueError("nothing to place")
        frames = [load_image(item) for item in items]
        if flat:
            frames = [self._lay_flat(frame, angle_deg) for frame in frames]
        self._sim.place(frames)

    def clear(self) -> None:
        """Take the document off the platen (its frames are zeroed)."""
        self._sim.clear()

    def unplug(self) -> None:
        """The camera vanishes: NO_DEVICE within ``presence_interval``."""
        self._sim.set_plugged(False)

    def plug(self) -> None:
        """The camera is back: ONLINE again within ``reconnect_interval``."""
        self._sim.set_plugged(True)

    def _lay_flat(self, page: Frame, angle_deg: float) -> Frame:
        height, width = page.shape[:2]
        # Any real size with the page's aspect; only the aspect reaches the frame.
        size_mm = (210.0, 210.0 * height / width) if width <= height else (
            297.0, 297.0 * height / width)
        shot = photograph(page, size_mm, angle_deg, frame_size=self.frame_size,
                          seed=self.seed)
        page.fill(0)
        return shot.frame
