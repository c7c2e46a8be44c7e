"""What 排队取号 and 报到 say, in Chinese, from the flow's stable codes: every refusal names
what to do instead."""

from __future__ import annotations

import re

from .. import printing_words as print_words

GREEN_HINT = "65岁以上老人请刷身份证，优先办理（绿色通道）"
GREEN_YES = "已识别为65岁以上老人：本次取号为绿色通道，优先办理"
GREEN_NO = "未满65岁，将为您取普通号"
OFFLINE_NOTICE = "网络暂时不通：号码取自本机预留号段（离线取号），等候时间暂无法估算"
CHECKIN_TILE = "预约报到"
CHECKIN_TILE_HINT = "已预约今天办理：扫预约码或刷身份证"
CHECKIN_HOW = "请将预约码对准下方扫码口，或将身份证放在感应区"
KINDS = {"green": "绿色通道 · 优先办理", "appointment": "预约报到 · 优先办理"}

# Offline checks of a scanned code (kiosk.identify.codes) and central's refusals.
CHECKIN_REFUSALS = {
    "malformed": "无法识别该预约码，请出示完整的预约二维码、刷身份证报到，或取普通号。",
    "forged": "该预约码无效，无法报到。请到服务台核实，或取普通号。",
    "expired": "该预约码已过期，无法报到。请取普通号或重新预约。",
    "wrong_hall": "该预约不是本大厅的预约，请到预约的大厅报到，或在本大厅取普通号。",
    "unverifiable": "暂时无法核验预约码，请稍后再试，或取普通号。",
    "too_early": "还没到报到时间，请在报到时间内再来报到，或先取普通号。",
    "too_late": "已过报到时间，预约已不能报到。请取普通号，或到服务台咨询。",
    "not_today": "您的预约不是今天，今天无法报到。请按预约日期前来，或取普通号。",
    "cancelled": "该预约已取消，无法报到。请取普通号或重新预约。",
    "not_found": "没有找到您今天在本大厅的预约。请核对后再试，或取普通号。",
    "already_checked_in": "该预约已经报到过了，请留意叫号；如未拿到排队凭条请到服务台。",
    "central_unavailable": "暂时无法连接政务服务平台，现在无法报到。您可以先取普通号。",
    "validation_failed": "证件信息无法核验，请到服务台报到，或取普通号。",
}
CHECKIN_OTHER = "报到未成功，请到服务台咨询，或取普通号。"

ERRORS = {
    "no_block": "暂时无法连接政务服务平台，本机也没有可用的离线号码，现在无法取号。请到服务台取号或咨询工作人员。",
    "internal": "系统出现问题，请到服务台取号或咨询工作人员。",
    "not_enrolled": "本机尚未接入政务服务平台，无法取号。请到服务台取号。",
}
LIST_ERRORS = {
    "not_found": "该业务暂不能取号，请选择其他业务或到服务台咨询。",
    "closed": "该业务今天已停止取号，请到服务台咨询。",
}

_SPAN = re.compile(r"报到时间\s*([0-9:：–~\-]+)")


def checkin_refusal(reason: str, detail: str = "") -> str:
    """A check-in refusal in words; central's detail adds the check-in window it names."""
    words = CHECKIN_REFUSALS.get(reason, CHECKIN_OTHER)
    span = _SPAN.search(detail or "")
    if span and reason in ("too_early", "too_late"):
        words = f"本次预约的报到时间为 {span.group(1)}。" + words
    return words


def list_error(code: str) -> str:
    """Why the last choice on the list did not give a ticket (a printer, central)."""
    if code in LIST_ERRORS:
        return LIST_ERRORS[code]
    if code == "central_unavailable":
        return "暂时无法连接政务服务平台，请稍后再试。"
    return print_words.print_failed(code)


def error(code: str) -> str:
    return ERRORS.get(code, ERRORS["internal"])


def waiting_line(waiting: int | None, minutes: int | None) -> str:
    if waiting is None:
        return "离线取号 · 等候时间暂无法估算"
    if waiting == 0:
        return "目前无人等候"
    line = f"等候 {waiting} 人"
    return line + (f" · 约 {minutes} 分钟" if minutes is not None else "")


def ahead_line(people: int | None, minutes: int | None) -> str:
    if people is None:
        return "网络恢复后自动加入排队，等候时间暂无法估算"
    if people == 0:
        return "您前面没有人等候，请留意叫号"
    line = f"您前面还有 {people} 人"
    return line + (f"，预计等候约 {minutes} 分钟" if minutes is not None else "")
