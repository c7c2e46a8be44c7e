"""ReceiptDocument -> ESC/POS bytes for one printer profile.

python-escpos's ``Dummy`` printer is the byte sink and encodes the plain commands (ESC @,
alignment, bold, feeds, native QR, cut). Two things are done here instead:

- Raster images: ``Dummy.image()`` passes every image through ``EscposImage`` (RGBA -> L ->
  invert -> 1), about 12 ms for a receipt-sized image on a kiosk CPU. Our canvas is already
  1-bit ink, so ``GS v 0`` is written directly from its bytes (``raster.write_raster``).
- Chinese text in native mode: ``Dummy.text()`` sends chunks of only full-width punctuation
  through the code-page path (garbage on paper) and never sends ``FS &``; native.py writes
  GB18030 bytes itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from escpos.printer import Dummy

from .model import ReceiptDocument
from .native import write_native
from .profiles import ChineseMode, PaperProfile, check_chinese_mode, find_cjk_font, get_profile
from .raster import RasterLayout, write_raster

CutMode = Literal["full", "partial"]


class ReceiptEncoder:
    """Renders documents for one printer: paper profile, Chinese mode and font.

    The font is found (and a missing one reported as DeviceError) when the encoder is
    built, so a misconfigured printer fails at start-up, not at the first receipt.
    """

    def __init__(
        self,
        profile: PaperProfile | str = "80mm",
        chinese: ChineseMode | str = "raster",
        font: str | Path | None = None,
        cut: CutMode = "full",
    ) -> None:
        self.profile = get_profile(profile)
        self.chinese = check_chinese_mode(chinese)
        if cut not in ("full", "partial"):
            raise ValueError(f"unknown cut mode {cut!r} (known: full, partial)")
        self.cut: CutMode = cut
        # Native mode needs no font; raster mode cannot work without one.
        self.raster = (
            RasterLayout(self.profile, find_cjk_font(font)) if self.chinese == "raster" else None
        )

    def render(self, document: ReceiptDocument) -> bytes:
        out = Dummy()
        out.hw("INIT")                                  # ESC @: forget any earlier modes
        if self.raster is not None:
            for image, feed in self.raster.sections(document):
                if image is not None:
                    write_raster(out, image)
                if feed:
                    out.print_and_feed(min(feed, 255))
        else:
            write_native(out, document, self.profile)
        # ESC d 6 (moves the last printed line past the cutter), then GS V 0 / GS V 1.
        out.cut(mode="FULL" if self.cut == "full" else "PART")
        return bytes(out.output)
