"""Synthetic camera scenes: codes as images, a photo-like background, a code held up in it.

Used by the camera simulator (what it films when nobody holds anything up, and where a
shown code lands), by the decoder bench and by the tests. Everything is seeded, so a scene
is the same every run.

A phone held up to a kiosk camera shows a code of roughly 150-350 px across in a 1280x720
frame, with reduced contrast (screen glare, auto exposure), slightly rotated and soft.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt
import qrcode
import zxingcpp

Image = npt.NDArray[np.uint8]

# A screen or paper code is never pure black on pure white once filmed.
DARK, LIGHT = 40, 215


def qr_image(data: str | bytes, module_px: int = 4, border: int = 4) -> Image:
    """A QR code as a gray image. ``str`` is encoded as UTF-8; pass bytes for another
    encoding (GB18030) exactly as a code would carry them."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    qr = qrcode.QRCode(box_size=module_px, border=border)
    qr.add_data(payload)
    qr.make(fit=True)
    matrix = np.array(qr.get_matrix(), dtype=bool)  # True = dark module, border included
    image = np.where(matrix, 0, 255).astype(np.uint8)
    return np.repeat(np.repeat(image, module_px, axis=0), module_px, axis=1)


def barcode_image(text: str, symbology: str = "Code128", scale: int = 2, height: int = 80) -> Image:
    """A linear bar code (zxing-cpp's writer) with quiet zones, ``height`` px tall."""
    barcode = zxingcpp.create_barcode(text, zxingcpp.barcode_format_from_str(symbology))
    row = np.array(barcode.to_image(scale=scale, add_quiet_zones=True), dtype=np.uint8)
    line = row[row.shape[0] // 2]
    return np.tile(line, (height, 1))


def photo_background(width: int = 1280, height: int = 720, seed: int = 0) -> Image:
    """A gray scene with what a camera in a service hall sees: smooth light falloff, soft
    shapes (people, furniture), a few hard edges (a counter, a sign) and sensor noise as
    it comes out of a webcam (mild: the camera denoises and compresses before we see it)."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    scene = 90 + 60 * (xs / width) + 40 * np.sin(ys / height * np.pi)  # light falloff
    blobs = np.zeros((height // 8, width // 8), np.float32)
    for _ in range(12):
        center = (int(rng.integers(0, blobs.shape[1])), int(rng.integers(0, blobs.shape[0])))
        axes = (int(rng.integers(5, 30)), int(rng.integers(5, 30)))
        cv2.ellipse(blobs, center, axes, float(rng.uniform(0, 180)), 0, 360,
                    float(rng.uniform(-60, 60)), -1)
    scene += cv2.resize(cv2.GaussianBlur(blobs, (0, 0), 3), (width, height))
    image = np.clip(scene, 0, 255).astype(np.uint8)
    for _ in range(6):  # hard-edged objects: their corners and edges tempt a detector
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(40, 300)), int(rng.integers(10, 120))
        cv2.rectangle(image, (x, y), (x + w, y + h), int(rng.integers(20, 230)), -1)
    for _ in range(4):  # printed text on a sign: fine high-contrast texture
        x, y = int(rng.integers(0, width - 200)), int(rng.integers(0, height - 40))
        cv2.putText(image, "SERVICE 0123", (x, y + 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0,
                    int(rng.integers(0, 60)), 2)
    # Sensor noise, then the softening of the camera's own processing (denoise, MJPEG).
    noisy = cv2.GaussianBlur(image + rng.normal(0, 3, image.shape), (0, 0), 0.8)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def place(
    background: Image,
    code: Image,
    size: int | None = None,
    center: tuple[int, int] | None = None,
    angle: float = 0.0,
    blur: float = 0.0,
    contrast: tuple[int, int] = (DARK, LIGHT),
    noise: float = 0.0,
    seed: int = 0,
) -> Image:
    """``code`` held up in front of ``background``: scaled so its width is ``size`` px,
    rotated by ``angle`` degrees about its centre, its black and white mapped to
    ``contrast``, with sensor ``noise`` (sigma) and then a Gaussian ``blur`` (sigma, px).
    Returns a new image; the background is not changed."""
    frame = background.astype(np.float32)
    if size is not None and size != code.shape[1]:
        # INTER_AREA when shrinking keeps modules gray-edged the way optics do.
        scale = size / code.shape[1]
        height = max(1, round(code.shape[0] * scale))
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_NEAREST
        code = np.asarray(cv2.resize(code, (size, height), interpolation=interp), np.uint8)
    dark, light = contrast
    patch = dark + (code.astype(np.float32) / 255.0) * (light - dark)
    mask = np.ones(code.shape, np.float32)
    ch, cw = code.shape
    fh, fw = frame.shape[:2]
    cx, cy = center if center is not None else (fw // 2, fh // 2)
    # Rotate about the patch centre and move it to (cx, cy) in one affine map.
    matrix = cv2.getRotationMatrix2D((cw / 2, ch / 2), angle, 1.0)
    matrix[0, 2] += cx - cw / 2
    matrix[1, 2] += cy - ch / 2
    warped = cv2.warpAffine(patch, matrix, (fw, fh), flags=cv2.INTER_LINEAR)
    alpha = cv2.warpAffine(mask, matrix, (fw, fh), flags=cv2.INTER_LINEAR)
    if frame.ndim == 3:
        warped, alpha = warped[..., None], alpha[..., None]
    frame = frame * (1 - alpha) + warped * alpha
    if noise > 0:  # before the blur, as in a camera: the sensor's noise is then smoothed
        frame += np.random.default_rng(seed).normal(0, noise, frame.shape).astype(np.float32)
    if blur > 0:
        frame = np.asarray(cv2.GaussianBlur(frame, (0, 0), blur), np.float32)
    return np.clip(frame, 0, 255).astype(np.uint8)


def blank(width: int = 1280, height: int = 720, value: int = 255) -> Image:
    """A uniform gray image (e.g. a white page around a test code)."""
    return np.full((height, width), value, np.uint8)
