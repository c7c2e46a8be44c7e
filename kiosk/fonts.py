"""The CJK font for the UI: the drivers' one font finder (drivers/fonts.py), handed on to
screens/, which reaches drivers only through kiosk/. A4 documents use it in
kiosk/printing/documents/fonts.py, receipts in drivers/receipt/profiles.py."""

from __future__ import annotations

from drivers.fonts import INSTALL_HINT, FontFile, face0_cjk_font

__all__ = ["INSTALL_HINT", "FontFile", "face0_cjk_font"]
