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
from kiosk.cli.words import line, tell

EXIT_OK, EXIT_NO_CODE, EXIT_UNREADABLE = 0, 1, 2
DEFAULT_DECODER = "zxing"  # all formats: a technician wants every code, not the fastest scan

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\r": "\\r", "\n": "\\n"})


class UnreadableImage(Exception):
    """Why an image cannot be read: ``args`` are (the English reason, the Chinese cause)."""

    def __init__(self, english: str, cause: str = "图片无法读取") -> None:
        super().__init__(english, cause)
        self.english, self.cause = english, cause

    def __str__(self) -> str:
        return self.english


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
        raise UnreadableImage("no such file", "文件不存在") from None
    except IsADirectoryError:
        raise UnreadableImage("is a directory", "这是一个目录，不是图片") from None
    except PermissionError:
        raise UnreadableImage("permission denied", "没有权限读这个文件") from None
    except UnidentifiedImageError:
        raise UnreadableImage("not an image (or a format Pillow cannot read)", "不是图片（或格式不支持）") from None
    except (OSError, ValueError) as err:  # truncated or corrupt image data
        raise UnreadableImage(f"cannot decode the image ({err})", "图片已损坏，无法解码") from None


def scan_files(files: Sequence[str], decoder: Decoder) -> int:
    status = EXIT_OK
    for name in files:
        try:
            gray = load_gray(Path(name))
        except UnreadableImage as err:
            tell(line("scan-image", err.cause, "请检查文件名，并给出 PNG 或 JPEG 图片", name, err.english))
            status = EXIT_UNREADABLE
            continue
        codes = decoder.decode(gray)
        if not codes:
            tell(line("scan-image", "图片中没有找到二维码或条码",
                      "请换一张更清晰、码更大更正的图片再试", name, "no code found"))
            status = max(status, EXIT_NO_CODE)
        for code in codes:
            print(f"{name}\t{code.symbology}\t{code.text.translate(_ESCAPES)}")
    return status


def run(args: argparse.Namespace) -> int:
    try:
        decoder = make_decoder(args.decoder)
    except DeviceError as err:  # e.g. zbar chosen but libzbar0 missing
        tell(line("scan-image", "解码器不可用", "请安装它所需的软件包（见 deploy/debian-packages.txt），"
                  "或改用 --decoder zxing", f"decoder {args.decoder}", str(err)))
        return EXIT_UNREADABLE
    return scan_files(args.files, decoder)


def main(argv: Sequence[str] | None = None) -> int:
    """`scan-image` on its own (tests; the `kiosk` command reaches ``run`` through cli.py)."""
    parser = argparse.ArgumentParser(prog="kiosk")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(["scan-image", *(argv if argv is not None else sys.argv[1:])]))
