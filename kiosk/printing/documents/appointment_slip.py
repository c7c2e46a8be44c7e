"""预约凭条: the slip a citizen takes home after booking at the terminal.

It carries what they need on the day: the item, the hall and its address, the date and
time (with the 错时 / 无休 session named), the booker's masked name, the appointment number,
the signed QR code the terminal reads at check-in (verified offline: kiosk.identify.codes),
when to arrive and the cancel rule. The name comes from central already masked; the slip
never prints an ID number. Times are the hall's (central's date and "HH:MM" are the
hall's wall time; 打印时间 in the hall's ``zone``).

The words about sessions, dates and the cancel rule are here once: the screens
(screens/appointment/words.py) show the same ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from drivers.receipt.model import Block, Feed, Pair, QrCode, ReceiptDocument, Rule, Text
from kiosk import hall_time
from kiosk.central_api.booking import Appointment, Hall, HallRules

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
SESSION_NAMES = {"regular": "常规时段", "cuoshi": "错时服务", "wuxiu": "无休服务"}
QR_CAPTION = "到大厅后在一体机扫描此码报到"


def session_name(kind: str) -> str:
    return SESSION_NAMES.get(kind, "")


def day_text(day: dt.date) -> str:
    """2026年12月8日 星期二."""
    return f"{day.year}年{day.month}月{day.day}日 {WEEKDAYS[day.weekday()]}"


def time_range(start: str, end: str) -> str:
    return f"{start}—{end}"


def duration_text(minutes: int) -> str:
    """120 -> 2小时, 90 -> 1小时30分钟, 45 -> 45分钟."""
    hours, rest = divmod(max(0, minutes), 60)
    if hours and rest:
        return f"{hours}小时{rest}分钟"
    return f"{hours}小时" if hours else f"{rest}分钟"


def cancel_rule(rules: HallRules) -> str:
    """可在预约时段开始前2小时取消."""
    return f"可在预约时段开始前{duration_text(rules.cancel_before_minutes)}取消"


def arrival_rule(rules: HallRules) -> str:
    """When check-in is accepted, from the hall's rules."""
    return (f"请提前到达并在一体机报到（预约时段开始前{duration_text(rules.checkin_early_minutes)}"
            f"至开始后{duration_text(rules.checkin_late_minutes)}内）")


@dataclass(frozen=True)
class AppointmentSlipData:
    """What a 预约凭条 shows: central's appointment (name masked by central), the hall it is
    at (address, phone, rules), the terminal and when the slip was printed."""

    appointment: Appointment
    hall: Hall
    terminal_code: str
    printed_at: dt.datetime


def appointment_slip(data: AppointmentSlipData, zone: dt.tzinfo | None = None) -> ReceiptDocument:
    appt, hall = data.appointment, data.hall
    zone = hall_time.default_zone() if zone is None else zone
    when = time_range(appt.time, appt.end)
    if appt.session != "regular":
        when += f"（{session_name(appt.session)}）"
    blocks: list[Block] = [
        Text("预约凭条", align="center", bold=True, scale=2),
        Text(appt.hall_name or hall.name, align="center"),
        Rule("solid"),
        Pair("预约号", appt.number, bold=True),
        Pair("预约事项", appt.item_name),
        Pair("办理大厅", appt.hall_name or hall.name),
    ]
    if hall.address:
        blocks.append(Pair("大厅地址", hall.address))
    blocks += [
        Pair("预约日期", day_text(appt.date), bold=True),
        Pair("预约时段", when, bold=True),
        Pair("预约人", appt.name_masked),
        Rule(),
    ]
    if appt.qr:
        blocks += [QrCode(appt.qr, caption=QR_CAPTION), Rule()]
    blocks += [
        Text(arrival_rule(hall.rules), bold=True),
        Text(cancel_rule(hall.rules) + "（在自助终端“预约办事—我的预约”中取消）"),
    ]
    if hall.phone:
        blocks.append(Pair("咨询电话", hall.phone))
    blocks += [
        Pair("终端编号", data.terminal_code),
        Pair("打印时间", hall_time.minutes_text(data.printed_at, zone)),
        Rule(),
        Text("请妥善保管本凭条", align="center", bold=True),
        Feed(2),
    ]
    return ReceiptDocument(kind="appointment_slip", number=appt.number, blocks=tuple(blocks))
