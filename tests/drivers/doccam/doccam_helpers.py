"""Shared helpers of the document camera tests: decoding pages and reading markers."""

from __future__ import annotations

import cv2
import numpy as np

from drivers.doccam.model import CapturedPage
from drivers.doccam.synth import marker_boxes

Box = tuple[int, int, int, int]


def decode(page: CapturedPage) -> np.ndarray:
    """The page's JPEG decoded (BGR); fails the test when it does not decode."""
    image = cv2.imdecode(np.frombuffer(bytes(page.jpeg), dtype=np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "the page's JPEG does not decode"
    return np.asarray(image)


def ink(image: np.ndarray) -> float:
    """How dark the darkest text is: the 1st percentile of gray."""
    return float(np.percentile(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), 1))


def marker_darkness(image: np.ndarray, box: Box) -> tuple[float, float]:
    """(share of dark pixels inside ``box`` shrunk by 15 %, median gray of the paper
    between the box and the image's nearest edges)."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    x0, y0, x1, y1 = box
    dx, dy = round((x1 - x0) * 0.15), round((y1 - y0) * 0.15)
    inside = gray[y0 + dy:y1 - dy, x0 + dx:x1 - dx]
    darkness = float((inside < 100).mean()) if inside.size else 0.0
    # The band between the marker and the nearer vertical and horizontal edges.
    left = x0 < w - x1
    top = y0 < h - y1
    bx = (round(x0 * 0.3), round(x0 * 0.7)) if left else (
        x1 + round((w - x1) * 0.3), x1 + round((w - x1) * 0.7))
    by = (round(y0 * 0.3), round(y0 * 0.7)) if top else (
        y1 + round((h - y1) * 0.3), y1 + round((h - y1) * 0.7))
    beside = gray[y0:y1, bx[0]:bx[1]]
    above = gray[by[0]:by[1], x0:x1]
    margins = [float(np.median(band)) for band in (beside, above) if band.size]
    return darkness, min(margins) if margins else 0.0


def assert_all_markers_present(image: np.ndarray) -> None:
    """Every corner marker dark and whole, with paper between it and the edge; the
    orientation tab where an upright page has it and nowhere else."""
    h, w = image.shape[:2]
    boxes = marker_boxes(w, h)
    for name in ("top_left", "top_right", "bottom_right", "bottom_left"):
        darkness, margin = marker_darkness(image, boxes[name])
        assert darkness > 0.8, f"{name} marker missing or cut ({darkness:.2f} dark)"
        assert margin > 170, f"{name}: no paper between the marker and the edge ({margin:.0f})"
    tab_darkness, _ = marker_darkness(image, boxes["orientation"])
    assert tab_darkness > 0.7, "orientation tab missing: the page is not upright"
    x0, y0, x1, y1 = boxes["orientation"]
    mirrored = (w - x1, y0, w - x0, y1)        # where a mirrored page would have it
    assert marker_darkness(image, mirrored)[0] < 0.2
