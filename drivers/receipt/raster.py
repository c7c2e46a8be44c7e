"""Raster receipts: a ReceiptDocument drawn with a CJK font into 1-bit images.

Speed matters (a receipt is rendered while the citizen waits), and Pillow's ``draw.text``
costs about a millisecond per line because FreeType renders every glyph again each time. So
each character is rendered once into a small 1-bit mask (``GlyphCache``) and pasted; a
typical receipt then draws in 1-2 ms. The canvas holds *ink* as 1, so its bytes are already
``GS v 0`` raster data (1 = print the dot, leftmost dot in the high bit) with no conversion.

Layout: text at 24 px (the height of the printer's own Chinese font, so a line holds as many
characters as in native mode), 48 px for ``scale=2``; lines 32 / 64 dots apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import qrcode
import qrcode.constants
from escpos.printer import Dummy
from PIL import Image, ImageDraw, ImageFont

from ..linebreak import wrap
from .model import Align, Block, Pair, QrCode, ReceiptDocument, Rule, Text
from .profiles import FontSpec, PaperProfile

FONT_PX = {1: 24, 2: 48}
LINE_PITCH = {1: 32, 2: 64}
RULE_HEIGHT = 16
QR_QUIET_MODULES = 2      # white modules above and below (the paper is white at the sides)
GS = b"\x1d"
# Rows per GS v 0 command. Status queries go only between commands (a DLE EOT inside image
# data would be taken as dots), so images are cut into slices of about 4 KB.
RASTER_SLICE_BYTES = 4096


@dataclass(frozen=True)
class Glyph:
    advance: float
    mask: Image.Image | None  # None for blank glyphs (spaces)
    dx: int
    dy: int


@lru_cache(maxsize=8)
def _load_font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    # BASIC layout: per-character advances add up exactly, which the glyph cache relies on.
    return ImageFont.truetype(path, size, index=index, layout_engine=ImageFont.Layout.BASIC)


class GlyphCache:
    """One font at one size: character advances and pre-rendered 1-bit glyph masks."""

    def __init__(self, font: FontSpec, size: int) -> None:
        self.font = _load_font(str(font.path), font.index, size)
        self.ascent, self.descent = self.font.getmetrics()
        self._plain: dict[str, Glyph] = {}
        self._bold: dict[str, Glyph] = {}

    def measure(self, text: str) -> float:
        glyphs = self._plain
        total = 0.0
        for ch in text:
            glyph = glyphs.get(ch) or self._render(ch)
            total += glyph.advance
        return total

    def extent(self, text: str, bold: bool) -> tuple[int, int]:
        """(left, right) of the ink of ``text`` drawn at x = 0, glyph overhang and the bold
        offset included; ``left`` is negative when the first glyph reaches left of the pen."""
        left, right = 0, 0
        x = 0.0
        for ch in text:
            glyph = self.glyph(ch, bold)
            if glyph.mask is not None:
                at = int(x + 0.5) + glyph.dx
                left, right = min(left, at), max(right, at + glyph.mask.width)
            x += glyph.advance
        return left, max(right, int(x + 0.5))

    def line_width(self, text: str, bold: bool) -> int:
        left, right = self.extent(text, bold)
        return right - left

    def glyph(self, ch: str, bold: bool = False) -> Glyph:
        cache = self._bold if bold else self._plain
        glyph = cache.get(ch)
        if glyph is None:
            glyph = self._render(ch) if not bold else self._embolden(self.glyph(ch))
            cache[ch] = glyph
        return glyph

    def draw(self, canvas: Image.Image, x: int, top: int, text: str, bold: bool) -> None:
        pen = float(x)
        for ch in text:
            glyph = self.glyph(ch, bold)
            if glyph.mask is not None:
                canvas.paste(1, (int(pen + 0.5) + glyph.dx, top + glyph.dy), glyph.mask)
            pen += glyph.advance

    def _render(self, ch: str) -> Glyph:
        advance = self.font.getlength(ch)
        left, upper, right, lower = (int(v) for v in self.font.getbbox(ch))
        if right <= left or lower <= upper:
            glyph = Glyph(advance, None, 0, 0)
        else:
            mask = Image.new("1", (right - left, lower - upper), 0)
            ImageDraw.Draw(mask).text((-left, -upper), ch, font=self.font, fill=1)
            glyph = Glyph(advance, mask, left, upper)
        self._plain[ch] = glyph
        return glyph

    @staticmethod
    def _embolden(glyph: Glyph) -> Glyph:
        # Thermal heads have no bold font to switch to: double-strike one dot to the right.
        if glyph.mask is None:
            return glyph
        mask = Image.new("1", (glyph.mask.width + 1, glyph.mask.height), 0)
        mask.paste(1, (0, 0), glyph.mask)
        mask.paste(1, (1, 0), glyph.mask)
        return Glyph(glyph.advance, mask, glyph.dx, glyph.dy)


Op = Callable[[Image.Image, int], None]  # draws onto the canvas at a y offset


@dataclass
class _Section:
    """Blocks between two feeds, laid out top to bottom into one image."""

    height: int = 0
    ops: list[tuple[int, Op]] = field(default_factory=list)

    def add(self, height: int, op: Op | None = None) -> None:
        if op is not None:
            self.ops.append((self.height, op))
        self.height += height


@lru_cache(maxsize=32)
def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's modules (no quiet zone), error correction M.

    Most of a raster receipt's render time (~8 of ~13 ms) is qrcode choosing the mask
    pattern with the lowest penalty, as ISO 18004 asks; kept for the scanners' sake, and
    cached so a re-render (preview, reprint) does not pay it again."""
    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


def qr_modules(data: str) -> int:
    """Modules per side of ``data``'s QR code (error correction M), without building it."""
    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    return 17 + 4 * code.best_fit()


def fit_module(modules: int, module_dots: int, width: int) -> int:
    """The module size to print with: as asked, shrunk until the code (plus a 4-module quiet
    zone at each side) fits the paper."""
    size = max(1, module_dots)
    while size > 1 and (modules + 8) * size > width:
        size -= 1
    return size


class RasterLayout:
    """Lays out and draws documents for one paper profile with one font."""

    def __init__(self, profile: PaperProfile, font: FontSpec) -> None:
        self.profile = profile
        self.font = font
        self._caches: dict[int, GlyphCache] = {}

    def cache(self, scale: int) -> GlyphCache:
        cache = self._caches.get(scale)
        if cache is None:
            cache = self._caches[scale] = GlyphCache(self.font, FONT_PX[scale])
        return cache


    def sections(self, document: ReceiptDocument) -> list[tuple[Image.Image | None, int]]:
        """(image, feed lines after it) per run of blocks between Feed blocks."""
        out: list[tuple[Image.Image | None, int]] = []
        section = _Section()
        for block in document.blocks:
            if isinstance(block, Text | Pair | Rule | QrCode):
                self._lay_out(section, block)
            else:  # Feed
                out.append((self._draw(section), block.lines))
                section = _Section()
        if section.height:
            out.append((self._draw(section), 0))
        return out

    def wrap_text(
        self, text: str, scale: int = 1, width: int | None = None, bold: bool = False
    ) -> list[str]:
        """``text`` broken into lines whose ink fits ``width`` dots (default: the paper)."""
        cache = self.cache(scale)
        width = self.profile.dots if width is None else width
        # Wrapping adds up advances; a last glyph's overhang (1-2 dots on some Latin
        # letters) or the bold offset can make the ink wider: then wrap again, narrower.
        limit = float(width)
        for _ in range(4):
            lines = wrap(text, limit, cache.measure)
            excess = max(cache.line_width(line, bold) for line in lines) - width
            if excess <= 0:
                break
            limit -= excess
        return lines

    # -- layout ------------------------------------------------------------------------

    def _lay_out(self, section: _Section, block: Block) -> None:
        if isinstance(block, Text):
            self._text(section, block.text, block.align, block.bold, block.scale)
        elif isinstance(block, Pair):
            self._pair(section, block)
        elif isinstance(block, Rule):
            section.add(RULE_HEIGHT, self._rule_op(block.style))
        elif isinstance(block, QrCode):
            self._qr(section, block)

    def _line_op(self, cache: GlyphCache, x: int, text: str, bold: bool, scale: int) -> Op:
        top = (LINE_PITCH[scale] - cache.ascent - cache.descent) // 2
        x -= min(0, cache.extent(text, bold)[0])  # a glyph reaching left of the pen

        def op(canvas: Image.Image, y: int) -> None:
            cache.draw(canvas, x, y + top, text, bold)

        return op

    def _text(self, section: _Section, text: str, align: Align, bold: bool, scale: int) -> None:
        cache = self.cache(scale)
        for line in self.wrap_text(text, scale, bold=bold):
            spare = self.profile.dots - cache.line_width(line, bold)
            x = {"left": 0, "center": spare // 2, "right": spare}[align]
            section.add(LINE_PITCH[scale], self._line_op(cache, max(0, x), line, bold, scale))

    def _pair(self, section: _Section, pair: Pair) -> None:
        cache = self.cache(1)
        label = pair_label(pair.label)
        indent = int(cache.measure(label) + 0.999)
        if indent > self.profile.dots // 2:
            # A label too long for a hanging indent: it takes its own lines, the value follows.
            self._text(section, label, "left", pair.bold, 1)
            if pair.value:
                self._text(section, pair.value, "left", pair.bold, 1)
            return
        values = (
            self.wrap_text(pair.value, 1, self.profile.dots - indent, pair.bold)
            if pair.value else [""]
        )
        for i, value in enumerate(values):
            ops = [self._line_op(cache, indent, value, pair.bold, 1)]
            if i == 0:
                ops.append(self._line_op(cache, 0, label, pair.bold, 1))
            section.add(LINE_PITCH[1], _both(ops))

    def _rule_op(self, style: str) -> Op:
        dots = self.profile.dots
        mid = RULE_HEIGHT // 2 - 1

        def op(canvas: Image.Image, y: int) -> None:
            if style == "solid":
                canvas.paste(1, (0, y + mid, dots, y + mid + 2))
                return
            for x in range(0, dots, 12):  # 8 dots ink, 4 dots gap
                canvas.paste(1, (x, y + mid, min(dots, x + 8), y + mid + 2))

        return op

    def _qr(self, section: _Section, block: QrCode) -> None:
        matrix = qr_matrix(block.data)
        modules = len(matrix)
        size = fit_module(modules, block.module_dots, self.profile.dots)
        side = modules * size
        quiet = QR_QUIET_MODULES * size
        x = (self.profile.dots - side) // 2

        def op(canvas: Image.Image, y: int) -> None:
            code = Image.new("1", (modules, modules), 0)
            code.putdata([1 if dark else 0 for row in matrix for dark in row])
            canvas.paste(code.resize((side, side), Image.Resampling.NEAREST), (x, y + quiet))

        section.add(side + 2 * quiet, op)
        if block.caption:
            self._text(section, block.caption, "center", False, 1)

    def _draw(self, section: _Section) -> Image.Image | None:
        if not section.height:
            return None
        canvas = Image.new("1", (self.profile.dots, section.height), 0)
        for y, op in section.ops:
            op(canvas, y)
        return canvas


def pair_label(label: str) -> str:
    """The label as printed: a full-width colon is added unless it ends with one."""
    return label if label.endswith((":", "：")) else label + "："


def _both(ops: list[Op]) -> Op:
    def op(canvas: Image.Image, y: int) -> None:
        for each in ops:
            each(canvas, y)

    return op


def write_raster(out: Dummy, image: Image.Image) -> None:
    """Send a 1-bit ink image (1 = dot) as ``GS v 0`` commands of at most
    RASTER_SLICE_BYTES each.

    Each band of rows (a run of inked rows and the blank rows after it) is sent only as wide
    as its rightmost dot: a short line of text needs a fraction of the paper's 72 bytes a
    row. Everything stays left-aligned at its place, so the paper shows the same picture;
    over a 115200-baud serial line this cuts a typical receipt's transfer time by about half.
    """
    if image.mode != "1":
        raise ValueError("raster images must be mode '1' with ink as 1")
    width_bytes = (image.width + 7) // 8
    data = image.tobytes()
    for top, rows, used in _bands(data, width_bytes, image.height):
        band = b"".join(
            data[(top + r) * width_bytes:(top + r) * width_bytes + used] for r in range(rows)
        ) if used < width_bytes else data[top * width_bytes:(top + rows) * width_bytes]
        rows_per_slice = max(1, RASTER_SLICE_BYTES // used)
        for first in range(0, rows, rows_per_slice):
            count = min(rows_per_slice, rows - first)
            header = GS + b"v0\x00" + Dummy._int_low_high(used, 2) + Dummy._int_low_high(count, 2)
            out._raw(header + band[first * used:(first + count) * used])


def _bands(data: bytes, width_bytes: int, height: int) -> list[tuple[int, int, int]]:
    """(first row, row count, bytes used per row): inked rows with the blank rows after them."""
    extents = [
        len(data[row * width_bytes:(row + 1) * width_bytes].rstrip(b"\x00")) for row in range(height)
    ]
    bands: list[tuple[int, int, int]] = []
    top = 0
    while top < height:
        end, used = top, 0
        while end < height and (extents[end] or end == top):
            used = max(used, extents[end])
            end += 1
        while end < height and not extents[end]:
            end += 1
        bands.append((top, end - top, max(1, used)))
        top = end
    return bands
