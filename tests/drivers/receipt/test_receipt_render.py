"""ReceiptDocument -> ESC/POS bytes: what reaches the paper, read back from the bytes.

Raster receipts are parsed back from their GS v 0 commands into an image, and the QR code
on it is decoded with zxing-cpp. Native receipts are read back as GB18030 text lines.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageOps

from drivers import fonts
from drivers.errors import DeviceError
from drivers.linebreak import gb18030_columns
from drivers.receipt.encode import ReceiptEncoder
from drivers.receipt.model import Feed, Pair, QrCode, ReceiptDocument, Rule, Text
from drivers.receipt.profiles import PROFILES, find_cjk_font
from drivers.receipt.stream import iter_commands

TRACK_URL = "https://zwfw.beijing.gov.cn/track?no=BJ2024000123"


def receipt(qr_data: str = TRACK_URL) -> ReceiptDocument:
    """A typical application receipt: ~25 printed lines and a QR code."""
    return ReceiptDocument("application_receipt", "BJ2024000123", (
        Text("北京市政务服务中心", align="center", bold=True, scale=2),
        Text("办件受理回执", align="center", bold=True),
        Rule("solid"),
        Pair("办件编号", "BJ-2024-000123", bold=True),
        Pair("事项名称", "居住证签注（延期）及相关材料的补充提交，请按时领取。"),
        Pair("申请人", "张*"),
        Pair("证件号码", "1101**********123X"),
        Pair("提交时间", "2024-05-06 14:32:10"),
        Pair("承诺时限", "5个工作日"),
        Rule(),
        Text("请妥善保管本回执。您可以通过“北京通”APP或登录 https://zwfw.beijing.gov.cn 查询"
             "办理进度，也可以拨打12345热线咨询。"),
        Text("办理结果将以短信方式通知，请保持手机畅通；如需邮寄，请在领取前联系窗口工作人员。"),
        Feed(1),
        QrCode(qr_data, caption="扫码查询办理进度"),
        Rule(),
        Text("打印时间：2024-05-06 14:32:15", align="right"),
        Text("感谢您的使用！", align="center"),
    ))


def raster_image(data: bytes, paper_dots: int) -> Image.Image:
    """All GS v 0 images of ``data`` stacked on paper ``paper_dots`` wide, black ink on white
    (what the paper shows; the driver sends each band only as wide as its ink)."""
    slices: list[Image.Image] = []
    for command in iter_commands(data):
        chunk = data[command.start:command.end]
        if chunk[:3] == b"\x1dv0":
            width_bytes = chunk[4] | chunk[5] << 8
            rows = chunk[6] | chunk[7] << 8
            assert len(chunk) == 8 + width_bytes * rows
            slices.append(Image.frombytes("1", (width_bytes * 8, rows), chunk[8:]))
    assert slices, "no raster image in the output"
    assert max(s.width for s in slices) <= paper_dots
    page = Image.new("1", (paper_dots, sum(s.height for s in slices)), 0)
    top = 0
    for piece in slices:
        page.paste(piece, (0, top))
        top += piece.height
    return ImageOps.invert(page.convert("L"))


def native_lines(data: bytes) -> list[tuple[str, int]]:
    """(text, character scale) of every text line of a native receipt."""
    lines: list[tuple[str, int]] = []
    current, scale = b"", 1
    for command in iter_commands(data):
        chunk = data[command.start:command.end]
        if chunk[:2] == b"\x1d!":
            scale = (chunk[2] >> 4) + 1
        elif chunk == b"\n":
            lines.append((current.decode("gb18030"), scale))
            current = b""
        elif command.prefix == 0 and chunk[0] >= 0x20:
            current += chunk
    return lines


@pytest.fixture(scope="module")
def encoders() -> dict[tuple[str, str], ReceiptEncoder]:
    return {(p, m): ReceiptEncoder(p, m) for p in PROFILES for m in ("raster", "gb18030")}


@pytest.mark.parametrize("profile", ["58mm", "80mm"])
@pytest.mark.parametrize("mode", ["raster", "gb18030"])
def test_a_receipt_starts_with_init_and_ends_with_feed_and_cut(
    encoders: dict[tuple[str, str], ReceiptEncoder], profile: str, mode: str
) -> None:
    data = encoders[profile, mode].render(receipt())
    assert data.startswith(b"\x1b@")
    assert data.endswith(b"\x1bd\x06\x1dV\x00")
    assert all(command.complete for command in iter_commands(data))


def test_a_partial_cut_can_be_chosen() -> None:
    data = ReceiptEncoder("80mm", "gb18030", cut="partial").render(receipt())
    assert data.endswith(b"\x1dV\x01")


@pytest.mark.parametrize("profile", ["58mm", "80mm"])
def test_raster_receipt_fits_the_paper_and_its_qr_code_decodes(
    encoders: dict[tuple[str, str], ReceiptEncoder], profile: str, tmp_path: Path
) -> None:
    data = encoders[profile, "raster"].render(receipt())
    image = raster_image(data, PROFILES[profile].dots)     # no band wider than the paper
    image.save(tmp_path / f"receipt-{profile}.png")
    codes = zxingcpp.read_barcodes(image)
    assert [code.text for code in codes] == [TRACK_URL]
    # It is all dots: no text, no Chinese mode, whatever character sets the printer has.
    assert {data[c.start] for c in iter_commands(data)} == {0x1B, 0x1D}


def test_raster_qr_code_is_centred(encoders: dict[tuple[str, str], ReceiptEncoder]) -> None:
    document = ReceiptDocument("test_page", "1", (QrCode("centred?", module_dots=6),))
    image = raster_image(encoders["80mm", "raster"].render(document), 576)
    left, _top, right, _bottom = ImageOps.invert(image).getbbox() or (0, 0, 0, 0)
    assert abs(left - (image.width - right)) <= 1


def test_raster_qr_code_too_big_for_the_paper_is_shrunk_and_still_decodes(
    encoders: dict[tuple[str, str], ReceiptEncoder],
) -> None:
    payload = "https://zwfw.example.gov.cn/track?" + "n=0123456789&" * 12
    document = ReceiptDocument("test_page", "1", (QrCode(payload, module_dots=12),))
    image = raster_image(encoders["58mm", "raster"].render(document), 384)
    assert image.width == 384
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [payload]


def test_raster_text_is_drawn_where_the_layout_says(
    encoders: dict[tuple[str, str], ReceiptEncoder],
) -> None:
    left = ReceiptDocument("t", "1", (Text("左"),))
    right = ReceiptDocument("t", "1", (Text("右", align="right"),))
    box_left = ImageOps.invert(raster_image(encoders["80mm", "raster"].render(left), 576)).getbbox()
    box_right = ImageOps.invert(raster_image(encoders["80mm", "raster"].render(right), 576)).getbbox()
    assert box_left is not None and box_left[0] < 4
    assert box_right is not None and box_right[2] > 576 - 4


@pytest.mark.parametrize("profile", ["58mm", "80mm"])
def test_native_receipt_lines_fit_the_columns_and_read_back(
    encoders: dict[tuple[str, str], ReceiptEncoder], profile: str
) -> None:
    data = encoders[profile, "gb18030"].render(receipt())
    assert data.index(b"\x1c&") < 4                    # FS & right after ESC @
    lines = native_lines(data)
    columns = PROFILES[profile].columns
    assert all(gb18030_columns(text) <= columns // scale for text, scale in lines)
    texts = [text for text, _ in lines]
    assert any(text.startswith("办件编号：BJ-2024-000123") for text in texts)
    assert "扫码查询办理进度" in texts
    # Pair values wrap under themselves: continuation lines start with the label's width.
    item = next(i for i, text in enumerate(texts) if text.startswith("事项名称："))
    assert texts[item + 1].startswith(" " * gb18030_columns("事项名称："))


def test_native_full_width_punctuation_is_sent_as_gb18030_not_a_code_page(
    encoders: dict[tuple[str, str], ReceiptEncoder],
) -> None:
    data = encoders["80mm", "gb18030"].render(ReceiptDocument("t", "1", (Text("，。￥"),)))
    assert "，。￥".encode("gb18030") + b"\n" in data
    assert b"\x1bt" not in data                        # never a code-page switch


def test_native_qr_code_is_printed_by_the_printer(
    encoders: dict[tuple[str, str], ReceiptEncoder],
) -> None:
    data = encoders["80mm", "gb18030"].render(receipt())
    assert b"\x1d(k" in data and TRACK_URL.encode() in data
    assert b"\x1dv0" in data                           # the solid rule is two dot rows


def test_native_double_size_uses_gs_excl_so_chinese_grows_too(
    encoders: dict[tuple[str, str], ReceiptEncoder],
) -> None:
    data = encoders["58mm", "gb18030"].render(
        ReceiptDocument("t", "1", (Text("北京市政务服务中心", scale=2),))
    )
    assert native_lines(data) == [("北京市政务服务中", 2), ("心", 2)]


def test_a_missing_font_file_is_a_clear_device_error(tmp_path: Path) -> None:
    with pytest.raises(DeviceError, match="does not exist"):
        ReceiptEncoder("80mm", "raster", font=tmp_path / "none.ttf")


def test_no_cjk_font_on_the_system_is_a_device_error_naming_the_packages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fonts, "fontconfig_match", lambda: None)
    monkeypatch.setattr(fonts, "KNOWN_FONTS", ())
    with pytest.raises(DeviceError, match="fonts-wqy-microhei"):
        ReceiptEncoder("80mm", "raster")


def test_native_mode_needs_no_font(tmp_path: Path) -> None:
    ReceiptEncoder("80mm", "gb18030", font=tmp_path / "none.ttf")   # the font is not used


def test_the_system_cjk_font_is_found_and_its_chinese_face_chosen() -> None:
    font = find_cjk_font()
    assert font.path.is_file()
    assert find_cjk_font(font.path) == font


def test_unknown_profile_or_mode_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="76mm"):
        ReceiptEncoder("76mm")
    with pytest.raises(ValueError, match="big5"):
        ReceiptEncoder("80mm", "big5")


def test_a_typical_raster_receipt_renders_in_well_under_20_ms(
    encoders: dict[tuple[str, str], ReceiptEncoder],
) -> None:
    encoder = encoders["80mm", "raster"]
    encoder.render(receipt())                 # the glyph cache warms up once per printer
    times = []
    for i in range(15):
        document = receipt(f"{TRACK_URL}-{i}")  # a new QR code each time, as in service
        # CPU time of this thread: other processes on a shared test machine do not count.
        started = time.thread_time()
        encoder.render(document)
        times.append(time.thread_time() - started)
    assert statistics.median(times) < 0.020
