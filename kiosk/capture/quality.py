"""Is a photographed page good enough to send? Four checks, each a problem code the screen
words in Chinese with what to do (docs/casework.md §5):

- ``no_page``: no page outline found and the frame is mostly desk (nothing laid down);
- ``cut_off``: no outline found (the page runs past the frame), or an outline corner within
  ``EDGE_MARGIN`` of the frame's edge (a page partly off the platen);
- ``blurred``: the driver's sharpness (variance of the Laplacian of the chosen frame at
  detection scale) below ``[capture] min_sharpness``;
- ``glare``: more than ``[capture] max_glare`` of the straightened page is clipped white
  with no texture left (a lamp's reflection: the sensor saturated and the text under it is
  gone; paper itself keeps its grain). Measured at full resolution: downscaling averages
  the paper's grain away and makes clean margins look like glare.

The page's JPEG is decoded in memory (cv2.imdecode) and the decoded pixels are zeroed
before returning: they are the citizen's document.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from drivers.doccam.model import CapturedPage

from .settings import CaptureSettings

PROBLEMS = ("no_page", "cut_off", "blurred", "glare")
EDGE_MARGIN = 0.01          # a corner this close (share of the frame's side) touches the edge
GLARE_LEVEL = 248           # clipped white after the driver's light flattening (it maps
                            # the paper's local maximum to 250, a clipped area to it as well)
GLARE_FLAT = 0.6            # and no texture: 5x5 standard deviation below this (grey levels);
                            # paper keeps its grain (1-3 levels), a saturated area has none
# A frame with no outline is "empty" when less than this share of it is paper-bright
# relative to its own brightest part (the desk is dark, wood-textured and coloured).
PAPER_SHARE_EMPTY = 0.25


@dataclass(frozen=True)
class Quality:
    """The problems found, in PROBLEMS order; none means the page may be sent."""

    problems: tuple[str, ...] = ()
    sharpness: float = 0.0
    glare: float = 0.0          # share of the page's pixels lost to glare, 0..1

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> str:
        """The problem to tell the citizen about first ("" when none)."""
        return self.problems[0] if self.problems else ""


def assess(page: CapturedPage, settings: CaptureSettings) -> Quality:
    """The verdict on ``page`` (never raises for a page the driver produced)."""
    gray = _decode_gray(page)
    try:
        if gray is None:
            return Quality(("no_page",), page.sharpness)
        if not page.found_edges and _mostly_desk(page):
            return Quality(("no_page",), page.sharpness)
        problems: list[str] = []
        if not page.found_edges or _touches_edge(page):
            problems.append("cut_off")
        if page.sharpness < settings.min_sharpness:
            problems.append("blurred")
        share = glare_share(gray)
        if share > settings.max_glare:
            problems.append("glare")
        return Quality(tuple(problems), page.sharpness, share)
    finally:
        if gray is not None:
            gray.fill(0)


def glare_share(gray: np.ndarray) -> float:
    """Share of ``gray``'s pixels that are clipped white and textureless."""
    if gray.size == 0:
        return 0.0
    values = gray.astype(np.float32)
    mean = cv2.blur(values, (5, 5))
    square = cv2.blur(values * values, (5, 5))
    std = np.sqrt(np.maximum(square - mean * mean, 0.0))
    glare = (mean >= GLARE_LEVEL) & (std < GLARE_FLAT)
    share = float(np.count_nonzero(glare)) / float(gray.size)
    for buf in (values, mean, square, std):
        buf.fill(0)
    return share


def _touches_edge(page: CapturedPage) -> bool:
    width, height = page.source_size
    if width <= 0 or height <= 0:
        return False
    mx, my = EDGE_MARGIN * width, EDGE_MARGIN * height
    return any(x < mx or x > width - 1 - mx or y < my or y > height - 1 - my
               for x, y in page.corners)


def _mostly_desk(page: CapturedPage) -> bool:
    """Whole frame kept: is it an empty desk (dark, coloured) or a page filling the view?"""
    colour = _decode_colour(page)
    if colour is None:
        return True
    try:
        hsv = cv2.cvtColor(colour, cv2.COLOR_BGR2HSV)
        value, saturation = hsv[:, :, 2], hsv[:, :, 1]
        paperish = (value >= 170) & (saturation < 60)
        share = float(np.count_nonzero(paperish)) / float(value.size)
        hsv.fill(0)
        return share < PAPER_SHARE_EMPTY
    finally:
        colour.fill(0)


def _decode_gray(page: CapturedPage) -> np.ndarray | None:
    return _decode(page, cv2.IMREAD_GRAYSCALE)


def _decode_colour(page: CapturedPage) -> np.ndarray | None:
    # A quarter of the size is plenty to tell desk from paper, decoded as such by libjpeg.
    return _decode(page, cv2.IMREAD_REDUCED_COLOR_4)


def _decode(page: CapturedPage, flags: int) -> np.ndarray | None:
    if not page.jpeg:
        return None
    # A view of the bytearray, not a copy: no second unzeroed copy of the JPEG exists.
    image = cv2.imdecode(np.frombuffer(memoryview(page.jpeg), dtype=np.uint8), flags)
    return None if image is None else np.asarray(image, dtype=np.uint8)
