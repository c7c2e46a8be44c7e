"""ESC/POS bytes into the receipt printer simulator (drivers/receipt/sim_parser.py and
sim_render.py): the reference other tests trust for what a receipt shows.

Input: the byte stream a print job sends. It is parsed whole and rendered onto paper; it is
also parsed in chunks split where the input says (the chunk size is 1 + the last byte mod
7): the items must not depend on how the bytes were split across reads (issue 10 section 2).

Documented errors: none. The simulator accepts any byte stream (garbled commands are
dropped, oversized ones skipped), so every exception is a crash.
"""

from __future__ import annotations

from collections.abc import Iterator

from escpos.printer import Dummy

from drivers.receipt.encode import ReceiptEncoder
from drivers.receipt.model import Feed, Pair, QrCode, ReceiptDocument, Rule, Text
from drivers.receipt.sim_parser import Command, EscPosParser, Item
from drivers.receipt.sim_parser import Text as TextItem
from drivers.receipt.sim_render import ReceiptRenderer

ALLOWED: tuple[type[BaseException], ...] = ()
INSTRUMENT = ("drivers.receipt",)


def _normal(items: list[Item]) -> list[tuple[str, bytes | str]]:
    """Commands as (name, params); adjacent text joined (a split read may cut a run)."""
    out: list[tuple[str, bytes | str]] = []
    for item in items:
        if isinstance(item, TextItem):
            if out and out[-1][0] == "text":
                out[-1] = ("text", str(out[-1][1]) + item.text)
            else:
                out.append(("text", item.text))
        elif isinstance(item, Command):
            out.append((item.name, item.params))
    return out


def TARGET(data: bytes) -> None:  # noqa: N802
    whole = EscPosParser()
    items = whole.feed(data)
    renderer = ReceiptRenderer(576)
    for item in items:
        renderer.apply(item)
    renderer.take_page()

    step = 1 + (data[-1] % 7 if data else 0)
    split = EscPosParser()
    pieces: list[Item] = []
    for at in range(0, len(data), step):
        pieces += split.feed(data[at:at + step])
    assert _normal(pieces) == _normal(items), "items depend on how the bytes were split"


def _document() -> ReceiptDocument:
    return ReceiptDocument("application_receipt", "JC2026000123", (
        Text("晋城市政务服务中心", align="center", bold=True, scale=2),
        Rule("solid"),
        Pair("办件编号", "JC-2026-000123", bold=True),
        Pair("申请人", "张*"),
        Text("请妥善保管本回执。"),
        Feed(1),
        QrCode("https://zwfw.example.gov.cn/v/ABC123", caption="扫码查询"),
    ))


def seeds() -> Iterator[tuple[str, bytes]]:
    yield "native-receipt", ReceiptEncoder("80mm", chinese="gb18030").render(_document())
    small = ReceiptDocument("test_page", "1", (Text("测试页 TEST"), QrCode("T", module_dots=3)))
    yield "raster-58mm", ReceiptEncoder("58mm", chinese="raster").render(small)
    job = Dummy()
    job.hw("INIT")
    job.set(align="center", bold=True, double_height=True)
    job.text("Receipt\n")
    job.text("Total 50.00\n")
    job.barcode("4006381333931", "EAN13")
    job.qr("TONGBAN-APP:14050020261123000042", native=True)
    job.cut()
    yield "escpos-dummy", job.output
    yield "status-queries", b"\x10\x04\x01\x10\x04\x04\x1dr\x01\x1dI\x01\x1b@"
