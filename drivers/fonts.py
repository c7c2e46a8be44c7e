"""The CJK font: one finder for receipt rasters, the simulators, A4 documents and the UI.

Candidates, best first: fontconfig's choice for Simplified Chinese sans (``fc-match
sans:lang=zh-cn``, taken only when it covers zh-cn: fontconfig always answers with *some*
font), then the files Debian, Fedora and Arch font packages install (KNOWN_FONTS),
fonts-wqy-microhei first. Each user takes what it can use:

- a receipt raster or a simulator draws with Pillow: the first candidate, with the Simplified
  Chinese face of a collection (``chinese_face``): Noto's .ttc starts with the JP face;
- A4 documents (reportlab) embed TrueType outlines only: they try the candidates in turn;
- the UI (Kivy) always opens face 0 of a collection, so it wants a file whose face 0 is
  Simplified Chinese (``face0_cjk_font``): known files first, then fontconfig's list, and
  files with another face 0 (Noto Sans CJK .ttc: JP) only as a last resort.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "apt-get install fonts-wqy-microhei  (或 / or: apt-get install fonts-noto-cjk)"
_FC_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class FontFile:
    path: Path
    index: int = 0          # the face inside a .ttc collection
    how: str = "known"      # where it was found (for the log): config, fontconfig, known ...


@dataclass(frozen=True)
class KnownFont:
    path: Path
    face0_simplified: bool = True   # face 0 is a Simplified Chinese face


KNOWN_FONTS: tuple[KnownFont, ...] = (
    KnownFont(Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")),
    KnownFont(Path("/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc")),
    KnownFont(Path("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf")),
    KnownFont(Path("/usr/share/fonts/opentype/noto/NotoSansSC-Regular.otf")),
    KnownFont(Path("/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf")),
    KnownFont(Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), False),
    KnownFont(Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"), False),
    KnownFont(Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"), False),
    KnownFont(Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")),
    KnownFont(Path("/usr/share/fonts/truetype/arphic/uming.ttc"), False),
    KnownFont(Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")),
    KnownFont(Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc"), False),
)
# Face names to prefer inside a collection: Noto's .ttc starts with the JP face, whose
# glyph shapes differ from the simplified Chinese ones; WenQuanYi's second face is Mono.
_PREFERRED_FACES = (" SC", "Micro Hei", "Zen Hei")


def cjk_fonts() -> list[FontFile]:
    """Every candidate that exists, best first (fontconfig's choice, then KNOWN_FONTS)."""
    match = fontconfig_match()
    found = [match] if match is not None else []
    taken = {font.path for font in found}
    found += [FontFile(known.path) for known in KNOWN_FONTS
              if known.path.is_file() and known.path not in taken]
    return found


def find_cjk_font() -> FontFile | None:
    """The font to draw Chinese with (Pillow), its Simplified Chinese face chosen."""
    fonts = cjk_fonts()
    if not fonts:
        return None
    best = fonts[0]   # fontconfig names its face itself
    return best if best.how == "fontconfig" else FontFile(best.path, chinese_face(best.path))


def face0_cjk_font() -> FontFile | None:
    """A file whose face 0 shows Chinese (Kivy opens face 0 only), Simplified first."""
    for known in KNOWN_FONTS:
        if known.face0_simplified and known.path.is_file():
            return FontFile(known.path)
    listed = fontconfig_list()
    if listed:
        return listed[0]
    for known in KNOWN_FONTS:
        if known.path.is_file():
            return FontFile(known.path, how="last_resort")
    return None


def chinese_face(font: Path) -> int:
    """The Simplified Chinese face inside a collection (0 for a single font)."""
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


# -- fontconfig ---------------------------------------------------------------------------


def _fontconfig(*args: str) -> str | None:
    program = shutil.which(args[0])
    if program is None:
        return None
    try:
        result = subprocess.run([program, *args[1:]], capture_output=True, text=True,
                                timeout=_FC_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def fontconfig_match() -> FontFile | None:
    """fontconfig's Simplified Chinese sans font, when it covers zh-cn."""
    out = _fontconfig("fc-match", "-f", "%{file}\n%{index}\n%{lang}", "sans:lang=zh-cn")
    parts = (out or "").split("\n")
    if len(parts) < 3:
        return None
    file, index, langs = parts[0], parts[1], parts[2]
    if not file or "zh-cn" not in langs.split("|") or not Path(file).is_file():
        return None
    try:
        return FontFile(Path(file), int(index or 0), "fontconfig")
    except ValueError:
        return None


def fontconfig_list() -> list[FontFile]:
    """The Chinese fonts fontconfig knows whose face 0 is Chinese, Simplified Chinese
    families first."""
    out = _fontconfig("fc-list", "--format", "%{file}\t%{index}\t%{family}\n", ":lang=zh")
    ranked: list[tuple[int, str]] = []
    for line in (out or "").splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or parts[1] != "0":
            continue
        file, _, family = parts
        if not file.lower().endswith((".ttf", ".ttc", ".otf")):
            continue
        if any(tag in family for tag in (" SC", "CN", "WenQuanYi", "Fallback", "Hei")):
            rank = 0
        elif any(tag in family for tag in (" JP", " KR", " TC", " HK")):
            rank = 2
        else:
            rank = 1
        ranked.append((rank, file))
    return [FontFile(Path(file), 0, "fontconfig") for _, file in sorted(ranked)]
