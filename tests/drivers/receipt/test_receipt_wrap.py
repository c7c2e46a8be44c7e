"""Line breaking: Chinese anywhere, Latin words whole, no closing punctuation at a line
start, in display columns (native GB18030) and in rendered pixels (raster), 58 and 80 mm."""

from __future__ import annotations

import pytest

from drivers.linebreak import CLOSING, OPENING, gb18030_columns, wrap
from drivers.receipt.profiles import PROFILES, find_cjk_font
from drivers.receipt.raster import RasterLayout

SAMPLES = [
    "请妥善保管本回执。您可以通过“北京通”APP或登录 https://zwfw.beijing.gov.cn/track?no=BJ2024000123 "
    "查询办理进度，也可以拨打12345热线咨询。",
    "办理结果将以短信方式通知，请保持手机畅通；如需邮寄，请在领取前联系窗口工作人员（工作日9:00-17:00）。",
    "居住证签注（延期）及相关材料的补充提交，请于2024年5月13日前到《不动产登记中心》领取。",
    "Your application BJ-2024-000123 was accepted on 2024-05-06 at 14:32, thank you!",
    "一二三四五六七八九十，。、；：？！一二三四五六七八九十」』）》abc，def。",
    "，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，",
]


def _columns_wrap(text: str, width: int) -> list[str]:
    return wrap(text, width, gb18030_columns)


def _without_break_spaces(lines: list[str]) -> str:
    return "".join(line.replace(" ", "") for line in lines)


# -- the rules, in display columns ---------------------------------------------------------


def test_chinese_breaks_between_any_two_characters() -> None:
    assert _columns_wrap("中华人民共和国成立", 8) == ["中华人民", "共和国成", "立"]


def test_latin_words_and_numbers_move_down_whole_when_they_fit() -> None:
    lines = _columns_wrap("编号BJ-2024-000123已受理", 16)
    assert lines == ["编号", "BJ-2024-000123已", "受理"]


def test_a_word_longer_than_a_line_is_broken_at_the_line_end() -> None:
    lines = _columns_wrap("网址https://zwfw.example.gov.cn/track", 12)
    assert all(gb18030_columns(line) <= 12 for line in lines)
    assert lines[0] == "网址https://"
    assert "".join(lines) == "网址https://zwfw.example.gov.cn/track"


def test_closing_punctuation_never_starts_a_line_the_character_before_moves_down() -> None:
    # Four characters fill 8 columns; the comma would start line two: "一" moves with it.
    assert _columns_wrap("我们在一，起", 8) == ["我们在", "一，起"]


def test_several_closing_marks_in_a_row_move_down_together() -> None:
    lines = _columns_wrap("他说：“好的。”」然后走了", 10)
    assert not any(line[:1] in CLOSING for line in lines)


def test_opening_punctuation_never_ends_a_line() -> None:
    lines = _columns_wrap("请前往一二《不动产登记中心》办理", 12)
    assert not any(line[-1:] in OPENING for line in lines)
    assert lines[0] == "请前往一二"


def test_spaces_at_a_break_vanish_and_explicit_newlines_are_kept() -> None:
    assert _columns_wrap("hello world again", 11) == ["hello world", "again"]
    assert _columns_wrap("第一行\n\n第三行", 20) == ["第一行", "", "第三行"]


def test_full_width_characters_count_two_columns_ascii_one() -> None:
    assert gb18030_columns("abc") == 3
    assert gb18030_columns("中文，") == 6
    assert gb18030_columns("“·”") == 6   # printed from the Chinese font on the printer


@pytest.mark.parametrize("profile", ["58mm", "80mm"])
@pytest.mark.parametrize("scale", [1, 2])
@pytest.mark.parametrize("text", SAMPLES)
def test_every_native_line_fits_and_no_text_is_lost(profile: str, scale: int, text: str) -> None:
    width = PROFILES[profile].columns // scale
    lines = _columns_wrap(text, width)
    assert all(gb18030_columns(line) <= width for line in lines)
    assert _without_break_spaces(lines) == text.replace(" ", "")
    assert not any(line[:1] in CLOSING for line in lines[1:] if line[:1] != "，")


def test_greedy_lines_are_as_full_as_the_rules_allow() -> None:
    lines = _columns_wrap(SAMPLES[1], 48)
    for line, following in zip(lines, lines[1:], strict=False):
        # Nothing from the next line would have fitted, unless it was moved on purpose.
        first = following[0]
        if first not in CLOSING and line[-1] not in OPENING:
            assert gb18030_columns(line + first) > 48 or first.isascii()


# -- rasters: the same rules measured in rendered pixels ---------------------------------


@pytest.fixture(scope="module")
def layouts() -> dict[str, RasterLayout]:
    font = find_cjk_font()
    return {name: RasterLayout(profile, font) for name, profile in PROFILES.items()}


@pytest.mark.parametrize("profile", ["58mm", "80mm"])
@pytest.mark.parametrize("scale", [1, 2])
@pytest.mark.parametrize("bold", [False, True])
@pytest.mark.parametrize("text", SAMPLES)
def test_every_raster_line_fits_the_paper_width_in_dots(
    layouts: dict[str, RasterLayout], profile: str, scale: int, bold: bool, text: str
) -> None:
    layout = layouts[profile]
    cache = layout.cache(scale)
    lines = layout.wrap_text(text, scale, bold=bold)
    assert all(cache.line_width(line, bold) <= layout.profile.dots for line in lines)
    assert _without_break_spaces(lines) == text.replace(" ", "")


def test_a_raster_line_holds_as_many_chinese_characters_as_the_printer_font(
    layouts: dict[str, RasterLayout],
) -> None:
    # 24-dot glyphs: 16 per line on 58 mm (384 dots), 24 on 80 mm (576 dots).
    text = "中" * 40
    assert [len(line) for line in layouts["58mm"].wrap_text(text)] == [16, 16, 8]
    assert [len(line) for line in layouts["80mm"].wrap_text(text)] == [24, 16]
    assert [len(line) for line in layouts["80mm"].wrap_text(text, scale=2)] == [12, 12, 12, 4]


def test_raster_wrapping_keeps_punctuation_rules(layouts: dict[str, RasterLayout]) -> None:
    text = "中" * 15 + "文，后面的内容"       # the comma falls right after a full 58 mm line
    lines = layouts["58mm"].wrap_text(text)
    assert lines[0] == "中" * 15
    assert lines[1].startswith("文，")
