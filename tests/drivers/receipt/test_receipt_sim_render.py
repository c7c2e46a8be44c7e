"""What the simulated print head puts on paper, checked by reading the picture back."""

from __future__ import annotations

from pathlib import Path

import pytest
import qrcode
import zxingcpp
from escpos.printer import Dummy
from PIL import Image, ImageOps

from drivers.receipt.sim_parser import EscPosParser
from drivers.receipt.sim_render import Page, ReceiptRenderer


def render(data: bytes, width: int = 576) -> Page:
    renderer = ReceiptRenderer(width)
    for item in EscPosParser().feed(data):
        renderer.apply(item)
    return renderer.take_page()


def decoded(image: Image.Image) -> list[str]:
    # The PNG is the printable area; paper margins give a code its quiet zone.
    padded = ImageOps.expand(image.convert("L"), border=24, fill=255)
    return [result.text for result in zxingcpp.read_barcodes(padded)]


def ink_box(image: Image.Image) -> tuple[int, int, int, int]:
    box = ImageOps.invert(image.convert("L")).getbbox()
    assert box is not None, "nothing printed"
    return box


def job() -> Dummy:
    printer = Dummy()
    printer.hw("INIT")
    return printer


def qr_picture(content: str) -> Image.Image:
    return qrcode.make(content, box_size=4, border=2).get_image().convert("RGB")


def test_chinese_text_from_chinese_mode_and_from_python_escpos_prints_as_glyphs(
    artifacts_dir: Path,
) -> None:
    printer = job()
    printer.textln("办件编号 2024-0001")  # python-escpos: raw GB18030, no FS &
    printer._raw(b"\x1c&" + "申请人：张*".encode("gb18030") + b"\n")
    printer.set(align="center", double_width=True, double_height=True, bold=True)
    printer.textln("政务服务")
    page = render(bytes(printer.output))
    page.image.save(artifacts_dir / "receipt-sim-chinese.png")
    assert page.lines == ["办件编号 2024-0001", "申请人：张*", "政务服务"]
    # Glyphs, not boxes: two different ideographs give two different pictures.
    zhong, guo = (render(f"\x1b@{ch}\n".encode("gb18030")).image for ch in "中国")
    assert zhong.tobytes() != guo.tobytes()
    assert ink_box(zhong)[2] <= 24  # one full-width cell of font A


def test_native_qr_prints_at_its_module_size_and_decodes() -> None:
    printer = job()
    printer.qr("https://gov.example/track?no=2024-0001", native=True, size=6)
    page = render(bytes(printer.output))
    assert decoded(page.image) == ["https://gov.example/track?no=2024-0001"]
    left, top, right, bottom = ink_box(page.image)
    assert (right - left) % 6 == 0 and (right - left) // 6 in range(21, 60, 4)
    assert page.qr_codes == ["https://gov.example/track?no=2024-0001"]


def test_qr_sent_as_an_image_decodes() -> None:
    printer = job()
    printer.qr("非原生二维码 image QR", native=False, size=5)
    assert decoded(render(bytes(printer.output)).image) == ["非原生二维码 image QR"]


@pytest.mark.parametrize("impl", ["bitImageRaster", "graphics", "bitImageColumn"])
def test_every_python_escpos_image_command_prints_the_picture(impl: str) -> None:
    printer = job()
    printer.image(qr_picture(f"image via {impl}"), impl=impl)
    assert decoded(render(bytes(printer.output)).image) == [f"image via {impl}"]


def test_centred_image_sits_in_the_middle_of_the_paper() -> None:
    printer = job()
    printer.set(align="center")
    printer.image(qr_picture("centre"))
    left, _, right, _ = ink_box(render(bytes(printer.output)).image)
    assert abs((left + right) / 2 - 288) <= 2


def test_bold_and_double_size_text_look_bold_and_double() -> None:
    def line(**style: bool) -> Image.Image:
        printer = job()
        printer.set(**style)
        printer.textln("ABC 通办")
        return render(bytes(printer.output)).image

    normal, bold, double = line(), line(bold=True), line(double_width=True, double_height=True)
    ink = [ImageOps.invert(img.convert("L")).histogram()[255] for img in (normal, bold)]
    assert ink[1] > ink[0] * 1.2
    n_box, d_box = ink_box(normal), ink_box(double)
    assert d_box[2] - d_box[0] == pytest.approx(2 * (n_box[2] - n_box[0]), abs=4)
    assert d_box[3] - d_box[1] == pytest.approx(2 * (n_box[3] - n_box[1]), abs=4)


def test_text_wraps_at_the_paper_width() -> None:
    printer = job()
    printer.textln("x" * 40)
    assert len(render(bytes(printer.output), width=384).lines) == 2  # 32 columns on 58 mm
    assert len(render(bytes(printer.output), width=576).lines) == 1  # 48 columns on 80 mm


def test_code128_barcode_decodes_with_its_text_under_it() -> None:
    printer = job()
    printer.barcode("{BNO-2024-0001", "CODE128", function_type="B")
    page = render(bytes(printer.output))
    assert decoded(page.image) == ["NO-2024-0001"]
    assert page.barcodes == ["NO-2024-0001"]


def test_feeds_move_the_paper_by_lines_and_dots() -> None:
    assert render(b"\x1b@\x1bd\x03").image.height == 3 * 30
    assert render(b"\x1b@\x1bJ\x50").image.height == 0x50
    assert render(b"\x1b@\x1b3\x40A\n").image.height == 0x40


def graphics_store(width: int, rows: int, sx: int = 1, sy: int = 1) -> bytes:
    body = bytes([0x30, 112, 48, sx, sy, 49]) + width.to_bytes(2, "little") + rows.to_bytes(2, "little")
    body += bytes((width + 7) // 8 * rows)
    return b"\x1d(L" + len(body).to_bytes(2, "little") + body + b"\x1d(L\x02\x00\x30\x32"


@pytest.mark.parametrize(
    "command",
    [
        b"\x1dv0\x00\x00\x00\x05\x00",          # GS v 0: no width
        b"\x1dv0\x03\x00\x00\x05\x00",          # ... doubled (PIL cannot resize 0 x 5)
        b"\x1dv0\x03\x02\x00\x00\x00",          # no height, doubled
        graphics_store(0, 5, 2, 2),             # GS ( L store + print: no width
        graphics_store(16, 0, 2, 2),            # ... no height
        b"\x1b*\x00\x00\x00",                   # ESC *: no columns, single density
        b"\x1b*\x21\x00\x00",                   # ... 24-dot double density
    ],
)
def test_an_empty_image_prints_nothing_and_raises_nothing(command: bytes) -> None:
    # issue 10: a zero-width or zero-height raster raised ValueError in the simulator.
    before = render(b"\x1b@A\n")
    page = render(b"\x1b@A" + command + b"\n")
    assert page.lines == ["A"]
    assert page.image.size == before.image.size
    assert page.image.tobytes() == before.image.tobytes()


def test_the_printed_page_is_the_same_however_the_bytes_were_split() -> None:
    # issue 10: the simulator is the reference other tests trust; how the bytes arrived
    # in reads must not change the paper.
    data = (b"\x1b@" + "办件".encode("gb18030") + "中".encode("gb18030")[:1] + b"\n"
            + "国".encode("gb18030")[:1] + b"\x07" + "国".encode("gb18030")[1:] + b"\x1b!\x30"
            + "张三".encode("gb18030") + b"\x81\x30\x1dv0\x00\x01\x00\x02\x00\xf0\x0f\n")
    whole = render(data)
    for cut in range(len(data) + 1):
        renderer = ReceiptRenderer(576)
        parser = EscPosParser()
        for item in parser.feed(data[:cut]) + parser.feed(data[cut:]):
            renderer.apply(item)
        page = renderer.take_page()
        assert page.lines == whole.lines, cut
        assert page.image.tobytes() == whole.image.tobytes(), cut
