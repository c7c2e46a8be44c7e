"""Native Chinese text: GB18030 bytes in the printer's Chinese mode (``FS &``).

Widths are display columns: an ASCII character is one column of font A, any other
character two (it is printed from the 24-dot Chinese font). Double size (``GS ! 0x11``,
which unlike ``ESC !`` also enlarges Chinese characters) halves the columns.
"""

from __future__ import annotations

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy
from PIL import Image

from ..linebreak import gb18030_columns, wrap
from .model import Align, Pair, QrCode, ReceiptDocument, Rule, Text
from .profiles import PaperProfile
from .raster import fit_module, pair_label, qr_modules, write_raster

FS_CHINESE_ON = b"\x1c&"
GS_SIZE = b"\x1d!"
DOUBLE_SIZE = 0x11        # GS ! n: width x2 (high nibble) and height x2 (low nibble)
LF = b"\n"


def write_native(out: Dummy, document: ReceiptDocument, profile: PaperProfile) -> None:
    out._raw(FS_CHINESE_ON)
    for block in document.blocks:
        if isinstance(block, Text):
            _text(out, profile, block.text, block.align, block.bold, block.scale)
        elif isinstance(block, Pair):
            _pair(out, profile, block)
        elif isinstance(block, Rule):
            _rule(out, profile, block.style)
        elif isinstance(block, QrCode):
            _qr(out, profile, block)
        else:  # Feed
            out.print_and_feed(min(block.lines, 255))


def encode_line(line: str) -> bytes:
    # Every Unicode character has a GB18030 encoding; "replace" only guards lone surrogates.
    return line.encode("gb18030", errors="replace") + LF


def _text(out: Dummy, profile: PaperProfile, text: str, align: Align, bold: bool,
          scale: int) -> None:
    lines = wrap(text, profile.columns // scale, gb18030_columns)
    out.set(align=align, bold=bold)
    if scale != 1:
        out._raw(GS_SIZE + bytes([DOUBLE_SIZE]))
    out._raw(b"".join(encode_line(line) for line in lines))
    if scale != 1:
        out._raw(GS_SIZE + b"\x00")
    out.set(align="left", bold=False)


def _pair(out: Dummy, profile: PaperProfile, pair: Pair) -> None:
    label = pair_label(pair.label)
    indent = gb18030_columns(label)
    out.set(bold=pair.bold)
    if indent > profile.columns // 2:
        # Too long for a hanging indent: the label takes its own lines, the value follows.
        lines = wrap(label, profile.columns, gb18030_columns)
        if pair.value:
            lines += wrap(pair.value, profile.columns, gb18030_columns)
    else:
        values = wrap(pair.value, profile.columns - indent, gb18030_columns) if pair.value \
            else [""]
        lines = [label + values[0]] + [" " * indent + value for value in values[1:]]
    out._raw(b"".join(encode_line(line) for line in lines))
    out.set(bold=False)


def _rule(out: Dummy, profile: PaperProfile, style: str) -> None:
    if style == "dashed":
        out._raw(b"-" * profile.columns + LF)
        return
    # No ROM character draws a continuous line on every printer: a two-dot raster line.
    image = Image.new("1", (profile.dots, 16), 0)
    image.paste(1, (0, 7, profile.dots, 9))
    write_raster(out, image)


def _qr(out: Dummy, profile: PaperProfile, block: QrCode) -> None:
    # The printer draws the code (GS ( k); the module size is shrunk if the code would
    # not fit the paper at the size asked.
    modules = qr_modules(block.data)
    size = min(16, fit_module(modules, block.module_dots, profile.dots))
    out.set(align="center")
    out.qr(block.data, ec=QR_ECLEVEL_M, size=size, native=True)
    out._raw(LF)
    if block.caption:
        lines = wrap(block.caption, profile.columns, gb18030_columns)
        out._raw(b"".join(encode_line(line) for line in lines))
    out.set(align="left")
