"""Receipt printer profiles: paper width, Chinese text mode and the CJK font for rasters.

Widths are for 203 dpi thermal heads (8 dots per mm): 58 mm paper prints 384 dots (32
columns of font A, 12 x 24 dots), 80 mm paper prints 576 dots (48 columns). A CJK character
is 24 x 24 dots, two columns.

Chinese text goes out one of two ways, chosen per printer:

- ``raster`` (default): text is drawn with a CJK font into a 1-bit image sent as ``GS v 0``.
  Every ESC/POS printer prints it the same way, whatever its character sets.
- ``gb18030``: text is sent as GB18030 bytes after ``FS &`` (Chinese mode). Faster and
  sharper, but only on printers with a Chinese font in ROM.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from ..errors import DeviceError, ErrorCode

ChineseMode = Literal["raster", "gb18030"]
CHINESE_MODES: tuple[ChineseMode, ...] = ("raster", "gb18030")


@dataclass(frozen=True)
class PaperProfile:
    name: str
    dots: int                 # printable width in dots
    columns: int              # font A columns (a CJK character takes two)
    dpi: int = 203

    @property
    def dots_per_mm(self) -> float:
        return self.dpi / 25.4

    @property
    def width_bytes(self) -> int:
        """Bytes per raster row (``GS v 0`` packs 8 dots per byte)."""
        return (self.dots + 7) // 8


PROFILES: dict[str, PaperProfile] = {
    "58mm": PaperProfile("58mm", dots=384, columns=32),
    "80mm": PaperProfile("80mm", dots=576, columns=48),
}


def get_profile(profile: PaperProfile | str) -> PaperProfile:
    if isinstance(profile, PaperProfile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ValueError(f"unknown receipt paper profile {profile!r} (known: {known})") from None


def check_chinese_mode(mode: str) -> ChineseMode:
    if mode not in CHINESE_MODES:
        known = ", ".join(CHINESE_MODES)
        raise ValueError(f"unknown chinese text mode {mode!r} (known: {known})")
    return cast(ChineseMode, mode)


# -- the CJK font used for rasters -------------------------------------------------------


@dataclass(frozen=True)
class FontSpec:
    path: Path
    index: int = 0            # face inside a TrueType collection (.ttc)


# Where Debian, Fedora and Arch put the fonts we know, best first (used when fontconfig is
# missing or answers with a font without Chinese).
KNOWN_FONTS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)
# Face names to prefer inside a collection: Noto's .ttc starts with the JP face, whose
# glyph shapes differ from the simplified Chinese ones; WenQuanYi's second face is Mono.
_PREFERRED_FACES = (" SC", "Micro Hei", "Zen Hei")
_NO_FONT = (
    "no CJK font for receipt rasters: install fonts-wqy-microhei or fonts-noto-cjk, "
    "or set the printer's font path"
)


def find_cjk_font(path: str | Path | None = None) -> FontSpec:
    """The font to draw receipt text with: ``path`` when given, else what fontconfig
    offers for simplified Chinese, else a known path. Raises DeviceError when none."""
    if path is not None:
        font = Path(path)
        if not font.is_file():
            raise DeviceError(f"receipt font {font} does not exist", ErrorCode.DEVICE_ERROR)
        return FontSpec(font, _preferred_face(font))
    found = _fontconfig_font()
    if found is not None:
        return found
    for font in KNOWN_FONTS:
        if font.is_file():
            return FontSpec(font, _preferred_face(font))
    raise DeviceError(_NO_FONT, ErrorCode.DEVICE_ERROR)


def _fontconfig_font() -> FontSpec | None:
    if shutil.which("fc-match") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}\n%{index}\n%{lang}", "sans:lang=zh-cn"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    parts = out.split("\n")
    if len(parts) < 3:
        return None
    file, index, langs = parts[0], parts[1], parts[2]
    # fontconfig always answers with *some* font; only take it if it covers Chinese.
    if not file or "zh-cn" not in langs.split("|") or not Path(file).is_file():
        return None
    try:
        return FontSpec(Path(file), int(index or 0))
    except ValueError:
        return None


def _preferred_face(font: Path) -> int:
    if font.suffix.lower() != ".ttc":
        return 0
    from PIL import ImageFont

    names: list[str] = []
    for index in range(16):
        try:
            family, _style = ImageFont.truetype(str(font), 12, index=index).getname()
        except OSError:
            break
        names.append(family or "")
    for wanted in _PREFERRED_FACES:
        for index, family in enumerate(names):
            if wanted in family and "Mono" not in family:
                return index
    return 0
