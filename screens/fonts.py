"""The UI's Chinese font; Kivy's bundled Roboto shows boxes for every hanzi.

Kivy's SDL2 text provider always opens face 0 of a font collection, so a collection counts
only when its first face is a Chinese one: face 0 of Noto Sans CJK's .ttc is the Japanese
variant (it has the hanzi, with Japanese glyph shapes), so it is only a last resort. The
finder is the drivers' one (drivers/fonts.py ``face0_cjk_font``, through kiosk.fonts); here
are the start-up error and Kivy's registration.
"""

from __future__ import annotations

import logging
from pathlib import Path

from kiosk.fonts import INSTALL_HINT, FontFile, face0_cjk_font

log = logging.getLogger(__name__)

FontChoice = FontFile   # path, and how it was found: config, known, fontconfig, last_resort


class FontNotFound(Exception):
    """No usable CJK font; str() is the start-up message (Chinese, then English)."""


def find_cjk_font(configured: Path | None = None) -> FontChoice:
    """``ui.font`` when configured, else the system's font whose face 0 is Chinese (the
    drivers' finder, through kiosk.fonts)."""
    if configured is not None:
        if not configured.is_file():
            raise FontNotFound(
                f"配置的字体文件不存在：ui.font = {configured}\n"
                f"The font set in ui.font does not exist: {configured}"
            )
        return FontChoice(configured, how="config")
    found = face0_cjk_font()
    if found is not None:
        return found
    raise FontNotFound(
        "未找到中文字体，终端无法显示中文。请安装字体后重新启动：\n"
        f"    {INSTALL_HINT}\n"
        "No Chinese (CJK) font found: the kiosk cannot show Chinese text. Install one and restart:\n"
        f"    {INSTALL_HINT}"
    )


def register_default_font(choice: FontChoice) -> None:
    """Make the font Kivy's default for every Label. Call after Kivy is imported."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    LabelBase.register(DEFAULT_FONT, str(choice.path))
    if choice.how == "last_resort":
        log.warning("CJK font %s: face 0 is not Simplified Chinese; install fonts-wqy-microhei", choice.path)
    else:
        log.info("CJK font %s (%s)", choice.path, choice.how)
