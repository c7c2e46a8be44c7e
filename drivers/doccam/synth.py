"""Synthetic document-camera frames: a page with Chinese text photographed on a desk.

The simulator lays pages on its platen with these, and tests check page detection against
them. The page carries a black marker square near each corner (plus an orientation tab to
the right of the top-left one), so a test can tell that nothing was cut off and that the
page came out upright. The "photograph" is a real pinhole projection of the page turned
and tilted in 3-D, principal point at the frame centre, as a document camera's is, onto a
darker textured desk with a soft shadow, uneven lamp light, optics blur and sensor noise.

Text is rendered with WenQuanYi Micro Hei; none of it is personal data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .. import fonts
from .model import Corners
from .outline import Frame

A4_MM = (210.0, 297.0)
A4_LANDSCAPE_MM = (297.0, 210.0)
ID_CARD_MM = (85.6, 54.0)
CAMERA_HEIGHT_MM = 420.0     # lens above the platen, a typical 高拍仪 arm

# Marker squares, as fractions of the page's short side.
MARKER_MARGIN = 0.035
MARKER_SIZE = 0.05
MARKER_NAMES = ("top_left", "top_right", "bottom_right", "bottom_left", "orientation")

TITLE = "政务服务事项申请表（样张）"
BODY = (
    "申请事项：不动产登记资料查询",
    "办理部门：市政务服务中心综合受理窗口",
    "申请方式：一证通办，自助终端提交",
    "材料清单：身份证明、申请书、授权委托书（如有）",
    "承诺时限：即时办结；特殊情况三个工作日内办结",
    "申请人应当如实填写本表各项内容，并对材料的真实性负责。",
    "窗口工作人员应当一次性告知申请人所需的全部材料。",
    "温馨提示：本表为自助终端测试样张，不含任何个人信息。",
)
TABLE_ROWS = ("事项编码", "受理地点", "收费标准", "咨询电话", "备注")

BoxMap = dict[str, tuple[int, int, int, int]]


@dataclass(frozen=True)
class SyntheticFrame:
    frame: Frame              # BGR camera frame
    corners: Corners          # the page's true corners in the frame: its TL, TR, BR, BL
    page_size_mm: tuple[float, float]


def marker_boxes(width: int, height: int) -> BoxMap:
    """The marker squares of a rendered page, as (x0, y0, x1, y1) pixel boxes."""
    short = min(width, height)
    margin = round(MARKER_MARGIN * short)
    size = round(MARKER_SIZE * short)
    far_x, far_y = width - margin - size, height - margin - size
    return {
        "top_left": (margin, margin, margin + size, margin + size),
        "top_right": (far_x, margin, far_x + size, margin + size),
        "bottom_right": (far_x, far_y, far_x + size, far_y + size),
        "bottom_left": (margin, far_y, margin + size, far_y + size),
        # A half-height tab right of the top-left square: only an upright page has it there.
        "orientation": (margin + size + size // 2, margin, margin + 2 * size, margin + size // 2),
    }


def render_page(
    size_mm: tuple[float, float] = A4_MM, dpi: int = 150, font_path: Path | None = None
) -> Frame:
    """A page (BGR) with a title, body text, a ruled table, a red seal and corner markers;
    ``font_path``: the system's CJK font (drivers.fonts) when not given."""
    width = round(size_mm[0] / 25.4 * dpi)
    height = round(size_mm[1] / 25.4 * dpi)
    image = Image.new("RGB", (width, height), (250, 250, 247))
    draw = ImageDraw.Draw(image)
    for name, box in marker_boxes(width, height).items():
        del name
        draw.rectangle(box, fill=(0, 0, 0))
    unit = min(width, height) / 100.0      # 1 % of the short side
    left = round(MARKER_MARGIN * min(width, height) * 2 + unit * 4)
    usable = width - 2 * left
    title_font = _font(font_path, round(unit * 5.0))
    body_font = _font(font_path, round(unit * 2.6))
    y = round(MARKER_MARGIN * min(width, height) + MARKER_SIZE * min(width, height) + unit * 3)
    title_w = draw.textlength(TITLE, font=title_font)
    draw.text(((width - title_w) / 2, y), TITLE, font=title_font, fill=(20, 20, 20))
    y += round(unit * 9)
    line_h = round(unit * 4.2)
    for line in BODY:
        if y + line_h > height * 0.55:
            break
        draw.text((left, y), _fit(draw, line, body_font, usable), font=body_font,
                  fill=(30, 30, 30))
        y += line_h
    y += round(unit * 2)
    row_h = round(unit * 5)
    rows = [r for r in TABLE_ROWS if y + row_h * (TABLE_ROWS.index(r) + 1) < height * 0.85]
    if rows:
        bottom = y + row_h * len(rows)
        draw.rectangle((left, y, width - left, bottom), outline=(20, 20, 20), width=2)
        split = left + usable // 3
        draw.line((split, y, split, bottom), fill=(20, 20, 20), width=2)
        for i, label in enumerate(rows):
            top = y + i * row_h
            if i:
                draw.line((left, top, width - left, top), fill=(20, 20, 20), width=2)
            draw.text((left + unit, top + unit), label, font=body_font, fill=(30, 30, 30))
    radius = round(unit * 9)
    cx, cy = width - left - radius, round(height * 0.9) - radius
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=(200, 30, 30),
                 width=max(2, round(unit * 0.6)))
    seal = "样张专用"
    seal_w = draw.textlength(seal, font=body_font)
    draw.text((cx - seal_w / 2, cy - unit * 1.5), seal, font=body_font, fill=(200, 30, 30))
    rgb = np.asarray(image, dtype=np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1])


def desk(frame_size: tuple[int, int] = (1600, 1200), seed: int = 0) -> Frame:
    """A dark wood-like desk: blotches, horizontal grain and fine noise (BGR)."""
    width, height = frame_size
    rng = np.random.default_rng(seed)
    blotches = cv2.resize(rng.random((height // 60 + 2, width // 60 + 2)).astype(np.float32),
                          (width, height), interpolation=cv2.INTER_CUBIC)
    grain = cv2.resize(rng.random((height // 3 + 1, 24)).astype(np.float32), (width, height),
                       interpolation=cv2.INTER_LINEAR)
    shade = 0.7 + 0.3 * blotches + 0.25 * grain
    base = np.array([40.0, 58.0, 84.0], dtype=np.float32)       # dark brown (BGR)
    out = shade[:, :, None] * base[None, None, :]
    out += _noise(out.shape, 4.0, seed)
    return np.clip(out, 0, 255).astype(np.uint8)


def photograph(
    page: Frame,
    size_mm: tuple[float, float],
    angle_deg: float = 0.0,
    tilt_deg: tuple[float, float] = (0.0, 0.0),
    frame_size: tuple[int, int] = (1600, 1200),
    fill: float = 0.8,
    seed: int = 0,
    noise: float = 3.0,
    blur: float = 0.8,
    background: Frame | None = None,
) -> SyntheticFrame:
    """Lay ``page`` on a desk, turned by ``angle_deg`` (clockwise on screen) and tilted by
    ``tilt_deg`` (about the x and y axes), and photograph it from above.

    ``fill`` is the share of the frame's half-width/half-height the farthest corner reaches.
    """
    width, height = frame_size
    projected = _project(size_mm, angle_deg, tilt_deg)
    reach = np.abs(projected).max(axis=0)
    focal = fill * min((width / 2.0) / reach[0], (height / 2.0) / reach[1])
    corners = projected * focal + np.array([width / 2.0, height / 2.0])
    ph, pw = page.shape[:2]
    src = np.array([[-0.5, -0.5], [pw - 0.5, -0.5], [pw - 0.5, ph - 0.5], [-0.5, ph - 0.5]],
                   dtype=np.float32)
    homography = cv2.getPerspectiveTransform(src, corners.astype(np.float32))
    # Pre-blur against aliasing when the page shrinks into the frame.
    shrink = float(np.linalg.norm(corners[1] - corners[0])) / pw
    source = page if shrink >= 0.9 else cv2.GaussianBlur(page, (0, 0), 0.45 / shrink)
    warped = cv2.warpPerspective(source, homography, frame_size, flags=cv2.INTER_LINEAR)
    alpha = cv2.warpPerspective(np.full((ph, pw), 1.0, np.float32), homography, frame_size,
                                flags=cv2.INTER_LINEAR)[:, :, None]
    ground = desk(frame_size, seed) if background is None else background
    shadow = 1.0 - 0.45 * cv2.GaussianBlur(np.roll(alpha[:, :, 0], (9, 7), axis=(0, 1)),
                                           (0, 0), 9)[:, :, None]
    # A lamp up and to the left: the far corner gets 15 % less light, a little warm.
    xx = ((np.arange(width, dtype=np.float32) - 0.35 * width) / width) ** 2
    yy = ((np.arange(height, dtype=np.float32) - 0.3 * height) / width) ** 2
    lamp = (1.0 - 0.15 * (yy[:, None] + xx[None, :]))[:, :, None]
    tint = np.array([0.93, 0.97, 1.0], dtype=np.float32)
    lit = warped.astype(np.float32) * lamp * tint
    out = ground.astype(np.float32) * shadow * (1.0 - alpha) + lit * alpha
    if blur > 0:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    out += _noise(out.shape, noise, seed + 1)
    frame = np.clip(out, 0, 255).astype(np.uint8)
    pts = [(float(x), float(y)) for x, y in corners]
    return SyntheticFrame(frame, (pts[0], pts[1], pts[2], pts[3]), size_mm)


def synthetic_frame(
    angle_deg: float = 0.0,
    tilt_deg: tuple[float, float] = (0.0, 0.0),
    size_mm: tuple[float, float] = A4_MM,
    frame_size: tuple[int, int] = (1600, 1200),
    fill: float = 0.8,
    seed: int = 0,
) -> SyntheticFrame:
    """A rendered page (A4 by default) photographed on the desk: the test frame."""
    dpi = 150 if max(size_mm) > 150 else 600
    return photograph(render_page(size_mm, dpi), size_mm, angle_deg, tilt_deg, frame_size,
                      fill, seed)


def _project(
    size_mm: tuple[float, float], angle_deg: float, tilt_deg: tuple[float, float]
) -> np.ndarray:
    """Corners (TL, TR, BR, BL) of the turned and tilted page, projected with f = 1."""
    w, h = size_mm[0] / 2.0, size_mm[1] / 2.0
    page = np.array([[-w, -h, 0.0], [w, -h, 0.0], [w, h, 0.0], [-w, h, 0.0]])
    a, tx, ty = (math.radians(v) for v in (angle_deg, *tilt_deg))
    rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, math.cos(tx), -math.sin(tx)], [0, math.sin(tx), math.cos(tx)]])
    ry = np.array([[math.cos(ty), 0, math.sin(ty)], [0, 1, 0], [-math.sin(ty), 0, math.cos(ty)]])
    world = (rx @ ry @ rz @ page.T).T + np.array([0.0, 0.0, CAMERA_HEIGHT_MM])
    return np.asarray(world[:, :2] / world[:, 2:3])


def _noise(shape: tuple[int, ...], sigma: float, seed: int) -> np.ndarray:
    """Gaussian sensor noise, float32 (OpenCV's generator: 4x numpy's speed here)."""
    cv2.setRNGSeed(seed)
    noise = np.empty(shape, dtype=np.float32)
    # A flat view: with a channel axis OpenCV would take sigma for the first channel only.
    cv2.randn(noise.reshape(-1), np.zeros(1), np.full(1, sigma))
    return noise


@lru_cache(maxsize=1)
def _system_font() -> Path | None:
    found = fonts.find_cjk_font()
    return found.path if found is not None else None


def _font(path: Path | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = path or _system_font()
    try:
        if path is None:
            raise OSError("no CJK font")
        return ImageFont.truetype(str(path), size)
    except OSError:
        # Without the CJK font the Chinese shows as boxes; geometry tests still hold.
        return ImageFont.load_default(size)


def _fit(draw: ImageDraw.ImageDraw, text: str, font: object, width: int) -> str:
    """``text`` cut to fit ``width`` pixels (the body lines are written to fit A4)."""
    while text and draw.textlength(text, font=font) > width:  # type: ignore[arg-type]
        text = text[:-1]
    return text
