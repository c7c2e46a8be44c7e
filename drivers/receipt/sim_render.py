"""The simulated print head: ESC/POS commands in, a growing picture of the paper out.

Modelled on a 203 dpi thermal printer in standard mode: text collects in a line buffer and is
printed by LF, ESC d, ESC J or anything that needs a fresh line (images, codes, cuts); a
printed line advances the paper by the line spacing or by its tallest character, whichever is
more. Bit images, QR codes and barcodes print as blocks at the current justification; an
image with no width or no height (GS v 0, GS ( L, ESC * with a zero size) prints nothing and
changes nothing, as a printer ignores it. Each
command name from the parser maps to one handler in ``_HANDLERS``; names without a handler
(buzzer, drawer, counters ...) change nothing on paper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from PIL import Image

from . import sim_graphics as gfx
from .sim_parser import Command, Item, Text

DEFAULT_LINE_SPACING = 30   # ESC 2: 1/6 inch at 203 dpi (about 3.75 mm)
DEFAULT_TAB_DOTS = 96       # every 8 columns of font A
PAPER_DOTS = {"58mm": 384, "80mm": 576}
_DOTS_PER_INCH = 203


@dataclass
class Page:
    """One receipt: the picture plus what it was made of, for tests and the sidecar."""

    image: Image.Image
    lines: list[str] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)
    barcodes: list[str] = field(default_factory=list)


@dataclass
class _Modes:
    """Print modes ESC @ resets."""

    align: int = 0
    font: int = 0
    emphasized: bool = False
    double_strike: bool = False
    underline: int = 0
    invert: bool = False
    width: int = 1
    height: int = 1
    spacing_half: int = 0
    spacing_full: int = 0
    line_spacing: int = DEFAULT_LINE_SPACING
    left_margin: int = 0
    print_width: int = 0          # 0 = to the right edge
    tab_stops: tuple[int, ...] = ()
    barcode_height: int = 162
    barcode_module: int = 3
    hri_position: int = 0
    hri_font: int = 0
    qr_module: int = 3
    qr_level: int = 48
    qr_data: bytes = b""


class ReceiptRenderer:
    """Applies parsed items to the paper. Used from one thread (the mechanism's)."""

    def __init__(self, width: int) -> None:
        self.width = width
        self._modes = _Modes()
        self._strips: list[Image.Image | int] = []  # an int is that many blank rows
        self._height = 0
        self._page_lines: list[str] = []
        self._qr_codes: list[str] = []
        self._barcodes: list[str] = []
        self._graphics: Image.Image | None = None
        self._clear_line()

    @property
    def height(self) -> int:
        """Dot rows printed on the current receipt so far."""
        return self._height

    def apply(self, item: Item) -> None:
        if isinstance(item, Text):
            for char in item.text:
                self._put_char(char)
            return
        handler = _HANDLERS.get(item.name)
        if handler is not None:
            handler(self, item.params)

    def take_page(self) -> Page:
        """The receipt printed so far, thresholded like a thermal head; starts a new one."""
        canvas = Image.new("L", (self.width, max(1, self._height)), gfx.WHITE)
        y = 0
        for strip in self._strips:
            if isinstance(strip, int):
                y += strip
            else:
                canvas.paste(strip, (0, y))
                y += strip.height
        image = canvas.point(lambda v: 255 if v >= 128 else 0, mode="1")
        page = Page(image, self._page_lines, self._qr_codes, self._barcodes)
        self._strips, self._height = [], 0
        self._page_lines, self._qr_codes, self._barcodes = [], [], []
        return page

    def truncate(self, rows: int) -> None:
        """Keep only the first ``rows`` dot rows (the paper ran out there)."""
        kept: list[Image.Image | int] = []
        total = 0
        for strip in self._strips:
            size = strip if isinstance(strip, int) else strip.height
            if total + size <= rows:
                kept.append(strip)
                total += size
                continue
            rest = rows - total
            if rest > 0:
                kept.append(
                    rest if isinstance(strip, int) else strip.crop((0, 0, self.width, rest))
                )
                total += rest
            break
        self._strips, self._height = kept, total
        self._clear_line()

    # -- the line buffer ----------------------------------------------------------------

    def _clear_line(self) -> None:
        self._line: list[tuple[int, Image.Image]] = []
        self._line_text: list[str] = []
        self._x = 0
        self._line_align = self._modes.align

    def _area(self) -> tuple[int, int]:
        left = min(self._modes.left_margin, self.width - 1)
        usable = self.width - left
        width = self._modes.print_width or usable
        return left, max(1, min(width, usable))

    def _style(self, full: bool) -> gfx.GlyphStyle:
        m = self._modes
        return gfx.GlyphStyle(
            font=m.font, bold=m.emphasized or m.double_strike, underline=m.underline,
            invert=m.invert, width=m.width, height=m.height,
            spacing=m.spacing_full if full else m.spacing_half,
        )

    def _put_char(self, char: str) -> None:
        style = self._style(gfx.is_full_width(char))
        step = gfx.advance(char, style)
        _, area_width = self._area()
        if self._x + step > area_width and self._line:
            self._print_line(self._modes.line_spacing)  # wraps like a printer: mid-word
        self._place(gfx.glyph(char, style), step)
        self._line_text.append(char)

    def _place(self, image: Image.Image, step: int) -> None:
        if not self._line and not self._line_text:
            self._line_align = self._modes.align
        self._line.append((self._x, image))
        self._x += step

    def _print_line(self, advance: int) -> None:
        if not self._line:
            self._feed(advance)
            if self._line_text:
                self._page_lines.append("".join(self._line_text).rstrip())
            self._clear_line()
            return
        content_h = max(image.height for _, image in self._line)
        left, area_width = self._area()
        used = min(self._x, area_width)
        offset = left + {0: 0, 1: (area_width - used) // 2, 2: area_width - used}[self._line_align]
        strip = Image.new("L", (self.width, max(advance, content_h)), gfx.WHITE)
        for x, image in self._line:
            strip.paste(image, (offset + x, content_h - image.height))
        self._add(strip)
        if self._line_text:
            self._page_lines.append("".join(self._line_text).rstrip())
        self._clear_line()

    def _flush(self) -> None:
        """Print a pending line before something that starts on a fresh one."""
        if self._line or self._line_text:
            self._print_line(self._modes.line_spacing)

    def _feed(self, rows: int) -> None:
        if rows > 0:
            self._strips.append(rows)
            self._height += rows

    def _add(self, strip: Image.Image) -> None:
        self._strips.append(strip)
        self._height += strip.height

    def _block(self, image: Image.Image) -> None:
        """A picture on its own rows, at the current justification, cut at the print area."""
        if not image.width or not image.height:
            return                                  # an empty picture: nothing to print
        self._flush()
        left, area_width = self._area()
        if image.width > area_width:
            image = image.crop((0, 0, area_width, image.height))
        offset = left + {0: 0, 1: (area_width - image.width) // 2,
                         2: area_width - image.width}[self._modes.align]
        strip = Image.new("L", (self.width, image.height), gfx.WHITE)
        strip.paste(image, (offset, 0))
        self._add(strip)

    # -- handlers -----------------------------------------------------------------------

    def _init(self, params: bytes) -> None:
        self._modes = _Modes()
        self._graphics = None
        self._clear_line()  # ESC @ drops unprinted data in the buffer

    def _lf(self, params: bytes) -> None:
        self._print_line(self._modes.line_spacing)

    def _feed_lines(self, params: bytes) -> None:
        self._print_line(params[0] * self._modes.line_spacing)

    def _feed_dots(self, params: bytes) -> None:
        self._print_line(params[0])

    def _ht(self, params: bytes) -> None:
        stops = self._modes.tab_stops or tuple(
            range(DEFAULT_TAB_DOTS, self.width, DEFAULT_TAB_DOTS))
        target = next((stop for stop in stops if stop > self._x), None)
        if target is not None and target <= self._area()[1]:
            if not self._line and not self._line_text:
                self._line_align = self._modes.align
            self._x = target
            self._line_text.append(" ")

    def _tab_stops(self, params: bytes) -> None:
        column = gfx.FONT_CELLS[self._modes.font][0] + self._modes.spacing_half
        self._modes.tab_stops = tuple(n * column * self._modes.width for n in params if n)

    def _abs_position(self, params: bytes) -> None:
        self._x = min(params[0] | params[1] << 8, self._area()[1])

    def _rel_position(self, params: bytes) -> None:
        move = int.from_bytes(params[:2], "little", signed=True)
        self._x = max(0, min(self._x + move, self._area()[1]))

    def _set(self, **changes: object) -> None:
        self._modes = replace(self._modes, **changes)  # type: ignore[arg-type]

    def _print_mode(self, params: bytes) -> None:
        n = params[0]
        self._set(font=n & 1, emphasized=bool(n & 0x08), height=2 if n & 0x10 else 1,
                  width=2 if n & 0x20 else 1, underline=1 if n & 0x80 else 0)

    def _char_size(self, params: bytes) -> None:
        self._set(width=(params[0] >> 4 & 7) + 1, height=(params[0] & 7) + 1)

    def _line_spacing(self, params: bytes) -> None:
        self._set(line_spacing=params[0])

    def _line_spacing_360(self, params: bytes) -> None:
        self._set(line_spacing=round(params[0] * _DOTS_PER_INCH / 360))

    def _line_spacing_60(self, params: bytes) -> None:
        self._set(line_spacing=round(params[0] * _DOTS_PER_INCH / 60))

    def _raster(self, params: bytes) -> None:
        mode, x_bytes = params[0], params[1] | params[2] << 8
        rows = params[3] | params[4] << 8
        image = gfx.bits_image(x_bytes * 8, rows, params[5:])
        self._block(gfx.scale(image, 2 if mode & 1 else 1, 2 if mode & 2 else 1))

    def _column_image(self, params: bytes) -> None:
        mode, columns = params[0], params[1] | params[2] << 8
        tall = mode in (32, 33)
        image = gfx.column_image(columns, 24 if tall else 8, params[3:])
        # 8-dot modes are 1/3 vertical density, single density modes 1/2 horizontal.
        image = gfx.scale(image, 1 if mode & 1 else 2, 1 if tall else 3)
        room = self._area()[1] - self._x
        if room > 0 and image.width:
            image = image.crop((0, 0, min(image.width, room), image.height))
            self._place(image, image.width)

    def _graphics_command(self, params: bytes) -> None:
        if len(params) < 2:
            return
        fn = params[1]
        if fn == 112 and len(params) >= 10:  # store raster graphics
            sx, sy = (2 if params[3] == 2 else 1), (2 if params[4] == 2 else 1)
            width, rows = params[6] | params[7] << 8, params[8] | params[9] << 8
            self._graphics = gfx.scale(gfx.bits_image(width, rows, params[10:]), sx, sy)
        elif fn in (2, 50) and self._graphics is not None:  # print what is stored
            self._block(self._graphics)
            self._graphics = None

    def _two_d_code(self, params: bytes) -> None:
        if len(params) < 2 or params[0] != 49:  # only QR (cn 49); others print nothing here
            return
        fn, rest = params[1], params[2:]
        if fn == 67 and rest:
            self._set(qr_module=max(1, min(16, rest[0])))
        elif fn == 69 and rest:
            self._set(qr_level=rest[0])
        elif fn == 80:
            self._set(qr_data=rest[1:])
        elif fn == 81:
            image = gfx.qr_image(self._modes.qr_data, self._modes.qr_module, self._modes.qr_level)
            if image is not None:
                self._block(image)
                self._qr_codes.append(self._modes.qr_data.decode("utf-8", errors="replace"))

    def _barcode(self, params: bytes) -> None:
        kind = params[0]
        raw = params[2:] if kind >= 65 else params[1:].rstrip(b"\x00")
        data = raw.decode("ascii", errors="replace")
        m = self._modes
        bars = gfx.barcode_image(kind, data, m.barcode_module, m.barcode_height)
        hri_style = gfx.GlyphStyle(font=m.hri_font)
        label = self._label(data[2:] if data[:2] in ("{A", "{B", "{C") else data, hri_style)
        parts = ([label] if m.hri_position in (1, 3, 49, 51) else []) + [bars]
        parts += [label] if m.hri_position in (2, 3, 50, 51) else []
        size = (max(p.width for p in parts), sum(p.height for p in parts))
        block = Image.new("L", size, gfx.WHITE)
        y = 0
        for part in parts:
            block.paste(part, ((block.width - part.width) // 2, y))
            y += part.height
        self._block(block)
        self._barcodes.append(data[2:] if data[:2] in ("{A", "{B", "{C") else data)

    @staticmethod
    def _label(text: str, style: gfx.GlyphStyle) -> Image.Image:
        cells = [gfx.glyph(ch, style) for ch in text] or [gfx.glyph(" ", style)]
        label = Image.new("L", (sum(c.width for c in cells), cells[0].height), gfx.WHITE)
        x = 0
        for cell in cells:
            label.paste(cell, (x, 0))
            x += cell.width
        return label

    def _cut(self, params: bytes) -> None:
        self._flush()
        if params and params[0] in (65, 66, 97, 98, 103, 104) and len(params) > 1:
            self._feed(params[1])


def _flag(name: str) -> Callable[[ReceiptRenderer, bytes], None]:
    return lambda r, p: r._set(**{name: bool(p[0] & 1)})


def _value(name: str, convert: Callable[[int], int]) -> Callable[[ReceiptRenderer, bytes], None]:
    return lambda r, p: r._set(**{name: convert(p[0])})


def _word(name: str) -> Callable[[ReceiptRenderer, bytes], None]:
    return lambda r, p: r._set(**{name: p[0] | p[1] << 8})


_HANDLERS: dict[str, Callable[[ReceiptRenderer, bytes], None]] = {
    "init": ReceiptRenderer._init,
    "lf": ReceiptRenderer._lf,
    "feed_lines": ReceiptRenderer._feed_lines,
    "feed_dots": ReceiptRenderer._feed_dots,
    "ht": ReceiptRenderer._ht,
    "tab_stops": ReceiptRenderer._tab_stops,
    "abs_position": ReceiptRenderer._abs_position,
    "rel_position": ReceiptRenderer._rel_position,
    "print_mode": ReceiptRenderer._print_mode,
    "char_size": ReceiptRenderer._char_size,
    "line_spacing": ReceiptRenderer._line_spacing,
    "line_spacing_360": ReceiptRenderer._line_spacing_360,
    "line_spacing_60": ReceiptRenderer._line_spacing_60,
    "default_spacing": lambda r, p: r._set(line_spacing=DEFAULT_LINE_SPACING),
    "align": _value("align", lambda n: min(n & 3, 2)),
    "bold": _flag("emphasized"),
    "double_strike": _flag("double_strike"),
    "underline": _value("underline", lambda n: min(n & 3, 2)),
    "invert": _flag("invert"),
    "font": _value("font", lambda n: 1 if n & 3 else 0),
    "char_spacing": _value("spacing_half", lambda n: n),
    "kanji_spacing": lambda r, p: r._set(spacing_full=p[0] + p[1]),
    "left_margin": _word("left_margin"),
    "print_width": _word("print_width"),
    "barcode_height": _value("barcode_height", lambda n: max(1, n)),
    "barcode_width": _value("barcode_module", lambda n: max(1, min(n, 6))),
    "hri_position": _value("hri_position", lambda n: n),
    "hri_font": _value("hri_font", lambda n: 1 if n & 3 else 0),
    "raster": ReceiptRenderer._raster,
    "column_image": ReceiptRenderer._column_image,
    "graphics": ReceiptRenderer._graphics_command,
    "2d_code": ReceiptRenderer._two_d_code,
    "barcode": ReceiptRenderer._barcode,
    "cut": ReceiptRenderer._cut,
    "cut_legacy": ReceiptRenderer._cut,
}

# Commands after which the mechanism saves the receipt.
CUT_COMMANDS = frozenset({"cut", "cut_legacy"})


def item_name(item: Item) -> str:
    return item.name if isinstance(item, Command) else "text"
