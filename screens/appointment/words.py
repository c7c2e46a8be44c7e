"""预约办事 in words: every refusal central can give, with what to do instead; the days and
slots as the calendar labels them; the slip's state. The rules' numbers (24 小时, 7 个工作
日, 2 小时) come from the hall's rules, never written here. The session, date and cancel rule
texts are the slip's (kiosk/printing/documents/appointment_slip.py): screen and paper say
the same."""

from __future__ import annotations

import datetime as dt

from kiosk.central_api.booking import HallRules
from kiosk.flows.appointment_rules import UNCONFIRMED
from kiosk.printing.documents.appointment_slip import (
    SESSION_NAMES,
    WEEKDAYS,
    cancel_rule,
    day_text,
    duration_text,
    session_name,
    time_range,
)

from .. import printing_words as print_words

__all__ = ["SESSION_NAMES", "cancel_rule", "day_text", "session_name", "time_range"]

WEEKDAY_SHORT = ("一", "二", "三", "四", "五", "六", "日")
SESSION_TAGS = {"cuoshi": "错时", "wuxiu": "无休"}
KIND_NAMES = {"weekend": "周末", "make_up_workday": "调休上班", "unknown": ""}
STATUS_WORDS = {"booked": "已预约", "cancelled": "已取消", "checked_in": "已报到", "no_show": "未到"}

# A day's or a slot's short label in its cell, by why it cannot be booked.
SHORT_REASONS = {
    "too_soon": "时间太近",
    "too_far": "暂未开放",
    "closed": "不办理",
    "full": "已约满",
    "calendar_unknown": "安排未公布",
}

NO_ITEMS = "本大厅暂无可在自助终端预约的事项，请到窗口咨询"
NO_SLOTS = "这一天没有可预约的时段，请返回选择其他日期"
NO_MINE = "您没有今天及以后的预约"
MINE_HINT = "已预约的事项可在“我的预约”中查看或取消"
CALENDAR_HINT = "灰色日期不能预约，点击可查看原因"
SLOTS_HINT = "灰色时段不能预约，点击可查看原因"


def places(remaining: int) -> str:
    return f"余{remaining}个" if remaining > 0 else SHORT_REASONS["full"]


def short_reason(reason: str | None) -> str:
    return SHORT_REASONS.get(reason or "", "不可预约")


def refusal(code: str, rules: HallRules | None = None, phone: str = "",
            until: dt.date | None = None) -> str:
    """A refusal (or a failure) of the flow in plain words, with what to do instead."""
    rules = rules or HallRules()
    call = f"拨打大厅电话{phone}" if phone else "拨打大厅电话"
    words = {
        "too_soon": (f"预约需至少提前{rules.min_advance_hours}小时，该时间已来不及预约。"
                     "请选择更晚的日期或时段；今天要办理可到大厅现场取号"),
        "too_far": (f"只能预约{rules.max_workdays_ahead}个工作日以内的日期，该日期暂未开放预约。"
                    "请选择更近的日期，或过几天再来预约"),
        "closed": "大厅该日期或时段不办理此事项，请选择其他日期或时段",
        "full": "该时段已约满，请选择其他时段",
        "duplicate": "您当天已预约过这个事项，不能重复预约。请在“我的预约”中查看，或选择其他日期",
        "suspended": (f"因多次预约后未到，您在本大厅的预约已暂停{_until(until)}。"
                      "暂停期间可到大厅现场取号办理"),
        "calendar_unknown": f"该日期的节假日安排尚未公布，请选择其他日期或{call}预约",
        "invalid_id": "证件号码未通过校验，无法预约。请到窗口人工办理",
        "not_found": "未找到该事项或该预约，可能已调整。请返回重新选择，或咨询现场工作人员",
        "too_late": (f"已过取消时限（预约时段开始前{duration_text(rules.cancel_before_minutes)}），"
                     f"不能在本机取消。如有需要请咨询现场工作人员或{call}"),
        UNCONFIRMED: ("网络异常，预约结果尚未确认。请点击“确认预约”重试（不会重复预约），"
                      "或稍后在“我的预约”中查看"),
        "central_unavailable": "暂时无法连接政务服务平台，请稍后重试，或到窗口办理",
        "invalid_response": "政务服务平台返回的信息有误，请稍后重试，或到窗口办理",
        "no_halls": "本机所在网点暂未开通预约办事，请到政务服务大厅窗口咨询",
        "not_enrolled": "本机尚未接入政务服务平台，请到窗口办理",
        "central_not_enrolled": "本机尚未接入政务服务平台，请到窗口办理",
    }
    return words.get(code, "暂时无法办理预约，请稍后重试，或到窗口办理")


def _until(until: dt.date | None) -> str:
    return f"至{until.year}年{until.month}月{until.day}日" if until is not None else ""


def day_cell(day: dt.date, first: bool) -> str:
    """The date in a calendar cell: 8日, or 12月1日 on a month's first day and the first cell."""
    return f"{day.month}月{day.day}日" if first or day.day == 1 else f"{day.day}日"


def day_kind(kind: str, name: str | None, sessions: tuple[str, ...]) -> str:
    """The second line of a calendar cell: a holiday's name, 无休 on a rest day with a 无休
    session, 周末, 调休上班."""
    if kind == "holiday":
        return (name or "节假日") + ("·无休" if "wuxiu" in sessions else "")
    if "wuxiu" in sessions and kind in ("weekend", "holiday"):
        return "无休服务"
    return KIND_NAMES.get(kind, "")


def weekday(day: dt.date) -> str:
    return WEEKDAYS[day.weekday()]


def slot_group(session: str, start: str) -> str:
    """The heading a slot is listed under."""
    if session == "wuxiu":
        return "无休服务时段"
    if session == "cuoshi":
        return "午间错时服务" if start < "15:00" else "傍晚错时服务"
    return "上午" if start < "12:00" else "下午"


def slip_line(state: str, error: str) -> str:
    if state == "printing":
        return "正在打印预约凭条…"
    if state == "printed":
        return "预约凭条已打印，请在出纸口取走"
    if state == "failed":
        return (f"预约凭条未能打印（{print_words.print_failed(error).split('，')[0]}）。"
                "预约已成功，可在“我的预约”中查看")
    return ""
