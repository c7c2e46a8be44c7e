"""The CJK font of A4 documents, found on the system and registered with reportlab once.

reportlab embeds TrueType outlines only: a CFF-flavoured OpenType font (Noto Sans CJK .otf
and .ttc) is refused with a TTFError, so every candidate is tried in turn and the first
TrueType font that has Chinese glyphs wins. fontconfig's choice comes first, then the paths
Debian's font packages install to (fonts-wqy-microhei first).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

CJK_FONT_NAME = "TongbanCJK"


@dataclass(frozen=True)
class FontFile:
    path: Path
    subfont_index: int = 0          # the face inside a .ttc collection


KNOWN_CJK_FONTS: tuple[FontFile, ...] = (
    FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")),
    FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")),
    FontFile(Path("/usr/share/fonts/truetype/arphic/uming.ttc")),
    FontFile(Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")),
)
_PROBE = "中文证明"                 # glyphs a usable font must have
_FC_TIMEOUT_S = 5.0


class FontUnavailable(RuntimeError):
    """No TrueType CJK font could be loaded; A4 documents cannot be made."""

    code = "cjk_font_missing"


def fontconfig_candidates() -> list[FontFile]:
    """fontconfig's best Chinese sans font (may be an .otf reportlab cannot embed)."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return []
    try:
        result = subprocess.run(
            [fc_match, "-f", "%{file}\n%{index}", "sans:lang=zh-cn"],
            capture_output=True, text=True, timeout=_FC_TIMEOUT_S, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    lines = result.stdout.splitlines()
    if result.returncode != 0 or not lines or not lines[0].strip():
        return []
    index = int(lines[1]) if len(lines) > 1 and lines[1].strip().isdigit() else 0
    return [FontFile(Path(lines[0].strip()), index)]


def load_cjk_font(candidates: Iterable[FontFile], name: str = CJK_FONT_NAME) -> TTFont:
    """The first candidate that loads as TrueType and has Chinese glyphs.
    Raises FontUnavailable naming every file tried and why it was refused."""
    refused: list[str] = []
    for candidate in candidates:
        if not candidate.path.is_file():
            continue
        try:
            font = TTFont(name, str(candidate.path), subfontIndex=candidate.subfont_index)
        except (TTFError, OSError) as err:
            refused.append(f"{candidate.path}: {err}")
            continue
        if all(ord(ch) in font.face.charToGlyph for ch in _PROBE):
            return font
        refused.append(f"{candidate.path}: no Chinese glyphs")
    detail = "; ".join(refused) if refused else "no candidate file exists"
    raise FontUnavailable(
        "no TrueType CJK font for A4 documents (install fonts-wqy-microhei): " + detail
    )


_lock = threading.Lock()
_registered: str | None = None


def cjk_font_name() -> str:
    """Register the CJK font with reportlab (once per process) and return its name.
    Bold and italic map to the same face: WenQuanYi has no bold, and <b> must not fail."""
    global _registered
    with _lock:
        if _registered is None:
            font = load_cjk_font([*fontconfig_candidates(), *KNOWN_CJK_FONTS])
            pdfmetrics.registerFont(font)
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(CJK_FONT_NAME, bold, italic, CJK_FONT_NAME)
            _registered = CJK_FONT_NAME
        return _registered
