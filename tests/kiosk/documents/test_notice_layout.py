"""一次性告知单: everything of the catalogue item is printed, nothing is left out."""

from __future__ import annotations

from document_samples import (
    LONG_LATIN,
    LONG_NAME,
    SUBMITTED,
    make_item,
    pairs,
    printed_text,
    qr_codes,
    thirty_materials,
)

from drivers.receipt.model import Pair, Text
from kiosk.printing.documents.receipts import notice


def test_notice_carries_the_items_identity_time_limits_fees_and_contacts() -> None:
    item = make_item()
    doc = notice(item)

    assert doc.kind == "notice" and doc.number == item.code
    fields = pairs(doc)
    assert fields["事项编码"] == item.code
    assert fields["实施部门"] == "晋城市社会保险中心"
    assert fields["办理方式"] == "全程网办、异地代收代办"
    assert fields["一证通办"].startswith("是")
    assert fields["法定办结时限"] == "20个工作日"
    assert fields["承诺办结时限"] == "1个工作日"
    assert fields["收费标准"] == "不收费"
    assert fields["到现场次数"].startswith("0次")
    assert fields["办理地点"] == "晋城市政务服务中心二楼社保窗口"
    assert fields["咨询电话"] == "0356-2196101"
    assert fields["办理地区"] == "晋城市（140500）"
    text = printed_text(doc)
    assert "一次性告知单" in text and item.name in text
    assert qr_codes(doc) == []


def test_notice_lists_every_condition_in_order() -> None:
    text = printed_text(notice(make_item()))

    first = text.index("1. 年满16周岁（不含在校学生）")
    second = text.index("2. 非国家机关、事业单位工作人员，且未参加职工基本养老保险")
    assert first < second


def test_notice_says_how_each_material_is_provided() -> None:
    doc = notice(make_item())
    lines = [b for b in doc.blocks if isinstance(b, Text | Pair)]
    text = printed_text(doc)

    assert "二、申请材料（共3项）" in text
    assert "1. 居民户口簿（必需）" in text
    assert "3. 银行卡复印件（非必需）" in text
    ways = [b.value for b in lines if isinstance(b, Pair) and b.label == "提交方式"]
    assert ways == ["电子证照，免提交", "部门共享数据，免提交", "纸质材料，请携带或在自助终端扫描提交"]
    assert "用于养老金发放，可在终端扫描" in text


def test_notice_with_thirty_materials_omits_none() -> None:
    materials = thirty_materials()
    doc = notice(make_item(materials=materials))
    text = printed_text(doc)

    assert "二、申请材料（共30项）" in text
    for n, material in enumerate(materials, 1):
        need = "必需" if material["required"] else "非必需"
        assert f"{n}. {material['name']}（{need}）" in text
        if material["note"]:
            assert material["note"] in text
    ways = [b for b in doc.blocks if isinstance(b, Pair) and b.label == "提交方式"]
    assert len(ways) == 30


def test_notice_lists_the_form_fields_a_citizen_fills_in_with_their_choices() -> None:
    text = printed_text(notice(make_item()))

    assert "1. 联系电话（必填，手机或固定电话）" in text
    assert "2. 缴费档次（必填，可选：200元、300元、500元）" in text


def test_notice_of_an_item_handled_elsewhere_says_it_is_collected_here() -> None:
    item = make_item(handling_region_code="410800", region_code="410800", region_name="焦作市")

    here = printed_text(notice(item, terminal_region_code="410800"))
    away = notice(item, terminal_region_code="140500")

    assert "异地办理" not in here
    assert "本事项为异地办理" in printed_text(away)
    assert pairs(away)["办理地区"] == "焦作市（410800）"


def test_notice_names_a_handling_region_by_code_when_it_is_not_the_items_own() -> None:
    doc = notice(make_item(handling_region_code="140525"))
    assert pairs(doc)["办理地区"] == "行政区划代码 140525"


def test_notice_of_a_bare_item_still_answers_every_question() -> None:
    item = make_item(conditions=[], materials=[], fields=[], modes=[], fee="", phone="",
                     where_to_go="", promised_days=0, visits=1, one_id=False,
                     applicant_kind="company")
    doc = notice(item, printed_at=SUBMITTED)
    fields = pairs(doc)
    text = printed_text(doc)

    assert "无特别条件。" in text and "无需提交材料。" in text
    assert "三、需填写的信息" not in text
    assert fields["办理方式"] == "窗口办理"
    assert fields["收费标准"] == "不收费"
    assert fields["承诺办结时限"] == "即办"
    assert fields["到现场次数"] == "最多1次"
    assert fields["咨询电话"].startswith("12345")
    assert fields["一证通办"] == "否"
    assert fields["服务对象"] == "法人（企业）"
    assert "办理地点" not in fields          # one visit, but the catalogue names no place
    assert fields["打印时间"] == "2026-11-23 09:30"


def test_notice_with_extreme_names_keeps_them_whole() -> None:
    doc = notice(make_item(name=LONG_NAME, department=LONG_LATIN, fee="按" + LONG_LATIN,
                           conditions=[LONG_NAME] * 10))
    text = printed_text(doc)

    assert LONG_NAME in text
    assert pairs(doc)["实施部门"] == LONG_LATIN
    assert text.count(LONG_NAME) == 11
