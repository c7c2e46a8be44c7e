"""The CJK font of A4 documents, found on the system and registered with reportlab once.

reportlab embeds TrueType outlines only: a CFF-flavoured OpenType font (Noto Sans CJK .otf
and .ttc) is refused with a TTFError, so every candidate the drivers' font finder knows
(drivers/fonts.py: fontconfig's choice, then the known files, fonts-wqy-microhei first) is
tried in turn and the first TrueType font that has Chinese glyphs wins.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from drivers.fonts import FontFile, cjk_fonts

__all__ = ["CJK_FONT_NAME", "FontFile", "FontUnavailable", "cjk_font_name", "load_cjk_font"]

CJK_FONT_NAME = "TongbanCJK"
_PROBE = "中文证明"                 # glyphs a usable font must have


class FontUnavailable(RuntimeError):
    """No TrueType CJK font could be loaded; A4 documents cannot be made."""

    code = "cjk_font_missing"


def load_cjk_font(candidates: Iterable[FontFile], name: str = CJK_FONT_NAME) -> TTFont:
    """The first candidate that loads as TrueType and has Chinese glyphs.
    Raises FontUnavailable naming every file tried and why it was refused."""
    refused: list[str] = []
    for candidate in candidates:
        if not candidate.path.is_file():
            continue
        try:
            font = TTFont(name, str(candidate.path), subfontIndex=candidate.index)
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
            font = load_cjk_font(cjk_fonts())
            pdfmetrics.registerFont(font)
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(CJK_FONT_NAME, bold, italic, CJK_FONT_NAME)
            _registered = CJK_FONT_NAME
        return _registered
