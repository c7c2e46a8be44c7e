"""预约办事 in words, without a window: every reason central gives (and every failure of the
flow) reads as plain Chinese that says what to do instead; the numbers come from the hall's
rules; the calendar's short labels and the slip line."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.central_api.booking import REFUSALS, HallRules
from kiosk.flows.appointment_rules import UNCONFIRMED
from screens.appointment import words

pytestmark = pytest.mark.ui

# What the citizen can do instead, one of these in every refusal.
INSTEAD = ("请选择", "请在", "请到", "请返回", "请点击", "可到", "请稍后", "拨打", "咨询", "或")


@pytest.mark.parametrize("code", [*REFUSALS, UNCONFIRMED, "central_unavailable", "invalid_response", "no_halls",
                                  "not_enrolled"])
def test_every_refusal_has_its_own_words_and_a_way_forward(code: str) -> None:
    text = words.refusal(code, HallRules(), "0356-12345", dt.date(2027, 1, 5))
    assert text != words.refusal("something_new"), code
    assert any(way in text for way in INSTEAD), (code, text)
    assert not any(c.isascii() and c.isalpha() for c in text), text     # no codes shown


@pytest.mark.parametrize(("code", "text"), [
    ("full", "该时段已约满，请选择其他时段"),
    ("calendar_unknown", "该日期的节假日安排尚未公布，请选择其他日期或拨打大厅电话0356-12345预约"),
    ("suspended", "因多次预约后未到，您在本大厅的预约已暂停至2027年1月5日。暂停期间可到大厅现场取号办理"),
])
def test_the_words_of_some_refusals(code: str, text: str) -> None:
    assert words.refusal(code, HallRules(), "0356-12345", dt.date(2027, 1, 5)) == text


def test_the_numbers_are_the_halls_rules() -> None:
    rules = HallRules(min_advance_hours=48, max_workdays_ahead=5, cancel_before_minutes=90)
    assert "至少提前48小时" in words.refusal("too_soon", rules)
    assert "5个工作日以内" in words.refusal("too_far", rules)
    assert "开始前1小时30分钟" in words.refusal("too_late", rules)
    assert words.cancel_rule(HallRules()) == "可在预约时段开始前2小时取消"


def test_calendar_and_slot_labels() -> None:
    assert words.day_cell(dt.date(2026, 12, 8), first=False) == "8日"
    assert words.day_cell(dt.date(2027, 1, 1), first=False) == "1月1日"
    assert words.day_cell(dt.date(2026, 12, 8), first=True) == "12月8日"
    assert words.day_kind("holiday", "元旦", ()) == "元旦"
    assert words.day_kind("holiday", "国庆节", ("wuxiu",)) == "国庆节·无休"
    assert words.day_kind("weekend", None, ("wuxiu",)) == "无休服务"
    assert words.day_kind("make_up_workday", "春节调休", ("regular",)) == "调休上班"
    for reason, label in (("too_soon", "时间太近"), ("too_far", "暂未开放"), ("full", "已约满"),
                          ("calendar_unknown", "安排未公布"), ("closed", "不办理")):
        assert words.short_reason(reason) == label and len(label) <= 5
    assert words.places(3) == "余3个" and words.places(0) == "已约满"
    assert words.slot_group("cuoshi", "12:00") == "午间错时服务"
    assert words.slot_group("cuoshi", "17:30") == "傍晚错时服务"
    assert words.slot_group("regular", "13:30") == "下午"


def test_the_slip_line_says_the_booking_stands_when_it_could_not_print() -> None:
    line = words.slip_line("failed", "paper_out")
    assert line.startswith("预约凭条未能打印（打印机缺纸）") and "预约已成功" in line and "我的预约" in line
    assert words.slip_line("printed", "") == "预约凭条已打印，请在出纸口取走"
