"""`kiosk scan-image FILE...`: decode every code in image files (a technician's check of a
camera snapshot, a printed receipt's QR code, a citizen's screenshot).

One line per code on stdout: ``FILE<TAB>SYMBOLOGY<TAB>TEXT``, where a backslash, tab, CR
or LF inside the text is written as ``\\\\``, ``\\t``, ``\\r``, ``\\n`` so a code is
always one line. Exit status: 0 when every file had at least one code, 1 when a file had
none, 2 when a file could not be read (each named on stderr; 2 wins over 1).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from drivers.errors import DeviceError
from drivers.scan.decode import DECODERS, Decoder, make_decoder

EXIT_OK, EXIT_NO_CODE, EXIT_UNREADABLE = 0, 1, 2
DEFAULT_DECODER = "zxing"  # all formats: a technician wants every code, not the fastest scan

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\r": "\\r", "\n": "\\n"})


class UnreadableImage(Exception):
    pass


def add_parsers(sub: Any) -> None:
    scan = sub.add_parser("scan-image", help="decode every code (QR, bar code ...) in image files")
    scan.add_argument("files", nargs="+", metavar="FILE", help="PNG, JPEG ... images")
    scan.add_argument("--decoder", choices=list(DECODERS), default=DEFAULT_DECODER,
                      help=f"decoder (default {DEFAULT_DECODER}: zxing-cpp, all formats; "
                           "-qr: QR codes only)")


def load_gray(path: Path) -> np.ndarray:
    """The image as a 2-D uint8 array, or UnreadableImage saying why not."""
    try:
        with Image.open(path) as image:
            return np.array(image.convert("L"))
    except FileNotFoundError:
        raise UnreadableImage("no such file") from None
    except IsADirectoryError:
        raise UnreadableImage("is a directory") from None
    except PermissionError:
        raise UnreadableImage("permission denied") from None
    except UnidentifiedImageError:
        raise UnreadableImage("not an image (or a format Pillow cannot read)") from None
    except (OSError, ValueError) as err:  # truncated or corrupt image data
        raise UnreadableImage(f"cannot decode the image ({err})") from None


def scan_files(files: Sequence[str], decoder: Decoder) -> int:
    status = EXIT_OK
    for name in files:
        try:
            gray = load_gray(Path(name))
        except UnreadableImage as err:
            print(f"kiosk scan-image: {name}: {err}", file=sys.stderr)
            status = EXIT_UNREADABLE
            continue
        codes = decoder.decode(gray)
        if not codes:
            print(f"kiosk scan-image: {name}: no code found", file=sys.stderr)
            status = max(status, EXIT_NO_CODE)
        for code in codes:
            print(f"{name}\t{code.symbology}\t{code.text.translate(_ESCAPES)}")
    return status


def run(args: argparse.Namespace) -> int:
    try:
        decoder = make_decoder(args.decoder)
    except DeviceError as err:  # e.g. zbar chosen but libzbar0 missing
        print(f"kiosk scan-image: decoder {args.decoder}: {err}", file=sys.stderr)
        return EXIT_UNREADABLE
    return scan_files(args.files, decoder)


def main(argv: Sequence[str] | None = None) -> int:
    """`scan-image` on its own (tests; the `kiosk` command reaches ``run`` through cli.py)."""
    parser = argparse.ArgumentParser(prog="kiosk")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(["scan-image", *(argv if argv is not None else sys.argv[1:])]))
