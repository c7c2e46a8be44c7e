"""Find a page's outline in a camera frame and recover the page's true aspect.

The page is the largest convex four-sided outline covering at least ``min_area_ratio`` of
the frame. Two masks are searched, because each misses what the other finds: Canny edges
(any page whose border contrasts with the desk, even a grey page on a grey mat) and an
Otsu threshold (a white page on the dark mat of a document camera, even when shadows break
its edge line). Corners of the four-point approximation are then refined by fitting a
line to each side and intersecting the lines, which removes the rounding of the polygon
approximation and of dog-eared corners.

The aspect of the page is not the aspect of its outline: a camera that is not exactly
square to the platen foreshortens one direction. ``estimate_aspect`` recovers the aspect of
the real rectangle with Zhang and He's method (Whiteboard scanning and image enhancement,
2007), which estimates the focal length from the quad itself, and falls back on the mean
side lengths when the quad is too close to a parallelogram for that to be stable (a camera
looking straight down, where the side lengths are right anyway).
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import numpy.typing as npt

Frame = npt.NDArray[np.uint8]
Quad = npt.NDArray[np.float32]   # 4 x 2, ordered top-left, top-right, bottom-right, bottom-left

# A candidate filling more of the frame than this is the frame's own border (a bright
# desk thresholded as one blob), not a page lying on it.
MAX_AREA_RATIO = 0.95
# The four-point polygon must cover nearly all of the outline's convex hull; a page
# merged with a shadow or a hand gives a five-sided hull that a forced quad would cut.
MIN_HULL_FILL = 0.93
# Interior angles of a page photographed from a document camera's height stay far from 0
# and 180 degrees; thin slivers and folded shapes do not.
MIN_CORNER_DEG, MAX_CORNER_DEG = 35.0, 145.0
# The edge band's outer boundary lies outside the real edge: 1 px of dilation plus about
# half a pixel where Canny marks the pixel on the bright side (measured on synthetic pages).
EDGE_INSET = 1.5
# Two outlines within this area ratio are the same page seen by both masks.
SAME_PAGE = 1.1
_EPSILONS = (0.015, 0.02, 0.03, 0.045, 0.06)   # approxPolyDP tolerance, fraction of perimeter


def order_corners(points: npt.ArrayLike) -> Quad:
    """The four points as top-left, top-right, bottom-right, bottom-left.

    Sorted clockwise (on screen) around their centroid, then rotated so the first side
    is the one that runs most nearly left-to-right. Unlike the x+y / x-y rule this stays
    right for pages turned by up to 45 degrees either way.
    """
    pts = np.asarray(points, dtype=np.float32).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    clockwise = pts[np.argsort(angles)]   # image y points down: rising angle is clockwise
    best = 0
    best_cos = -2.0
    for start in range(4):
        edge = clockwise[(start + 1) % 4] - clockwise[start]
        cos = float(edge[0] / (np.hypot(edge[0], edge[1]) + 1e-9))
        if cos > best_cos:
            best, best_cos = start, cos
    return np.roll(clockwise, -best, axis=0).astype(np.float32)


def find_page(gray: Frame, min_area_ratio: float) -> Quad | None:
    """The page's corners in ``gray`` (already blurred and downscaled), or None."""
    height, width = gray.shape[:2]
    frame_area = float(width * height)
    min_area, max_area = min_area_ratio * frame_area, MAX_AREA_RATIO * frame_area
    # The threshold outline is exact to a fraction of a pixel; the edge outline is a
    # dilated band, so it is only taken when it is a larger page (or the only one).
    bright = _largest_quad(_bright_mask(gray), min_area, max_area, inset=0.0)
    edged = _largest_quad(_edge_mask(gray), min_area, max_area, inset=EDGE_INSET)
    if bright is None or (edged is not None and _area(edged) > SAME_PAGE * _area(bright)):
        return edged
    return bright


def side_lengths(quad: Quad) -> tuple[float, float]:
    """Mean width (top and bottom sides) and mean height (left and right sides)."""
    tl, tr, br, bl = quad
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2.0
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2.0
    return float(width), float(height)


def estimate_aspect(quad: Quad, frame_size: tuple[int, int]) -> float:
    """Width / height of the real rectangle whose image is ``quad`` (ordered corners).

    Assumes square pixels and the principal point at the frame centre, which holds for
    the fixed-focus UVC cameras of document cameras.
    """
    width, height = side_lengths(quad)
    fallback = width / height
    u0, v0 = frame_size[0] / 2.0, frame_size[1] / 2.0
    tl, tr, br, bl = (np.array([p[0], p[1], 1.0]) for p in quad.astype(np.float64))
    m1, m2, m3, m4 = tl, tr, bl, br          # the paper's naming: m1..m4 = (0,0) (w,0) (0,h) (w,h)
    k2 = np.dot(np.cross(m1, m4), m3) / np.dot(np.cross(m2, m4), m3)
    k3 = np.dot(np.cross(m1, m4), m2) / np.dot(np.cross(m3, m4), m2)
    n2 = k2 * m2 - m1
    n3 = k3 * m3 - m1
    denom = n2[2] * n3[2]
    scale = max(frame_size)
    # A near-parallelogram (camera square to the platen) leaves n2z, n3z ~ 0: no depth cue.
    if abs(n2[2]) < 1e-4 or abs(n3[2]) < 1e-4:
        return fallback
    f2 = -(
        (n2[0] * n3[0] - (n2[0] * n3[2] + n2[2] * n3[0]) * u0 + denom * u0 * u0)
        + (n2[1] * n3[1] - (n2[1] * n3[2] + n2[2] * n3[1]) * v0 + denom * v0 * v0)
    ) / denom
    if not math.isfinite(f2) or f2 <= 0 or not 0.3 * scale <= math.sqrt(f2) <= 20.0 * scale:
        return fallback
    f = math.sqrt(f2)
    a_inv = np.linalg.inv(np.array([[f, 0.0, u0], [0.0, f, v0], [0.0, 0.0, 1.0]]))
    metric = a_inv.T @ a_inv
    ratio2 = float(n2 @ metric @ n2) / float(n3 @ metric @ n3)
    if not math.isfinite(ratio2) or ratio2 <= 0:
        return fallback
    ratio = math.sqrt(ratio2)
    # The estimate is only trusted near what the outline shows: a wild value means noise.
    return ratio if 0.75 < ratio / fallback < 1.33 else fallback


# -- masks and candidates -----------------------------------------------------------------


def _edge_mask(gray: Frame) -> Frame:
    otsu, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    high = max(40.0, float(otsu))
    edges = cv2.Canny(gray, high * 0.4, high)
    # Close small gaps in the page border (a finger, a faint side) before tracing contours.
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
    return np.asarray(cv2.dilate(edges, kernel, iterations=1), dtype=np.uint8)


def _bright_mask(gray: Frame) -> Frame:
    _, mask = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))
    # Opening drops desk speckles; closing fills the page's text so it is one blob.
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    return np.asarray(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel, iterations=2),
                      dtype=np.uint8)


def _largest_quad(mask: Frame, min_area: float, max_area: float, inset: float) -> Quad | None:
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    hulls = sorted((np.asarray(cv2.convexHull(c), dtype=np.int32) for c in contours),
                   key=cv2.contourArea, reverse=True)
    for hull in hulls[:12]:
        area = cv2.contourArea(hull)
        if area < min_area:
            break
        if area > max_area:
            continue
        quad = _quad_of(hull, area)
        if quad is not None:
            return _refine(quad, hull, inset)
    return None


def _quad_of(hull: npt.NDArray[np.int32], hull_area: float) -> Quad | None:
    perimeter = cv2.arcLength(hull, True)
    for eps in _EPSILONS:
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) < 4:
            return None
        if len(approx) > 4:
            continue
        if not cv2.isContourConvex(approx):
            return None
        if cv2.contourArea(approx) < MIN_HULL_FILL * hull_area:
            return None
        quad = order_corners(approx)
        return quad if _angles_plausible(quad) else None
    return None


def _angles_plausible(quad: Quad) -> bool:
    for i in range(4):
        a = quad[i - 1] - quad[i]
        b = quad[(i + 1) % 4] - quad[i]
        cos = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9))
        angle = math.degrees(math.acos(max(-1.0, min(1.0, cos))))
        if not MIN_CORNER_DEG <= angle <= MAX_CORNER_DEG:
            return False
    return True


def _refine(quad: Quad, hull: npt.NDArray[np.int32], inset: float) -> Quad:
    """Fit a line to the outline points of each side, move it ``inset`` pixels inwards
    and intersect neighbouring lines."""
    points = _densify(hull.reshape(-1, 2).astype(np.float32))
    centre = quad.mean(axis=0)
    lines = []
    for i in range(4):
        start, end = quad[i], quad[(i + 1) % 4]
        direction = end - start
        length = float(np.linalg.norm(direction))
        unit = direction / (length + 1e-9)
        rel = points - start
        along = rel @ unit
        across = np.abs(rel[:, 0] * unit[1] - rel[:, 1] * unit[0])
        # The middle of the side only: corners are where sides are rounded or dog-eared.
        near = (along > 0.1 * length) & (along < 0.9 * length) & (across < 0.02 * length + 2)
        if int(near.sum()) < 2:
            return quad
        vx, vy, x0, y0 = cv2.fitLine(points[near], cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        normal = np.array([-vy, vx])
        if float(np.dot(normal, centre - np.array([x0, y0]))) < 0:
            normal = -normal
        x0, y0 = np.array([x0, y0]) + inset * normal
        lines.append((float(vx), float(vy), float(x0), float(y0)))
    refined = np.empty((4, 2), dtype=np.float32)
    for i in range(4):
        corner = _intersect(lines[i - 1], lines[i])
        if corner is None or np.linalg.norm(corner - quad[i]) > 0.05 * _diagonal(quad):
            return quad
        refined[i] = corner
    return refined


def _densify(points: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Points every pixel along the closed polygon (a hull keeps only its vertices)."""
    out = []
    for i in range(len(points)):
        a, b = points[i], points[(i + 1) % len(points)]
        steps = max(1, int(np.linalg.norm(b - a)))
        t = np.arange(steps, dtype=np.float32)[:, None] / steps
        out.append(a + (b - a) * t)
    return np.concatenate(out).astype(np.float32)


def _intersect(
    l1: tuple[float, float, float, float], l2: tuple[float, float, float, float]
) -> npt.NDArray[np.float32] | None:
    vx1, vy1, x1, y1 = l1
    vx2, vy2, x2, y2 = l2
    det = vx1 * (-vy2) - vy1 * (-vx2)
    if abs(det) < 1e-6:
        return None
    t = ((x2 - x1) * (-vy2) - (y2 - y1) * (-vx2)) / det
    return np.array([x1 + t * vx1, y1 + t * vy1], dtype=np.float32)


def _area(quad: Quad) -> float:
    return float(cv2.contourArea(quad.reshape(-1, 1, 2)))


def _diagonal(quad: Quad) -> float:
    return float(np.linalg.norm(quad[2] - quad[0]))
