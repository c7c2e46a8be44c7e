"""From a camera frame to a page: find it, straighten it, crop it, make it legible, JPEG.

Pure functions over numpy arrays: no device, no files. Everything that holds the page's
pixels stays in memory, and the buffers this module owns are zeroed once the JPEG exists
(best effort: OpenCV's own temporaries are freed, not zeroed).

Choosing the defaults. ``long_side`` 2000 px makes an A4 page 1414 x 2000 (about 170 dpi),
enough for 5-point Chinese text to stay readable and for OCR; a whole A4 page at JPEG
quality 85 then weighs some 200-450 KB, well under what a submission may carry. Small
documents are not blown up more than ``max_upscale`` times their size in the frame: an ID
card that covers 700 px of the frame gains nothing from becoming 2000 px wide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ..errors import DeviceError, ErrorCode
from .model import CapturedPage, Corners
from .outline import Frame, Quad, estimate_aspect, find_page, side_lengths

# Known documents by long side / short side. A measured aspect within ``snap_tolerance``
# of one of these takes it exactly, which removes the last percent of perspective error.
PAPER_FORMATS: dict[str, float] = {
    "iso_a": math.sqrt(2.0),         # A3, A4, A5 (and B5, passports' data pages: 1.41-1.42)
    "id_card": 85.6 / 54.0,          # ID-1: resident ID, bank and social security cards
    "letter": 279.4 / 215.9,
}


@dataclass(frozen=True)
class PageSettings:
    """How a frame becomes a page. Validated on construction (ValueError names the field)."""

    long_side: int = 2000          # output pixels along the page's long side
    max_upscale: float = 1.5       # at most this times the page's size in the frame
    jpeg_quality: int = 85
    min_area_ratio: float = 0.2    # a page covers at least this much of the frame
    enhance: bool = True           # white balance + even out the light, for text
    snap_tolerance: float = 0.03   # relative distance to a PAPER_FORMATS aspect
    trim: float = 0.004            # cut off each side of a found page: the outline's edge
    detect_side: int = 1000        # detection and sharpness work at this long side

    def __post_init__(self) -> None:
        checks = {
            "long_side": 200 <= self.long_side <= 8000,
            "max_upscale": 0.1 <= self.max_upscale <= 8.0,
            "jpeg_quality": 30 <= self.jpeg_quality <= 100,
            "min_area_ratio": 0.01 <= self.min_area_ratio < 0.95,
            "snap_tolerance": 0.0 <= self.snap_tolerance <= 0.2,
            "trim": 0.0 <= self.trim <= 0.05,
            "detect_side": 200 <= self.detect_side <= 4000,
        }
        for name, ok in checks.items():
            if not ok:
                raise ValueError(f"page setting {name}={getattr(self, name)!r} is out of range")


def prepare(frame: Frame, settings: PageSettings) -> tuple[Frame, float]:
    """The blurred grayscale of ``frame`` at detection scale, and that scale."""
    height, width = frame.shape[:2]
    scale = min(1.0, settings.detect_side / max(width, height))
    small = frame if scale == 1.0 else cv2.resize(
        frame, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA
    )
    gray = small if small.ndim == 2 else cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    return np.asarray(gray, dtype=np.uint8), scale


def sharpness(frame: Frame, settings: PageSettings) -> float:
    """Variance of the Laplacian at detection scale (comparable between frames)."""
    gray, _ = prepare(frame, settings)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def locate(frame: Frame, settings: PageSettings) -> Quad | None:
    """The page's corners in frame coordinates (top-left first, clockwise), or None."""
    gray, scale = prepare(frame, settings)
    quad = find_page(np.asarray(cv2.GaussianBlur(gray, (5, 5), 0), dtype=np.uint8),
                     settings.min_area_ratio)
    if quad is None:
        return None
    # Pixel centres: x_small = (x + 0.5) * scale - 0.5, inverted.
    return ((quad + 0.5) / scale - 0.5).astype(np.float32)


def snap_aspect(aspect: float, tolerance: float) -> tuple[float, str]:
    """(aspect, paper name) after snapping width/height to a known format, if close."""
    long_short = max(aspect, 1.0 / aspect)
    name, ratio = min(PAPER_FORMATS.items(), key=lambda kv: abs(long_short / kv[1] - 1.0))
    if abs(long_short / ratio - 1.0) > tolerance:
        return aspect, ""
    return (ratio if aspect >= 1.0 else 1.0 / ratio), name


def process_frame(
    frame: Frame, settings: PageSettings | None = None, frame_sharpness: float | None = None
) -> CapturedPage:
    """Find, straighten, crop, enhance and compress the page in ``frame`` (BGR).

    When no page outline is found the whole frame is kept (``found_edges`` False): a
    page filling the platen, or one on a desk of its own colour, is still usable.
    ``frame_sharpness`` saves measuring again when the caller already did.
    """
    settings = settings or PageSettings()
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise DeviceError(f"unexpected frame {frame.shape} {frame.dtype}", ErrorCode.DEVICE_IO)
    height, width = frame.shape[:2]
    quad = locate(frame, settings)
    if quad is None:
        page, paper = _whole_frame(frame, settings), ""
        corners = _frame_corners(width, height)
    else:
        page, paper = _straighten(frame, quad, settings)
        corners = _as_corners(quad)
    try:
        if settings.enhance:
            enhanced = _enhance(page)
            page.fill(0)
            page = enhanced
        jpeg = encode_jpeg(page, settings.jpeg_quality)
        out_h, out_w = page.shape[:2]
    finally:
        page.fill(0)
    return CapturedPage(
        jpeg=jpeg, width=out_w, height=out_h, found_edges=quad is not None, corners=corners,
        sharpness=sharpness(frame, settings) if frame_sharpness is None else frame_sharpness,
        paper=paper, source_size=(width, height),
    )


def encode_jpeg(image: Frame, quality: int) -> bytearray:
    ok, buf = cv2.imencode(
        ".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_OPTIMIZE, 1]
    )
    if not ok:
        raise DeviceError("JPEG encoding failed", ErrorCode.DEVICE_ERROR)
    data = bytearray(buf.tobytes())
    buf.fill(0)
    return data


# -- geometry -------------------------------------------------------------------------------


def _straighten(frame: Frame, quad: Quad, settings: PageSettings) -> tuple[Frame, str]:
    height, width = frame.shape[:2]
    aspect, paper = snap_aspect(estimate_aspect(quad, (width, height)), settings.snap_tolerance)
    seen_long = max(side_lengths(quad))
    long_px = max(16, min(settings.long_side, round(seen_long * settings.max_upscale)))
    out_w, out_h = (
        (long_px, max(1, round(long_px / aspect))) if aspect >= 1.0
        else (max(1, round(long_px * aspect)), long_px)
    )
    # Map the outline slightly outside the output: the outline's own edge (a line of desk
    # or shadow) falls off, and no text does (pages keep margins far wider than this).
    tx, ty = settings.trim * out_w, settings.trim * out_h
    dst = np.array(
        [[-tx, -ty], [out_w - 1 + tx, -ty], [out_w - 1 + tx, out_h - 1 + ty],
         [-tx, out_h - 1 + ty]],
        dtype=np.float32,
    )
    matrix = cv2.getPerspectiveTransform(quad, dst)
    upscaling = long_px > seen_long
    page = cv2.warpPerspective(
        frame, matrix, (out_w, out_h),
        flags=cv2.INTER_CUBIC if upscaling else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return np.asarray(page, dtype=np.uint8), paper


def _whole_frame(frame: Frame, settings: PageSettings) -> Frame:
    height, width = frame.shape[:2]
    long_px = min(settings.long_side, round(max(width, height) * settings.max_upscale))
    scale = long_px / max(width, height)
    if scale == 1.0:
        return frame.copy()
    interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_CUBIC
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(cv2.resize(frame, size, interpolation=interpolation), dtype=np.uint8)


def _frame_corners(width: int, height: int) -> Corners:
    w, h = float(width - 1), float(height - 1)
    return ((0.0, 0.0), (w, 0.0), (w, h), (0.0, h))


def _as_corners(quad: Quad) -> Corners:
    p = [(float(x), float(y)) for x, y in quad]
    return (p[0], p[1], p[2], p[3])


# -- legibility -------------------------------------------------------------------------------

WHITE_TARGET = 245.0          # where the paper's white lands after white balance (per channel)
PAPER_WHITE = 250.0           # where the paper lands after flattening the light
# Flattening lifts a region by at most 1 / FLOOR over the paper's own level: enough for a
# lamp's fall-off and the camera arm's shadow, too little to wash out a photo on the page.
FLOOR = 0.8
_BG_SCALE, _BG_KERNEL = 8, 9   # background estimate at 1/8 size, 9 px max filter (72 px)


def _enhance(page: Frame) -> Frame:
    """White balance on the paper's white, then flatten the light across the page.

    The paper is the brightest large part of a page, so each channel's high percentile is
    the paper under the hall's light: scaling it to neutral white removes the yellow cast
    of warm lamps and lifts a dim exposure. Uneven light (a hot spot, the arm's shadow) is
    then divided out: a max filter wider than any stroke sees only paper, and all three
    channels are scaled alike (hue kept) so that paper is white everywhere. This evens the
    light as CLAHE would, but keeps the text's own contrast and leaves the paper flat
    instead of amplifying its grain into noise (CLAHE doubled the paper's noise and the
    JPEG's size in our measurements).
    """
    sample = page[::4, ::4].reshape(-1, 3)
    whites = np.percentile(sample, 97, axis=0)
    gains = np.clip(WHITE_TARGET / np.maximum(whites, 1.0), 0.8, 2.5)
    lut = np.clip(np.arange(256)[:, None] * gains[None, :], 0, 255).astype(np.uint8)
    balanced = np.asarray(cv2.LUT(page, lut.reshape(1, 256, 3)), dtype=np.uint8)
    gray = cv2.cvtColor(balanced, cv2.COLOR_BGR2GRAY)
    height, width = gray.shape
    small = cv2.resize(gray, (max(1, width // _BG_SCALE), max(1, height // _BG_SCALE)),
                       interpolation=cv2.INTER_AREA)
    gray.fill(0)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (_BG_KERNEL, _BG_KERNEL))
    background = cv2.GaussianBlur(cv2.dilate(small, kernel).astype(np.float32), (0, 0), 3)
    paper = float(np.percentile(small, 90))
    gain_small = PAPER_WHITE / np.maximum(background, FLOOR * max(paper, 1.0))
    gain = cv2.resize(gain_small, (width, height), interpolation=cv2.INTER_LINEAR)
    out = cv2.multiply(balanced, cv2.merge([gain, gain, gain]), dtype=cv2.CV_8U)
    balanced.fill(0)
    return np.asarray(out, dtype=np.uint8)
