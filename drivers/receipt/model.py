"""What a receipt is made of, before it becomes ESC/POS bytes.

Layouts (kiosk/printing/documents) build a ``ReceiptDocument`` of blocks; the printer driver turns it
into bytes for its profile (paper width, native GB18030 text or raster), wrapping every
paragraph at the paper width. Blocks carry text, never bytes, so one layout prints on any
printer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Text:
    """A paragraph, wrapped at the paper width (Chinese may break between any two
    characters; Latin words and numbers are kept whole when they fit on a line)."""

    text: str
    align: Align = "left"
    bold: bool = False
    scale: Literal[1, 2] = 1      # 2 = double width and height (titles, queue numbers)


@dataclass(frozen=True)
class Pair:
    """``label``: ``value``. The value wraps under itself (hanging indent after the label)."""

    label: str
    value: str
    bold: bool = False


@dataclass(frozen=True)
class Rule:
    """A full-width separator line."""

    style: Literal["solid", "dashed"] = "dashed"


@dataclass(frozen=True)
class QrCode:
    """A QR code, centred; ``caption`` (optional) is printed under it, centred and wrapped."""

    data: str
    module_dots: int = 6          # size of one module in printer dots (203 dpi: 6 = 0.75 mm)
    caption: str = ""


@dataclass(frozen=True)
class Feed:
    lines: int = 1


Block = Text | Pair | Rule | QrCode | Feed


@dataclass(frozen=True)
class ReceiptDocument:
    """One receipt: printed, then cut once at the end."""

    kind: str                     # application_receipt | queue_ticket | notice | test_page ...
    number: str                   # the document's number (办件编号, ticket number ...) for the print log
    blocks: tuple[Block, ...] = field(default_factory=tuple)
