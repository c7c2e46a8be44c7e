"""Find a Chinese font on the system; Kivy's bundled Roboto shows boxes for every hanzi.

Kivy's SDL2 text provider always opens face 0 of a font collection, so a collection counts
only when its first face is a Chinese one: face 0 of Noto Sans CJK's .ttc is the Japanese
variant (it has the hanzi, with Japanese glyph shapes), so it is only a last resort.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# Known good files, best first. All have a Simplified Chinese face 0.
KNOWN_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf"),
    Path("/usr/share/fonts/opentype/noto/NotoSansSC-Regular.otf"),
    Path("/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)
# Collections whose face 0 is not Simplified Chinese: used only when nothing else exists.
LAST_RESORT = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc"),
)

INSTALL_HINT = "apt-get install fonts-wqy-microhei  (或 / or: apt-get install fonts-noto-cjk)"


class FontNotFound(Exception):
    """No usable CJK font; str() is the start-up message (Chinese, then English)."""


@dataclass(frozen=True)
class FontChoice:
    path: Path
    how: str  # "config", "known", "fontconfig", "last_resort": for the log


def find_cjk_font(configured: Path | None = None) -> FontChoice:
    if configured is not None:
        if not configured.is_file():
            raise FontNotFound(
                f"配置的字体文件不存在：ui.font = {configured}\n"
                f"The font set in ui.font does not exist: {configured}"
            )
        return FontChoice(configured, "config")
    for path in KNOWN_FONTS:
        if path.is_file():
            return FontChoice(path, "known")
    found = _ask_fontconfig()
    if found is not None:
        return FontChoice(found, "fontconfig")
    for path in LAST_RESORT:
        if path.is_file():
            return FontChoice(path, "last_resort")
    raise FontNotFound(
        "未找到中文字体，终端无法显示中文。请安装字体后重新启动：\n"
        f"    {INSTALL_HINT}\n"
        "No Chinese (CJK) font found: the kiosk cannot show Chinese text. Install one and restart:\n"
        f"    {INSTALL_HINT}"
    )


def _ask_fontconfig() -> Path | None:
    """The best face-0 Chinese font fontconfig knows, preferring Simplified Chinese."""
    if shutil.which("fc-list") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-list", "--format", "%{file}\t%{index}\t%{family}\n", ":lang=zh"],
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    ranked: list[tuple[int, str]] = []
    for line in out.splitlines():
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
    if not ranked:
        return None
    return Path(min(ranked)[1])


def register_default_font(choice: FontChoice) -> None:
    """Make the font Kivy's default for every Label. Call after Kivy is imported."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    LabelBase.register(DEFAULT_FONT, str(choice.path))
    if choice.how == "last_resort":
        log.warning("CJK font %s: face 0 is not Simplified Chinese; install fonts-wqy-microhei", choice.path)
    else:
        log.info("CJK font %s (%s)", choice.path, choice.how)
