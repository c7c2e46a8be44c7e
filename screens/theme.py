"""Colours and type sizes, switched as one by the 适老化 (elderly) mode.

Every widget reads its sizes and colours from ``app.theme`` in kv, so flipping
``theme.elderly`` restyles every screen at once.
"""

from __future__ import annotations

from typing import Any

from kivy.event import EventDispatcher
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty
from kivy.utils import get_color_from_hex as hex_color

ELDERLY_SCALE = 1.3

# Base sizes (sp) for a 1280 x 800 screen: body text never under 22.
SIZES = {"huge": 64, "xl": 44, "l": 34, "m": 27, "s": 23, "xs": 20}
# On-screen keys (dp): fixed, never squeezed by what is above them; bigger in elderly mode.
KEY_SIZE, ELDERLY_KEY_SIZE = 72, 80
# The smallest touch target (dp): 15 mm on the glass is 60.2 px at the configured 102 dpi
# (kiosk/config.py ui.dpi; tests/support/a11y.py), with a little to spare.
TARGET_SIZE = 62

NORMAL = {
    "primary": "#0B4EA2",        # 政务蓝
    "primary_dark": "#083B7A",
    "primary_soft": "#E7F0FB",
    "background": "#F3F6FA",
    "surface": "#FFFFFF",
    "text": "#1B2533",
    "text_muted": "#4F5B6B",
    "border": "#D5DEE9",
    "disabled_bg": "#E9ECF0",
    "disabled_text": "#555E6B",   # 5.5:1 on disabled_bg (WCAG AA), still greyed
    "primary_text": "#FFFFFF",
    "danger": "#B3261E",
    "danger_soft": "#FCEDEC",
    "success": "#1E7B45",
    "success_soft": "#E5F4EA",
    "notice": "#8A4B00",
    "notice_soft": "#FFF4E2",
}

ELDERLY = {
    **NORMAL,
    "primary": "#003A8C",
    "primary_dark": "#002B69",
    "background": "#FFFFFF",
    "text": "#000000",
    "text_muted": "#1F1F1F",
    "border": "#3B4757",
    "disabled_bg": "#E3E6EA",
    "disabled_text": "#3C3C3C",
    "danger": "#9B0000",
    "success": "#005C2A",
    "notice": "#6B3500",
}


class Theme(EventDispatcher):
    elderly = BooleanProperty(False)
    scale = NumericProperty(1.0)
    border_width = NumericProperty(1.5)
    key_size = NumericProperty(0)
    target_size = NumericProperty(0)

    font_huge = NumericProperty(0)
    font_xl = NumericProperty(0)
    font_l = NumericProperty(0)
    font_m = NumericProperty(0)
    font_s = NumericProperty(0)
    font_xs = NumericProperty(0)

    primary = ColorProperty()
    primary_dark = ColorProperty()
    primary_soft = ColorProperty()
    background = ColorProperty()
    surface = ColorProperty()
    text = ColorProperty()
    text_muted = ColorProperty()
    border = ColorProperty()
    disabled_bg = ColorProperty()
    disabled_text = ColorProperty()
    primary_text = ColorProperty()
    danger = ColorProperty()
    danger_soft = ColorProperty()
    success = ColorProperty()
    success_soft = ColorProperty()
    notice = ColorProperty()
    notice_soft = ColorProperty()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._apply()

    def on_elderly(self, *_: Any) -> None:
        self._apply()

    def _apply(self) -> None:
        self.scale = ELDERLY_SCALE if self.elderly else 1.0
        self.border_width = 2.5 if self.elderly else 1.5
        self.key_size = dp(ELDERLY_KEY_SIZE if self.elderly else KEY_SIZE)
        self.target_size = dp(TARGET_SIZE)
        for name, size in SIZES.items():
            setattr(self, f"font_{name}", sp(size) * self.scale)
        for name, value in (ELDERLY if self.elderly else NORMAL).items():
            setattr(self, name, hex_color(value))
