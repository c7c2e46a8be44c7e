"""The ESC/POS commands: how long each is, in one table for the driver and the simulator.

The driver cuts a job into chunks only at command boundaries (stream.py), the simulator
parses what arrives (sim_parser.py); both measure commands here. COMMANDS maps a command's
bytes to (name, parameter length); the length is a count, a little-endian length prefix,
or a function of the bytes that follow (images, barcodes). An unknown ESC/GS/FS sequence
is taken as its two prefix bytes (``ESC ( x`` and the like as prefix + pL pH + data), so a
garbled byte costs a glyph or two, never the stream.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10

# Returns how many parameter bytes follow ``start`` in ``buf``, or None when more are needed.
Measure = Callable[[bytes, int], int | None]


@dataclass(frozen=True)
class Prefixed:
    """Parameters are a little-endian length of ``width`` bytes, then that many bytes."""

    width: int


Length = int | Prefixed | Measure


def _until_nul(limit: int) -> Measure:
    def measure(buf: bytes, start: int) -> int | None:
        end = buf.find(b"\x00", start, start + limit + 1)
        if end >= 0:
            return end - start + 1
        return limit + 1 if len(buf) - start > limit else None
    return measure


def _raster(buf: bytes, start: int) -> int | None:
    # GS v 0 m xL xH yL yH d1...dk, k = x * y
    if len(buf) - start < 5:
        return None
    x = buf[start + 1] | buf[start + 2] << 8
    y = buf[start + 3] | buf[start + 4] << 8
    return 5 + x * y


def _column_image(buf: bytes, start: int) -> int | None:
    # ESC * m nL nH d1...dk, k = n (8-dot modes) or 3n (24-dot modes)
    if len(buf) - start < 3:
        return None
    n = buf[start + 1] | buf[start + 2] << 8
    return 3 + n * (3 if buf[start] in (32, 33) else 1)


def _barcode(buf: bytes, start: int) -> int | None:
    # GS k m d1...dk NUL (m = 0..6), or GS k m n d1...dn (m = 65..79)
    if len(buf) - start < 1:
        return None
    if buf[start] >= 65:
        if len(buf) - start < 2:
            return None
        return 2 + buf[start + 1]
    tail = _until_nul(255)(buf, start + 1)
    return None if tail is None else 1 + tail


def _cut(buf: bytes, start: int) -> int | None:
    # GS V m: function A (m = 0, 1, 48, 49) has no more; B, C, D (65, 66, 97, 98, 103, 104)
    # take a feed amount n.
    if len(buf) - start < 1:
        return None
    return 1 if buf[start] in (0, 1, 48, 49) else 2


def _pulse(buf: bytes, start: int) -> int | None:
    # DLE DC4 fn ...: fn 1 m t, fn 2 a b, fn 7 m, fn 8 d1..d7 (clear buffers)
    if len(buf) - start < 1:
        return None
    return {1: 3, 2: 3, 3: 3, 4: 2, 7: 2, 8: 8}.get(buf[start], 1)


def _download_image(buf: bytes, start: int) -> int | None:
    # GS * x y d1...d(x*y*8)
    if len(buf) - start < 2:
        return None
    return 2 + buf[start] * buf[start + 1] * 8


def _user_chars(buf: bytes, start: int) -> int | None:
    # ESC & y c1 c2 [x d1...d(y*x)]... for each character c1..c2
    if len(buf) - start < 3:
        return None
    y, first, last = buf[start], buf[start + 1], buf[start + 2]
    pos = start + 3
    for _ in range(max(0, last - first + 1)):
        if pos >= len(buf):
            return None
        pos += 1 + y * buf[pos]
    return pos - start if pos <= len(buf) else None


def _counter(buf: bytes, start: int) -> int | None:
    # GS C 0 n m | GS C 1 aL aH bL bH n r | GS C 2 nL nH
    if len(buf) - start < 1:
        return None
    return {0x30: 3, 0x31: 7, 0x32: 3}.get(buf[start], 1)


COMMANDS: dict[bytes, tuple[str, Length]] = {
    # single-byte controls
    b"\n": ("lf", 0), b"\r": ("cr", 0), b"\t": ("ht", 0), b"\x0c": ("ff", 0),
    b"\x18": ("can", 0),
    # real-time (answered by the receiving side, never queued behind print data)
    b"\x10\x04": ("rt_status", 1), b"\x10\x05": ("rt_request", 1),
    b"\x10\x14": ("rt_pulse", _pulse),
    # ESC
    b"\x1b@": ("init", 0), b"\x1b ": ("char_spacing", 1), b"\x1b!": ("print_mode", 1),
    b"\x1b$": ("abs_position", 2), b"\x1b%": ("user_charset", 1),
    b"\x1b&": ("define_chars", _user_chars),
    b"\x1b*": ("column_image", _column_image), b"\x1b-": ("underline", 1),
    b"\x1b2": ("default_spacing", 0), b"\x1b3": ("line_spacing", 1),
    b"\x1b+": ("line_spacing_360", 1), b"\x1bA": ("line_spacing_60", 1),
    b"\x1b=": ("select_peripheral", 1), b"\x1b?": ("cancel_user_char", 1),
    b"\x1bD": ("tab_stops", _until_nul(32)), b"\x1bE": ("bold", 1), b"\x1bG": ("double_strike", 1),
    b"\x1bJ": ("feed_dots", 1), b"\x1bK": ("slip_eject", 1), b"\x1bL": ("page_mode", 0),
    b"\x1bM": ("font", 1), b"\x1bR": ("intl_charset", 1), b"\x1bS": ("standard_mode", 0),
    b"\x1bT": ("page_direction", 1), b"\x1bU": ("unidirectional", 1),
    b"\x1bV": ("rotate", 1), b"\x1bW": ("page_area", 8), b"\x1b\\": ("rel_position", 2),
    b"\x1ba": ("align", 1), b"\x1bB": ("buzzer", 2), b"\x1bc": ("panel_or_sensor", 2),
    b"\x1bd": ("feed_lines", 1), b"\x1be": ("reverse_feed", 1), b"\x1bi": ("cut_legacy", 0),
    b"\x1bm": ("cut_legacy", 0), b"\x1bp": ("drawer_pulse", 3), b"\x1br": ("color", 1),
    b"\x1bt": ("code_page", 1), b"\x1bu": ("drawer_status", 1), b"\x1bv": ("paper_status", 0),
    b"\x1b{": ("upside_down", 1), b"\x1b7": ("heating", 3), b"\x1b8": ("sleep", 2),
    b"\x1b9": ("chinese_code", 1), b"\x1b<": ("return_home", 0), b"\x1bf": ("slip_wait", 2),
    b"\x1b(A": ("beeper", Prefixed(2)), b"\x1b(Y": ("paper_layout_esc", Prefixed(2)),
    # GS
    b"\x1d!": ("char_size", 1), b"\x1d$": ("abs_vertical", 2),
    b"\x1d*": ("download_image", _download_image),
    b"\x1d/": ("print_download", 1), b"\x1d:": ("macro", 0), b"\x1dB": ("invert", 1),
    b"\x1dC": ("counter", _counter), b"\x1dE": ("head_control", 1), b"\x1dH": ("hri_position", 1),
    b"\x1dI": ("printer_id", 1), b"\x1dL": ("left_margin", 2), b"\x1dP": ("motion_units", 2),
    b"\x1dT": ("line_start", 1), b"\x1dV": ("cut", _cut), b"\x1dW": ("print_width", 2),
    b"\x1d\\": ("rel_vertical", 2), b"\x1d^": ("macro_run", 3), b"\x1da": ("auto_status", 1),
    b"\x1db": ("smoothing", 1), b"\x1dc": ("print_counter", 0), b"\x1df": ("hri_font", 1),
    b"\x1dg": ("maintenance_counter", 4), b"\x1dh": ("barcode_height", 1),
    b"\x1dj": ("ink_auto_status", 1),
    b"\x1dk": ("barcode", _barcode), b"\x1dr": ("transmit_status", 1),
    b"\x1dw": ("barcode_width", 1),
    b"\x1d|": ("density", 1), b"\x1dv0": ("raster", _raster), b"\x1d8L": ("graphics", Prefixed(4)),
    b"\x1d(k": ("2d_code", Prefixed(2)), b"\x1d(L": ("graphics", Prefixed(2)),
    b"\x1d(A": ("test_print", Prefixed(2)), b"\x1d(C": ("nv_memory", Prefixed(2)),
    b"\x1d(D": ("realtime_enable", Prefixed(2)), b"\x1d(E": ("user_setup", Prefixed(2)),
    b"\x1d(H": ("process_id", Prefixed(2)), b"\x1d(K": ("print_control", Prefixed(2)),
    b"\x1d(M": ("customize", Prefixed(2)), b"\x1d(N": ("char_style", Prefixed(2)),
    b"\x1d(P": ("page_control", Prefixed(2)), b"\x1d(Q": ("graphic_shapes", Prefixed(2)),
    b"\x1d(z": ("paper_layout", Prefixed(2)),
    # FS
    b"\x1c!": ("kanji_mode", 1), b"\x1c&": ("chinese_on", 0), b"\x1c-": ("kanji_underline", 1),
    b"\x1c.": ("chinese_off", 0), b"\x1c2": ("define_kanji", 74), b"\x1cC": ("kanji_code", 1),
    b"\x1cS": ("kanji_spacing", 2), b"\x1cW": ("kanji_quad", 1), b"\x1cp": ("nv_image", 2),
    b"\x1c(A": ("kanji_select", Prefixed(2)), b"\x1c(C": ("kanji_set", Prefixed(2)),
    b"\x1c(E": ("receipt_enhance", Prefixed(2)), b"\x1c(L": ("label_control", Prefixed(2)),
    b"\x1c(e": ("asb_extended", Prefixed(2)),
}
PREFIX_BYTES = frozenset({ESC, GS, FS, DLE})
_LONG_PREFIXES = frozenset(key[:2] for key in COMMANDS if len(key) == 3)


Match = tuple[bytes, str, Length]


def match(buf: bytes, pos: int) -> Match | tuple[()] | None:
    """The command starting with the control byte ``buf[pos]``: (its key bytes, name,
    parameter length); () for a byte that means nothing (taken alone); None when the next
    byte decides which command this is and has not arrived yet."""
    for width in (3, 2, 1):
        key = buf[pos : pos + width]
        entry = COMMANDS.get(key) if len(key) == width else None
        if entry is not None:
            return (key, *entry)
    head = buf[pos]
    if head not in PREFIX_BYTES:
        return ()
    if len(buf) - pos < 2 or (
        len(buf) - pos < 3 and (buf[pos + 1] == 0x28 or buf[pos : pos + 2] in _LONG_PREFIXES)
    ):
        return None  # wait: the next byte decides which command this is
    if head == DLE:
        return ()
    if buf[pos + 1] == 0x28:  # ESC ( x / GS ( x / FS ( x all carry pL pH
        return (buf[pos : pos + 3], "unknown", Prefixed(2))
    return (buf[pos : pos + 2], "unknown", 0)


def parameter_size(length: Length, buf: bytes, start: int) -> tuple[int, int] | None:
    """(length-field bytes, parameter bytes) of a command whose key ends at ``start``;
    None while the bytes that tell have not arrived."""
    if isinstance(length, Prefixed):
        if len(buf) - start < length.width:
            return None
        return length.width, int.from_bytes(buf[start : start + length.width], "little")
    if isinstance(length, int):
        return 0, length
    measured = length(buf, start)
    return None if measured is None else (0, measured)
