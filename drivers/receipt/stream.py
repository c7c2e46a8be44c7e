"""Walking an ESC/POS byte stream command by command.

Two uses: where a job may be cut into chunks with status queries between them (only at a
command boundary: a ``DLE EOT n`` inside image data would be printed as dots, or worse,
answered), and how long the paper is (dots), which gives the mechanism's print time.

Commands are measured by the one ESC/POS table (commands.py, shared with the simulator).
Text bytes run until the next control byte: GB18030 never uses bytes below 0x30 inside a
character, so control bytes are never part of text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import qrcode
import qrcode.constants

from .commands import GS, PREFIX_BYTES, match, parameter_size
from .profiles import PaperProfile, get_profile

LF = 0x0A


@dataclass(frozen=True)
class Command:
    start: int
    end: int                     # exclusive
    prefix: int                  # ESC, GS, FS, DLE, or 0 for text / single control bytes
    complete: bool = True        # False: the data ends before the command's declared length


def _u16(data: bytes, at: int) -> int:
    if at + 1 >= len(data):
        return 0
    return data[at] | data[at + 1] << 8


def iter_commands(data: bytes) -> Iterator[Command]:
    """The commands of ``data`` in order; a command cut off by the end of ``data`` comes
    last with ``complete=False`` (a receiver keeps it until more bytes arrive)."""
    i, n = 0, len(data)
    while i < n:
        byte = data[i]
        if byte >= 0x20:
            end = i + 1
            while end < n and data[end] >= 0x20:
                end += 1
            yield Command(i, end, 0)
            i = end
            continue
        prefix = byte if byte in PREFIX_BYTES else 0
        found = match(data, i)
        size = None
        if found:
            key, _name, length = found
            size = parameter_size(length, data, i + len(key))
        elif found is not None:      # a control byte that means nothing: taken alone
            yield Command(i, i + 1, 0)
            i += 1
            continue
        if not found or size is None:  # what follows decides, and it has not come
            yield Command(i, n, prefix, False)
            return
        end = i + len(key) + size[0] + size[1]
        yield Command(i, min(n, end), prefix, end <= n)
        i = end


def command_chunks(data: bytes, size: int) -> Iterator[tuple[bytes, bool]]:
    """``data`` in pieces of about ``size`` bytes: (piece, True when the piece ends on a
    command boundary, where a status query may be sent)."""
    start = 0
    for command in iter_commands(data):
        if command.end - start < size:
            continue
        # Long commands (a big image slice) go out in several writes without queries.
        while command.end - start > size and command.start > start:
            yield data[start:command.start], True
            start = command.start
        while command.end - start > size:
            yield data[start:start + size], False
            start += size
        yield data[start:command.end], True
        start = command.end
    if start < len(data):
        yield data[start:], True


# -- how long the paper is --------------------------------------------------------------

DEFAULT_LINE_DOTS = 30    # ESC 2 "default line spacing", about 1/6 inch at 180/203 dpi
FONT_DOTS = 24            # height of font A and of the Chinese font
QR_EC = {48: qrcode.constants.ERROR_CORRECT_L, 49: qrcode.constants.ERROR_CORRECT_M,
         50: qrcode.constants.ERROR_CORRECT_Q, 51: qrcode.constants.ERROR_CORRECT_H}


@dataclass
class _Paper:
    dots: int = 0
    line_dots: int = DEFAULT_LINE_DOTS
    height_x: int = 1                # character height multiplier
    pending: bool = False            # text waiting in the line buffer
    qr_size: int = 3
    qr_ec: int = qrcode.constants.ERROR_CORRECT_L
    qr_data: bytes = b""

    def line(self) -> None:
        self.dots += max(self.line_dots, FONT_DOTS * self.height_x) if self.pending \
            else self.line_dots
        self.pending = False


def print_height_dots(data: bytes) -> int:
    """Length of paper the job moves, in dots: raster rows, text lines, feeds, QR codes."""
    paper = _Paper()
    for command in iter_commands(data):
        handler = _HANDLERS.get(bytes(data[command.start:command.start + 2]))
        if handler is not None:
            handler(paper, data, command.start)
        elif command.prefix == 0:
            if data[command.start] == LF:
                paper.line()
            elif data[command.start] >= 0x20:
                paper.pending = True
    return paper.dots


def estimate_print_seconds(
    data: bytes, profile: PaperProfile | str = "80mm", mm_per_s: float = 250.0
) -> float:
    """Time the mechanism needs to print ``data`` at ``mm_per_s`` (paper length / speed;
    transfer time and the cut are not included)."""
    if mm_per_s <= 0:
        raise ValueError("print speed must be positive")
    return print_height_dots(data) / (mm_per_s * get_profile(profile).dots_per_mm)


def _raster(paper: _Paper, data: bytes, i: int) -> None:
    if data[i + 2:i + 3] == b"0":
        rows = _u16(data, i + 6)
        paper.dots += rows * (2 if data[i + 3] & 2 else 1)   # m bit 1: double height


def _feed_lines(paper: _Paper, data: bytes, i: int) -> None:
    # ESC d n: print what is in the line buffer, then feed n lines.
    if paper.pending:
        paper.line()
    paper.dots += paper.line_dots * (data[i + 2] if i + 2 < len(data) else 0)


def _feed_dots(paper: _Paper, data: bytes, i: int) -> None:
    paper.pending = False
    paper.dots += data[i + 2] if i + 2 < len(data) else 0


def _line_spacing(paper: _Paper, data: bytes, i: int) -> None:
    paper.line_dots = data[i + 2] if data[i + 1] == ord("3") and i + 2 < len(data) \
        else DEFAULT_LINE_DOTS


def _char_size(paper: _Paper, data: bytes, i: int) -> None:
    if i + 2 < len(data):
        n = data[i + 2]
        paper.height_x = (n & 0x0F) + 1 if data[i] == GS else (2 if n & 0x10 else 1)


def _cut(paper: _Paper, data: bytes, i: int) -> None:
    if i + 3 < len(data) and data[i + 2] in (65, 66, 97, 98, 103, 104):
        paper.dots += data[i + 3]             # "feed n and cut"


def _qr(paper: _Paper, data: bytes, i: int) -> None:
    # GS ( k pL pH cn fn ...: only QR (cn = 49) size, error level, store and print.
    if data[i + 2:i + 3] != b"k" or i + 6 >= len(data) or data[i + 5] != 49:
        return
    fn, end = data[i + 6], i + 5 + _u16(data, i + 3)
    if fn == 67:
        paper.qr_size = data[i + 7]
    elif fn == 69:
        paper.qr_ec = QR_EC.get(data[i + 7], paper.qr_ec)
    elif fn == 80:
        paper.qr_data = bytes(data[i + 8:end])
    elif fn == 81 and paper.qr_data:
        code = qrcode.QRCode(error_correction=paper.qr_ec)
        code.add_data(paper.qr_data)
        paper.dots += (17 + 4 * code.best_fit()) * paper.qr_size
        paper.pending = False


_HANDLERS: dict[bytes, Callable[[_Paper, bytes, int], None]] = {
    b"\x1dv": _raster,
    b"\x1bd": _feed_lines,
    b"\x1bJ": _feed_dots,
    b"\x1b2": _line_spacing,
    b"\x1b3": _line_spacing,
    b"\x1b!": _char_size,
    b"\x1d!": _char_size,
    b"\x1dV": _cut,
    b"\x1d(": _qr,
}
