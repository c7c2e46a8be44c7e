"""The words a citizen reads: stable codes from kiosk/ and drivers/ in, plain Chinese out.

Tables, not if-chains; an unknown code gets a safe general sentence, never the code itself.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable

from kiosk import hall_time
from kiosk.events import CodeNotice

DEVICE_NAMES = {
    "id_reader": "身份证阅读器",
    "card_reader": "读卡器",
    "code_scanner": "扫码器",
    "receipt_printer": "凭条打印机",
    "a4_printer": "A4打印机",
    "document_camera": "高拍仪",
}

# Device state -> how the problem reads after the device name.
DEVICE_STATE_WORDS = {
    "no_device": "未连接",
    "offline": "无响应",
    "hardware_error": "故障",
    "user_error": "需要工作人员处理",
    "busy": "正忙",
    "supplies": "耗材不足",
    # faults of a user_error state (kiosk/services.py names them)
    "paper_out": "缺纸",
    "paper_jam": "卡纸",
    "cover_open": "机盖未关好",
}

READ_FAILED = {
    "invalid_card_data": "证件信息校验未通过，请到人工窗口办理",
    "read_failed": "读卡失败，请将身份证平放在感应区重试",
    "card_auth": "证件认证未通过，请使用有效的身份证件，或到人工窗口办理",
    "unknown_card": "无法识别此卡片，请放置居民身份证或居住证",
    "timeout": "读卡超时，请将身份证平放在感应区，读卡时不要移动",
    "no_content": "未能读取证件信息，请将身份证平放在感应区重试",
    "select_failed": "未能读取证件信息，请将身份证平放在感应区重试",
    "checksum": "读卡器通信异常，请将身份证重新放置",
    "frame_length": "读卡器通信异常，请将身份证重新放置",
    "frame_garbled": "读卡器通信异常，请将身份证重新放置",
    "device_io": "读卡器通信异常，请稍后重试或联系工作人员",
    "no_device": "身份证阅读器未连接，请联系工作人员",
    "sam_failure": "身份证阅读器故障，请联系工作人员",
    # smart cards (social security card in the card reader)
    "card_removed": "卡片被移开，请将社保卡重新插入后不要移动",
    # The read has ended by then: trying again means inserting the card again.
    "pin_wrong": "社保卡密码错误。如需重试，请重新插入社保卡。" + "{forgot}",
    "cancelled": "已取消读取社保卡。如需办理，请重新插入社保卡",
    "pin_blocked": "社保卡密码已锁定，请到社保窗口办理解锁",
    "pin_required": "此社保卡需要输入密码",
    "pcsc_unavailable": "读卡器服务暂不可用，请联系工作人员",
}
READ_FAILED_DEFAULT = "读卡失败，请将身份证重新放在感应区"
# Where a forgotten social security card PIN is reset (the card's bank or the 社保 office).
PIN_FORGOT = "忘记密码请携带身份证到社保窗口或社保卡合作银行网点重置"
# A social security card that failed: what to do with *that* card (never "put your 身份证").
SSSE_READ_FAILED = {
    "read_failed": "社保卡读取失败，请将社保卡芯片朝向读卡器重新插入",
    "timeout": "社保卡读取超时，请重新插入社保卡，读卡时不要拔出",
    "no_content": "未能读取社保卡信息，请重新插入社保卡",
    "select_failed": "未能读取社保卡信息，请确认插入的是社会保障卡",
    "checksum": "读卡器通信异常，请将社保卡重新插入",
    "frame_length": "读卡器通信异常，请将社保卡重新插入",
    "frame_garbled": "读卡器通信异常，请将社保卡重新插入",
    "unknown_card": "无法识别此卡片，请插入社会保障卡",
    "invalid_card_data": "社保卡信息校验未通过，请到社保窗口或人工窗口办理",
    "card_auth": "社保卡认证未通过，请到社保窗口或人工窗口办理",
    "no_device": "读卡器未连接，请联系工作人员",
}
SSSE_READ_FAILED_DEFAULT = "社保卡读取失败，请重新插入社保卡"

# {card}: what the citizen identified with (CARD_WORDS).
ENDED = {
    "idle_timeout": "长时间未操作，已返回首页，您的信息已清除",
    "card_removed": "{card}已移开，本次服务已结束，您的信息已清除",
    "finished": "服务已完成，您的信息已清除，请取走{card}",
    "cancelled": "已退出本次服务，您的信息已清除",
}
# An electronic ID code leaves nothing in the terminal to take away.
ENDED_NO_CARD = {"finished": "服务已完成，您的信息已清除"}

# kiosk.session.IdentitySource value -> the card a citizen puts in and takes out.
CARD_WORDS = {"id_card": "身份证", "social_security": "社保卡"}
CARD_PUT_BACK = {
    "id_card": "如需继续，请将身份证放回感应区",
    "social_security": "如需继续，请将社保卡重新插入",
}
# At the end of a session, when the ID card still lies on the reader.
TAKE_ID_CARD = "请取走您的身份证"
# Under "请将身份证放在感应区", by the profile's [session] card_presence.
PLACE_CARD_HINT = {
    "required": "请平放在感应区上，办理期间请勿取走身份证",
    "may_leave": "请平放在感应区上，读卡时请勿移动",
}
# On the identity check screen: the card must stay (card_presence "required") or not.
KEEP_CARD_HINT = {"required": "办理期间请勿取走身份证", "may_leave": ""}
CONTINUE = "继续办理"

WEEKDAYS = "一二三四五六日"


def clock(zone: dt.tzinfo, now: Callable[[], float] = time.time) -> str:
    """The top bar's clock in the hall's ``zone`` (not the host's): "09:30" over "11月23日 星期一"."""
    moment = hall_time.now(zone, now)
    return f"{moment:%H:%M}\n{moment.month}月{moment.day}日 星期{WEEKDAYS[moment.weekday()]}"


def device_name(device: str) -> str:
    return DEVICE_NAMES.get(device, "设备")


def service_reason(reason: str) -> str:
    """A ServiceView.reason code as a short phrase ("暂未开通", "身份证阅读器未连接")."""
    kind, _, rest = reason.partition(":")
    if kind == "not_in_version":
        return "暂未开通"
    if kind == "central_not_enrolled":
        return "本机未接入政务服务平台"
    if kind == "device_missing":
        return f"本机未配置{device_name(rest)}"
    if kind == "device_not_ready":
        device, _, state = rest.partition(":")
        return f"{device_name(device)}{DEVICE_STATE_WORDS.get(state, '暂不可用')}"
    return "暂不可用"


def unavailable_notice(title: str, reason: str) -> str:
    return f"“{title}”暂不可用：{service_reason(reason)}。\n请到人工窗口办理，或咨询现场工作人员。"


def device_banner(device: str, state: str, paused: list[str] | tuple[str, ...] = (),
                  ways: list[str] | tuple[str, ...] | frozenset[str] = ()) -> str:
    """The banner line of a device fault. ``paused``: the titles of the services that are
    unavailable because of it (the same ServiceViews the home tiles show); ``ways``: the
    identity devices still ready, named when the fault is the ID reader's."""
    name = device_name(device)
    if state == "busy":
        return f"{name}正忙，请稍候"
    problem = f"{name}{DEVICE_STATE_WORDS.get(state, '暂不可用')}"
    if paused:
        return f"{problem}，{'、'.join(paused)}暂停，请联系工作人员"
    if device == "id_reader" and ways:
        return f"{problem}，请{other_ways(ways, lead='')}办理"
    return f"{problem}，请联系工作人员"


def read_failed(code: str, source: str = "id_card") -> str:
    """What a failed read says, for the card that failed (``source``: IdentitySource)."""
    if source == "social_security":
        text = READ_FAILED.get(code) if code.startswith("pin_") or code in ("cancelled", "card_removed",
                                                                            "pcsc_unavailable") else None
        text = text or SSSE_READ_FAILED.get(code, SSSE_READ_FAILED_DEFAULT)
    else:
        text = READ_FAILED.get(code, READ_FAILED_DEFAULT)
    return text.format(forgot=PIN_FORGOT)


def card_word(source: str) -> str:
    return CARD_WORDS.get(source, CARD_WORDS["id_card"])


def ended(reason: str, source: str = "id_card", take_card: bool | None = None) -> str:
    """``take_card``: whether an ID card still lies on the reader (None: not known); when
    it does, the citizen is reminded to take it, and when it is known to be gone, an ID
    card session's end does not ask for it."""
    if reason in ENDED_NO_CARD and (source not in CARD_WORDS
                                    or (source == "id_card" and take_card is not None)):
        text = ENDED_NO_CARD[reason]
    else:
        text = ENDED.get(reason, ENDED["cancelled"]).format(card=card_word(source))
    return f"{text}\n{TAKE_ID_CARD}" if take_card else text


def place_card_hint(card_required: bool) -> str:
    return PLACE_CARD_HINT["required" if card_required else "may_leave"]


def keep_card_hint(card_required: bool) -> str:
    return KEEP_CARD_HINT["required" if card_required else "may_leave"]


def card_removed(source: str, seconds_left: int) -> tuple[str, str]:
    """Headline and detail of the notice while a removed card's grace runs."""
    put_back = CARD_PUT_BACK.get(source, CARD_PUT_BACK["id_card"])
    return f"{card_word(source)}已移开", f"{seconds_left} 秒后结束本次服务\n{put_back}"


def take_away(source: str) -> str:
    """The reminder under a result: "" when nothing was put into the terminal."""
    return f"办理结束后请取走您的{CARD_WORDS[source]}" if source in CARD_WORDS else ""


def card_back(source: str) -> str:
    return f"已检测到{card_word(source)}，请继续办理"


def card_returned(source: str) -> tuple[str, str]:
    """Headline and detail of the notice when the card came back within the grace."""
    return f"已检测到{card_word(source)}", f"请点击“{CONTINUE}”，办理期间请勿再取走{card_word(source)}"


def seconds(value: float) -> int:
    """Whole seconds for a countdown: 0.2 s left still reads 1."""
    return max(0, math.ceil(value))


def countdown(value: float) -> str:
    return f"剩余 {seconds(value)} 秒"


# -- scanned codes and smart cards ------------------------------------------------------------

CODE_REFUSED = {
    "malformed": "二维码不完整或已损坏，请重新出示",
    "forged": "二维码校验未通过，不是政务服务平台签发的有效码。请在手机上重新获取，或到窗口咨询",
    "expired": "二维码已过期，请重新获取",
    "used": "此电子证照码已使用，请在手机上刷新后重新出示",
    "unsupported": "不支持此二维码，请出示政务服务回执、预约码或电子证照码",
    "unverifiable": "暂时无法核验此二维码，请稍后再试或到服务台咨询",
    "central_unavailable": "暂时无法连接政务服务平台，请稍后再试，或使用身份证办理",
    "central_not_enrolled": "本机未接入政务服务平台，请使用身份证办理",
}
CODE_REFUSED_DEFAULT = "二维码未能识别，请重新出示或到服务台咨询"


def code_message(notice: CodeNotice) -> str:
    """What the citizen is told about a scanned code (kiosk/identify/arrivals.py's notice)."""
    kind, reason = notice.kind, notice.reason
    if kind == "appointment" and reason in ("", "wrong_hall", "expired"):
        when = f"{notice.item_name}，{notice.start}"
        if reason == "wrong_hall":
            return f"此预约在“{notice.hall}”办理（{when}），请前往该服务大厅"
        if reason == "expired":
            return f"此预约已过期（{when}），请重新预约"
        return f"预约已核验：{when}，请按时到窗口办理"
    if kind == "application_receipt" and not reason:
        return f"已识别办件编号 {notice.application_number}，可到服务台查询办理进度"
    if kind == "print_test" and not reason:
        return "这是打印测试页上的二维码，打印机工作正常"
    return CODE_REFUSED.get(reason, CODE_REFUSED_DEFAULT)


CARD_REFUSED = {
    ("bank", "not_for_identity"): "银行卡不能用于身份核验，请使用身份证或社会保障卡",
    ("staff", "citizen_session"): "工作人员卡：请在当前群众办理结束后使用",
}


def card_refused(kind: str, reason: str) -> str:
    return CARD_REFUSED.get((kind, reason), "无法识别此卡片，请使用身份证或社会保障卡")


# -- social security card PIN, and the other ways to identify -------------------------------

PIN_PROMPT = "请输入社保卡密码"
PIN_HINT = "输入密码时请用手遮挡键盘"
PIN_CHECKING = "正在核验密码…"
PIN_TRIES = "密码错误，还可尝试{tries}次"
PIN_WRONG = "密码错误，请重新输入"

# Device -> how a citizen identifies with it besides the ID card (in this order).
OTHER_WAYS = {"card_reader": "插入社保卡", "code_scanner": "出示电子证照码"}


def pin_message(tries_left: int | None, again: bool = False) -> str:
    """The line over the PIN pad: nothing on the first ask; after a wrong PIN, the tries
    left and where a forgotten PIN is reset."""
    if tries_left is not None:
        return f"{PIN_TRIES.format(tries=tries_left)}\n{PIN_FORGOT}"
    return f"{PIN_WRONG}\n{PIN_FORGOT}" if again else ""


def other_ways(devices: set[str] | frozenset[str] | list[str] | tuple[str, ...], lead: str = "也可") -> str:
    """"也可插入社保卡，或出示电子证照码" for the devices that are ready; "" for none."""
    ways = [text for device, text in OTHER_WAYS.items() if device in devices]
    return lead + "，或".join(ways) if ways else ""


# -- results that stay until a tap, and the question before typed data is lost --------------

DISCARD_QUESTION = "放弃已填写的内容吗？"
DISCARD_DETAIL = "返回上一步后，已填写的内容不会保存"
DISCARD_KEEP = "继续填写"
DISCARD_DROP = "放弃"

# What a refused code means for the citizen: what to do next is in CODE_REFUSED.
CODE_HEADLINES = {
    ("appointment", ""): ("预约已核验", "success"),
    ("appointment", "wrong_hall"): ("请前往预约的服务大厅", "notice"),
    ("appointment", "expired"): ("预约已过期", "notice"),
    ("application_receipt", ""): ("已识别办件回执", "success"),
}
CODE_REFUSED_HEADLINE = ("二维码未能使用", "danger")
# Codes whose result is a passing remark (a toast), not something to read and act on.
CODE_TRANSIENT = {("print_test", "")}


def code_result(notice: CodeNotice) -> tuple[str, str, str] | None:
    """(headline, detail, tone) of a scanned code's result that stays until a tap; None
    for a passing remark (words.code_message in a toast)."""
    if (notice.kind, notice.reason) in CODE_TRANSIENT:
        return None
    headline, tone = CODE_HEADLINES.get((notice.kind, notice.reason), CODE_REFUSED_HEADLINE)
    detail = code_message(notice)
    return headline, detail.removeprefix(f"{headline}："), tone   # said once, as the headline


def ended_take_card(reason: str, source: str = "id_card") -> tuple[str, str]:
    """(headline, detail) when the visit ended with the ID card still on the reader."""
    return TAKE_ID_CARD, ended(reason, source, take_card=False)

PLACE_CARD_PROMPT = "请将身份证放在感应区"
# The ID reader is down but another way identifies (words.other_ways names it, lead "请").
READER_DOWN_PROMPT = "身份证阅读器暂不可用"
# Under a service offered after 身份核验 (screens/identity_check/result.py).
NO_SECOND_CHECK = "无需再次验证身份"


def reader_down_hint(title: str, ways: tuple[str, ...] | list[str]) -> str:
    """The home screen's hint while the ID reader is down and another way identifies."""
    return f"身份证阅读器暂不可用：{other_ways(ways, lead='可')}，进入{title}"
