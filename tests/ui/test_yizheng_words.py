"""The 一证通办 words and key handling, without a window: stable codes in, plain Chinese out."""

from __future__ import annotations

import pytest

from screens import words
from screens.common.keyboard import BACK, CLEAR, LAYOUTS, USCC_LETTERS, edit
from screens.yizheng import words as yz_words

pytestmark = pytest.mark.ui


@pytest.mark.parametrize(
    ("code", "kind", "text"),
    [
        ("required", "text", "此项必须填写"),
        ("too_short:16", "number", "至少需要填写16位"),
        ("too_short:2", "text", "至少需要填写2个字"),
        ("too_long:60", "text", "最多只能填写60个字"),
        ("below_min:1", "number", "不能小于1"),
        ("above_max:5", "number", "不能大于5"),
        ("invalid_phone", "phone", "请填写11位手机号码，或带区号的固定电话（如 0356-1234567）"),
        ("invalid_id_number", "id_number", "身份证号码校验未通过，请核对"),
        ("invalid_uscc", "uscc", "统一社会信用代码校验未通过，请核对"),
        ("not_a_number", "number", "只能填写数字"),
        ("something_new", "text", "填写内容有误，请核对"),
    ],
)
def test_field_errors_read_as_sentences(code: str, kind: str, text: str) -> None:
    assert yz_words.field_error(code, kind) == text


def test_codes_never_reach_the_screen() -> None:
    for say in (yz_words.company_error, yz_words.flow_error, yz_words.refused):
        assert "unknown_code" not in say("unknown_code") and say("unknown_code")
    assert words.service_reason("central_not_enrolled") == "本机未接入政务服务平台"
    assert yz_words.company_error("not_representative").startswith("您不是该企业登记的法定代表人")


def test_item_tags() -> None:
    assert [yz_words.scope_tag(s) for s in ("跨省", "全省", "市域")] == ["跨省通办", "全省通办", "市域通办"]
    assert (yz_words.visits_tag(0), yz_words.visits_tag(1)) == ("零跑动", "最多跑一次")
    assert yz_words.promised_days(1) == "承诺1个工作日办结" and yz_words.promised_days(0) == "当场办结"


def test_a_date_gets_its_dashes_by_itself() -> None:
    value = ""
    for key in "20261201":
        value = edit(value, key, "date")
    assert value == "2026-12-01"
    assert edit(value, "9", "date") == "2026-12-01"      # full
    assert edit(value, BACK, "date") == "2026-12-0"
    assert edit("2026-1", BACK, "date") == "2026"


def test_keys_respect_the_field() -> None:
    assert edit("1" * 18, "2", "uscc") == "1" * 18
    assert edit("11010119900307123", "X", "id_number") == "11010119900307123X"
    assert edit("北京市东城区", BACK, "text") == "北京市东城区"[:-1]
    assert edit("北京市", CLEAR, "text") == ""
    uscc_keys = {key for row in LAYOUTS["uscc"] for key, _ in row if len(key) == 1 and key.isalnum()}
    assert uscc_keys == set("0123456789" + USCC_LETTERS)
    assert not set("IOZSV") & uscc_keys
    assert "X" in {key for row in LAYOUTS["id_number"] for key, _ in row}
    assert "X" not in {key for row in LAYOUTS["number"] for key, _ in row}


def test_an_item_row_names_how_it_is_handled_here() -> None:
    from kiosk.flows.yizheng_views import ItemView
    from screens.yizheng.items import item_tags

    view = ItemView(code="X", name="住房公积金提取（异地购房）", department="焦作市住房公积金管理中心",
                    scope="跨省", modes=("异地代收代办",), visits=0, promised_days=3,
                    applicant_kind="person", eligible=True)
    assert item_tags(view, "异地代收")[0] == ("异地代收", "notice")
    assert item_tags(view, "多地联办")[0] == ("多地联办", "notice")
    assert [t for t, _ in item_tags(view, "全程网办")] == ["跨省通办", "零跑动", "承诺3个工作日办结"]
