"""Pictures for the receipt printer simulator: glyphs, bit images, QR codes, barcodes.

Everything is drawn black (0) on white (255) in mode "L" and thresholded at the end like a
thermal head (a dot is burnt or not). Glyphs come from a CJK TrueType font in fixed cells the
size of a printer's built-in fonts: font A is 12x24 for ASCII and 24x24 for Chinese, font B
9x17 and 18x17.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont, ImageOps

from .. import fonts

log = logging.getLogger(__name__)


# (half-width cell width, full-width cell width, cell height) per built-in font.
FONT_CELLS: dict[int, tuple[int, int, int]] = {0: (12, 24, 24), 1: (9, 18, 17)}

WHITE, BLACK = 255, 0
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class GlyphStyle:
    font: int = 0          # 0 = font A, 1 = font B
    bold: bool = False
    underline: int = 0     # dots thick, 0 = none
    invert: bool = False
    width: int = 1         # magnification 1..8
    height: int = 1
    spacing: int = 0       # right-side character spacing in dots (before magnification)


def find_font_file() -> Path | None:
    """The CJK font the simulated printer's built-in glyphs are drawn with (drivers.fonts;
    WenQuanYi Micro Hei first, whose face 1 is monospaced for half-width glyphs)."""
    found = fonts.find_cjk_font()
    return found.path if found is not None else None


def is_full_width(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


@lru_cache(maxsize=8)
def _faces(size: int, full: bool) -> Font:
    path = find_font_file()
    if path is None:
        log.warning("no CJK font found (%s); Chinese prints as boxes", fonts.INSTALL_HINT)
        return ImageFont.load_default(size)
    # Face 1 of WenQuanYi Micro Hei is its monospaced variant: Latin fits a half cell.
    index = 0 if full else 1
    try:
        return ImageFont.truetype(str(path), size, index=index)
    except OSError:
        return ImageFont.truetype(str(path), size, index=0)


@lru_cache(maxsize=4096)
def glyph(char: str, style: GlyphStyle) -> Image.Image:
    """One character cell at its magnified size, including its right-side spacing."""
    half, full_w, cell_h = FONT_CELLS.get(style.font, FONT_CELLS[0])
    full = is_full_width(char)
    cell_w = full_w if full else half
    cell = Image.new("L", (cell_w + style.spacing, cell_h), WHITE)
    draw = ImageDraw.Draw(cell)
    if full:
        # Ideographs nearly fill the cell (a dot of air each side, as a 24x24 ROM font has),
        # centred on the ideograph's own box.
        face = _faces(cell_h - 1, True)
        top, bottom = _ideograph_rows(cell_h - 1)
        x = cell_w / 2
        y = (cell_h - (bottom - top)) / 2 - top
        draw.text((x, y), char, font=face, fill=BLACK, anchor="ma")
        if style.bold:
            draw.text((x + 1, y), char, font=face, fill=BLACK, anchor="ma")
    else:
        # Latin: the largest size whose ascent + descent fits the cell, on a common baseline.
        size = max(6, cell_h * 24 // 29)
        face = _faces(size, False)
        ascent = _ascent(face)
        draw.text((cell_w / 2, ascent), char, font=face, fill=BLACK, anchor="ms")
        if style.bold:
            draw.text((cell_w / 2 + 1, ascent), char, font=face, fill=BLACK, anchor="ms")
    if style.underline:
        draw.rectangle((0, cell_h - style.underline, cell.width - 1, cell_h - 1), fill=BLACK)
    if style.invert:
        cell = ImageOps.invert(cell)
    if style.width != 1 or style.height != 1:
        cell = scale(cell, style.width, style.height)
    return cell


@lru_cache(maxsize=8)
def _ideograph_rows(size: int) -> tuple[int, int]:
    box = _faces(size, True).getbbox("中", anchor="la")
    return int(box[1]), int(box[3])


def _ascent(face: Font) -> int:
    if isinstance(face, ImageFont.FreeTypeFont):
        return int(face.getmetrics()[0])
    return int(face.getbbox("A", anchor="ls")[1] * -1)


def advance(char: str, style: GlyphStyle) -> int:
    half, full_w, _ = FONT_CELLS.get(style.font, FONT_CELLS[0])
    return ((full_w if is_full_width(char) else half) + style.spacing) * style.width


def bits_image(width: int, height: int, data: bytes) -> Image.Image:
    """Row-major packed bits, MSB first, 1 = dot (the ESC/POS raster format) -> "L" image."""
    row_bytes = (width + 7) // 8
    data = data[: row_bytes * height].ljust(row_bytes * height, b"\x00")
    # "1;I": inverted 1-bit raw mode, so a set bit is black.
    image = Image.frombytes("1", (row_bytes * 8, height), data, "raw", "1;I").convert("L")
    return image.crop((0, 0, width, height)) if row_bytes * 8 != width else image


def column_image(columns: int, dots: int, data: bytes) -> Image.Image:
    """ESC * column data (each column ``dots // 8`` bytes, top bit first) -> "L" image."""
    column_bytes = dots // 8
    data = data[: columns * column_bytes].ljust(columns * column_bytes, b"\x00")
    # Each column is one row of the transposed picture.
    transposed = Image.frombytes("1", (dots, columns), data, "raw", "1;I").convert("L")
    return transposed.transpose(Image.Transpose.TRANSPOSE)


def scale(image: Image.Image, sx: int, sy: int) -> Image.Image:
    if sx == 1 and sy == 1:
        return image
    if not image.width or not image.height:   # PIL cannot resize an empty image
        return Image.new("L", (image.width * sx, image.height * sy), WHITE)
    return image.resize((image.width * sx, image.height * sy), Image.Resampling.NEAREST)


_QR_LEVELS = {
    48: qrcode.constants.ERROR_CORRECT_L, 49: qrcode.constants.ERROR_CORRECT_M,
    50: qrcode.constants.ERROR_CORRECT_Q, 51: qrcode.constants.ERROR_CORRECT_H,
}


def qr_image(data: bytes, module: int, level: int) -> Image.Image | None:
    """The symbol as printers print it: ``module`` dots a module, no quiet zone of its own."""
    if not data:
        return None
    code = qrcode.QRCode(
        version=None, box_size=max(1, module), border=0,
        error_correction=_QR_LEVELS.get(level, qrcode.constants.ERROR_CORRECT_L),
    )
    try:
        code.add_data(data)
        code.make(fit=True)
    except (ValueError, qrcode.exceptions.DataOverflowError):
        return None  # too much data: printers print nothing
    matrix = code.get_matrix()
    size = len(matrix)
    image = Image.new("L", (size, size), WHITE)
    image.putdata([BLACK if cell else WHITE for row in matrix for cell in row])
    return scale(image, module, module)


# GS k m -> python-barcode name; m 0..6 are function A (NUL-terminated), 65.. function B.
BARCODE_TYPES: dict[int, str] = {
    0: "upca", 1: "upce", 2: "ean13", 3: "ean8", 4: "code39", 5: "itf", 6: "codabar",
    65: "upca", 66: "upce", 67: "ean13", 68: "ean8", 69: "code39", 70: "itf", 71: "codabar",
    72: "code93", 73: "code128", 74: "gs1_128",
}


def barcode_modules(kind: int, data: str) -> str | None:
    """The bar pattern ("1" = bar module) or None when python-barcode cannot draw it."""
    import barcode as pybarcode  # optional look: a labelled box is drawn without it

    name = BARCODE_TYPES.get(kind)
    if name is None:
        return None
    if name in ("code128", "gs1_128") and len(data) >= 2 and data[0] == "{":
        data = data[2:]  # ESC/POS code set selector ({A {B {C); python-barcode picks its own
    try:
        code = pybarcode.get_barcode_class(name)(data)
        pattern = code.build()[0]
    except Exception:  # any complaint about the data means "cannot draw"
        return None
    return str(pattern)


def barcode_image(kind: int, data: str, module: int, height: int) -> Image.Image:
    pattern = barcode_modules(kind, data)
    if pattern is None:
        label = f"[{BARCODE_TYPES.get(kind, f'barcode {kind}')}] {data}"
        width = min(576, 12 * (len(label) + 2))
        box = Image.new("L", (width, max(height, 30)), WHITE)
        draw = ImageDraw.Draw(box)
        draw.rectangle((0, 0, box.width - 1, box.height - 1), outline=BLACK, width=2)
        draw.text((8, box.height // 2), label, font=_faces(20, False), fill=BLACK, anchor="lm")
        return box
    image = Image.new("L", (len(pattern), 1), WHITE)
    image.putdata([BLACK if bit == "1" else WHITE for bit in pattern])
    return image.resize((len(pattern) * module, height), Image.Resampling.NEAREST)
