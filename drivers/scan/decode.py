"""Decoders: find and decode every code in a gray image, with zxing-cpp or with zbar.

Both return :class:`Decoded` items whose ``raw`` bytes are what the code carries and whose
``text`` comes from :func:`decode_text`, the one place that turns code bytes into text.
Neither library's own text is used: zbar guesses the encoding of a QR code's bytes and
re-encodes them as UTF-8 (GB18030 Chinese comes out as Shift-JIS mojibake), and zxing-cpp
takes unmarked bytes for ISO-8859-1. Chinese codes in the wild carry UTF-8 or GB18030
without an ECI marker, so the policy is: strict UTF-8, else GB18030, else Latin-1.

Choosing the default (:data:`DEFAULT_DECODER`). ``bench/qr_decode.py`` on this machine
(2-core test box, one core pinned, 1280x720 gray frames, a 200-300 px QR code with Chinese
text in a noisy photo-like scene; medians of 5 rounds, CPU 1 / CPU 0):

    decoder     code in view            empty frame
    zxing-qr    506 / 517 fps (2.0 ms)  634 / 650 fps
    zxing        54 /  57 fps (18 ms)    62 /  64 fps
    zbar-qr      27 /  29 fps (36 ms)    33 /  36 fps
    zbar         26 /  28 fps (38 ms)    30 /  33 fps

zxing-cpp is the faster library in either mode (2x zbar on all formats, ~18x QR only), and
only its QR-only mode holds the camera's 60 fps target with margin (all formats sits just
under it). So the camera default is ``zxing-qr``: what citizens hold up to the kiosk are
phone QR codes, and bar codes on paper go to the hand-held scanner. ``zxing`` (all formats)
stays available by name, and is what the technician's ``kiosk scan-image`` uses.
"""

from __future__ import annotations

from collections.abc import Callable
from ctypes import POINTER, c_ubyte, c_void_p, cast, string_at
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import zxingcpp

from ..errors import DeviceError, DeviceUnavailable, ErrorCode

GrayImage = npt.NDArray[np.uint8]
Point = tuple[int, int]

# The fastest on this machine by bench/qr_decode.py (see the module docstring).
DEFAULT_DECODER = "zxing-qr"

# Text encodings tried in order on a code's bytes; Latin-1 decodes anything, so it ends the list.
TEXT_ENCODINGS = ("utf-8", "gb18030", "latin-1")


@dataclass(frozen=True)
class Decoded:
    """One code found in an image."""

    text: str
    symbology: str                          # zxing-cpp's names: QRCode, Code128, EAN13 ...
    raw: bytes                              # the bytes the code carries
    position: tuple[Point, ...] | None = None  # corners (x, y), clockwise from top left


@runtime_checkable
class Decoder(Protocol):
    """Finds every code in a gray (2-D uint8) image. Not required to be thread-safe."""

    name: str

    def decode(self, gray: GrayImage) -> list[Decoded]: ...


def decode_text(raw: bytes) -> str:
    """A code's bytes as text: strict UTF-8, else GB18030, else Latin-1."""
    for encoding in TEXT_ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("unreachable: latin-1 decodes any bytes")  # pragma: no cover


def _check_gray(gray: GrayImage) -> GrayImage:
    if gray.ndim != 2 or gray.dtype != np.uint8:
        raise ValueError(f"expected a 2-D uint8 image, got {gray.ndim}-D {gray.dtype}")
    return np.ascontiguousarray(gray)


# -- zxing-cpp ------------------------------------------------------------------------------

ZXING_FORMATS: dict[str, zxingcpp.BarcodeFormats] = {
    "all": zxingcpp.barcode_formats_from_str("AllReadable"),
    "qr": zxingcpp.barcode_formats_from_str("QRCode"),
}


class ZxingDecoder:
    """zxing-cpp. ``formats``: "all", "qr" or zxing-cpp format names ("QRCode,Code128")."""

    def __init__(self, formats: str = "all", name: str | None = None) -> None:
        try:
            self._formats = (
                ZXING_FORMATS[formats] if formats in ZXING_FORMATS
                else zxingcpp.barcode_formats_from_str(formats)
            )
        except ValueError as err:
            raise ValueError(f"unknown zxing-cpp formats {formats!r}") from err
        if not formats.strip():
            raise ValueError("no zxing-cpp formats given")
        self.name = name or ("zxing" if formats == "all" else f"zxing-{formats}")

    def decode(self, gray: GrayImage) -> list[Decoded]:
        # Bar codes need try_rotate to be found at 90 degrees; QR codes are found any way up.
        results = zxingcpp.read_barcodes(_check_gray(gray), formats=self._formats)
        found = []
        for result in results:
            raw = bytes(result.bytes)
            pos = result.position
            corners = (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
            found.append(
                Decoded(
                    text=decode_text(raw),
                    symbology=result.format.name,
                    raw=raw,
                    position=tuple((int(p.x), int(p.y)) for p in corners),
                )
            )
        return found


# -- zbar (through pyzbar's ctypes wrapper) -------------------------------------------------

# zbar's names -> zxing-cpp's, so events say "QRCode" whichever decoder found the code.
ZBAR_SYMBOLOGIES = {
    "QRCODE": "QRCode", "CODE128": "Code128", "CODE39": "Code39", "CODE93": "Code93",
    "EAN13": "EAN13", "EAN8": "EAN8", "EAN2": "EAN2", "EAN5": "EAN5", "UPCA": "UPCA",
    "UPCE": "UPCE", "ISBN10": "ISBN", "ISBN13": "ISBN", "I25": "ITF", "CODABAR": "Codabar",
    "DATABAR": "DataBar", "DATABAR_EXP": "DataBarExpanded", "PDF417": "PDF417",
    "SQCODE": "SQCode",
}
_ZBAR_CFG_BINARY = 4    # zbar >= 0.23: hand back the code's bytes, no encoding guess
_ZBAR_Y800 = 0x30303859  # fourcc "Y800": 8-bit gray


class ZbarDecoder:
    """zbar via pyzbar's ctypes bindings, configured to return the code's raw bytes.

    pyzbar's ``decode()`` cannot set zbar's BINARY option (it has no name for it), so the
    scanner is driven here through the same wrapper functions. A scanner is made per
    decoder call, so a decoder may be shared between threads.
    """

    def __init__(self, qr_only: bool = False, name: str | None = None) -> None:
        try:
            from pyzbar import wrapper as zbar
        except ImportError as err:  # libzbar0 missing: say which package
            raise DeviceUnavailable(
                f"zbar is not available (install the libzbar0 package): {err}",
                ErrorCode.NO_DEVICE,
            ) from err
        self._zbar = zbar
        self.qr_only = qr_only
        self.name = name or ("zbar-qr" if qr_only else "zbar")
        self._scanner()  # fail now, not on the first frame, when this libzbar is too old

    def _scanner(self) -> object:
        """A configured zbar scanner. One per call: creating it costs microseconds, and a
        decoder without C state needs no lock and no finaliser."""
        zbar = self._zbar
        scanner = zbar.zbar_image_scanner_create()
        if not scanner:
            raise DeviceError("zbar could not create an image scanner")
        if self.qr_only:
            zbar.zbar_image_scanner_set_config(scanner, 0, zbar.ZBarConfig.CFG_ENABLE, 0)
            zbar.zbar_image_scanner_set_config(
                scanner, zbar.ZBarSymbol.QRCODE, zbar.ZBarConfig.CFG_ENABLE, 1
            )
        if zbar.zbar_image_scanner_set_config(scanner, 0, _ZBAR_CFG_BINARY, 1) != 0:
            zbar.zbar_image_scanner_destroy(scanner)
            raise DeviceError("this libzbar cannot return raw bytes (needs zbar 0.23 or later)")
        return scanner

    def decode(self, gray: GrayImage) -> list[Decoded]:
        zbar = self._zbar
        pixels = _check_gray(gray)
        height, width = pixels.shape
        scanner = self._scanner()
        image = zbar.zbar_image_create()
        try:
            zbar.zbar_image_set_format(image, _ZBAR_Y800)
            zbar.zbar_image_set_size(image, width, height)
            # zbar reads the numpy buffer in place; `pixels` outlives the scan.
            data = cast(pixels.ctypes.data_as(POINTER(c_ubyte)), c_void_p)
            zbar.zbar_image_set_data(image, data, pixels.size, None)
            if zbar.zbar_scan_image(scanner, image) < 0:
                raise DeviceError("zbar rejected the image format")
            return self._symbols(image)
        finally:
            zbar.zbar_image_destroy(image)
            zbar.zbar_image_scanner_destroy(scanner)

    def _symbols(self, image: object) -> list[Decoded]:
        zbar = self._zbar
        found = []
        symbol = zbar.zbar_image_first_symbol(image)
        while symbol:
            raw = string_at(
                zbar.zbar_symbol_get_data(symbol), zbar.zbar_symbol_get_data_length(symbol)
            )
            try:
                kind = zbar.ZBarSymbol(symbol.contents.type).name
            except ValueError:
                kind = f"zbar-{symbol.contents.type}"
            points = tuple(
                (int(zbar.zbar_symbol_get_loc_x(symbol, i)), int(zbar.zbar_symbol_get_loc_y(symbol, i)))
                for i in range(zbar.zbar_symbol_get_loc_size(symbol))
            )
            found.append(
                Decoded(
                    text=decode_text(raw),
                    symbology=ZBAR_SYMBOLOGIES.get(kind, kind),
                    raw=raw,
                    position=points or None,
                )
            )
            symbol = zbar.zbar_symbol_next(symbol)
        return found

# -- choosing one -----------------------------------------------------------------------------

DECODERS: dict[str, Callable[[], Decoder]] = {
    "zxing": lambda: ZxingDecoder("all"),
    "zxing-qr": lambda: ZxingDecoder("qr"),
    "zbar": lambda: ZbarDecoder(),
    "zbar-qr": lambda: ZbarDecoder(qr_only=True),
}


def make_decoder(name: str) -> Decoder:
    """The decoder called ``name`` (one of :data:`DECODERS`)."""
    try:
        factory = DECODERS[name]
    except KeyError:
        raise ValueError(f"unknown decoder {name!r} (choose from {', '.join(DECODERS)})") from None
    return factory()


def default_decoder(name: str | None = None) -> Decoder:
    """The configured decoder, or the one measured fastest here (:data:`DEFAULT_DECODER`)."""
    return make_decoder(name or DEFAULT_DECODER)
