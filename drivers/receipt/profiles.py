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

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from .. import fonts
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


# -- the CJK font used for rasters (drivers/fonts.py finds it) ----------------------------


@dataclass(frozen=True)
class FontSpec:
    path: Path
    index: int = 0            # face inside a TrueType collection (.ttc)


_NO_FONT = (
    "no CJK font for receipt rasters: install fonts-wqy-microhei or fonts-noto-cjk, "
    "or set the printer's font path"
)


def find_cjk_font(path: str | Path | None = None) -> FontSpec:
    """The font to draw receipt text with: ``path`` when given, else the system's CJK font
    (drivers.fonts). Raises DeviceError when none."""
    if path is not None:
        font = Path(path)
        if not font.is_file():
            raise DeviceError(f"receipt font {font} does not exist", ErrorCode.DEVICE_ERROR)
        return FontSpec(font, fonts.chinese_face(font))
    found = fonts.find_cjk_font()
    if found is None:
        raise DeviceError(_NO_FONT, ErrorCode.DEVICE_ERROR)
    return FontSpec(found.path, found.index)
