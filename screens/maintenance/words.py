"""What the technician's maintenance screens say, in Chinese, from stable codes."""

from __future__ import annotations

from typing import Any

from kiosk.central_api.checks import CentralCheck
from kiosk.diagnostics import ACTION_WORDS, advice_for, chinese
from kiosk.session import CARD_TYPE_LABELS

from .. import words

TITLE = "设备维护"
PIN_PROMPT = "技术人员登录"
PIN_HINT = "请输入技术人员密码（与工作人员密码不同），或刷技术人员卡"
NOT_CONFIGURED = "未配置技术人员密码，请使用技术人员卡"

TOOLS = {
    "id_card": "读身份证",
    "smart_card": "读卡测试",
    "scan": "扫码测试",
    "print": "打印测试页",
    "central": "检查平台连接",
    "enroll": "注册终端",
    "voice": "语音与音量",
    "touch": "触摸测试",
    "config": "配置版本",
}

STATE = {
    "online": "正常",
    "no_device": "未连接",
    "offline": "无响应",
    "hardware_error": "故障",
    "user_error": "需要处理",
    "busy": "正忙",
}

OUTCOMES = {
    "ok": "完成",
    "not_configured": "本机未配置该设备",
    "no_printer": "本机未配置该打印机",
    "no_preview": "该扫码器没有摄像头画面，扫码后显示内容",
    "unavailable": "语音不可用",
    "no_card": "未读到卡片，请重新放置",
    "paper_out": "打印机缺纸",
    "paper_jam": "打印机卡纸",
    "cover_open": "打印机机盖未关好",
    "printer_offline": "打印机脱机",
    "job_failed": "打印失败",
    "not_ready": "打印机未就绪",
    "no_code": "请先输入或扫描注册码",
    "no_central_url": "未配置政务服务平台地址（[central] url）",
    "code_rejected": "注册码无效、已使用或已过期",
    "already_enrolled": "本机已注册",
    "central_unavailable": "无法连接政务服务平台",
    "played": "已播放测试语音，请确认能听到",
    "voice_failed": "测试语音未能播放，请检查音箱和音频设置",
}

CARD_LABELS = {
    "card_type": "证件类型", "name": "姓名", "name_en": "英文姓名", "gender": "性别",
    "nation": "民族", "birth_date": "出生日期", "address": "住址", "id_number": "证件号码",
    "issuer": "签发机关", "valid_from": "有效期起", "valid_until": "有效期止",
    "pass_number": "通行证号码", "issue_count": "签发次数", "nationality": "国籍",
    "renewal_count": "换证次数",
    "kind": "卡片类型", "pan": "卡号", "expiry": "有效期", "aid": "应用标识", "product": "产品",
    "label": "应用标签", "holder_name": "持卡人", "holder_id_type": "证件类型",
    "holder_id_number": "证件号码", "card_number": "社保卡号", "id_number_ss": "社会保障号码",
    "staff_number": "工号", "staff_role": "角色", "uid": "UID", "atr": "ATR",
}


def device_name(device: str) -> str:
    return words.device_name(device)


def device_state(status: Any) -> str:
    """The state in a word, the fault's own word where there is one (缺纸 ...)."""
    if status.fault and status.fault in words.DEVICE_STATE_WORDS and not status.ready:
        return words.DEVICE_STATE_WORDS[status.fault]
    return STATE.get(status.state.value, status.state.value)


def device_action(status: Any) -> str:
    """What to do about it: the `kiosk doctor` advice, in Chinese."""
    if status.ready:
        return "无需处理"
    advice = chinese(advice_for(status))
    action = chinese(ACTION_WORDS.get(status.action, "")) if status.action.value != "none" else ""
    return f"{advice}（{action}）" if action else advice


def outcome(code: str) -> str:
    return OUTCOMES.get(code, f"未完成（{code}）") if code else ""


def central_lines(check: CentralCheck) -> list[tuple[str, str, bool]]:
    """(caption, words, fine) rows of the central check."""
    if check.reachable:
        reach = f"可以连接（往返{check.round_trip_s:.2f}秒）"
    else:
        reach = outcome(check.reason) if check.reason in OUTCOMES else f"无法连接（{check.reason}）"
    rows = [("平台地址", check.url or "未配置", bool(check.url)), ("连接", reach, check.reachable)]
    if check.offset_s is None:
        rows.append(("时钟偏差", "无法得知", False))
    else:
        sign = "+" if check.offset_s >= 0 else "−"
        fine = check.clock_ok
        rows.append(("时钟偏差", f"{sign}{abs(check.offset_s):.1f}秒" + ("（正常）" if fine else "，请校准本机时间"),
                     fine))
    if check.enrollment_problem:
        rows.append(("注册", "注册信息损坏，请重新注册", False))
    elif check.enrolled:
        rows.append(("注册", f"已注册，终端编号 {check.terminal_id}", True))
    else:
        rows.append(("注册", "未注册", False))
    if check.catalogue_version:
        rows.append(("事项目录", check.catalogue_version, True))
    return rows


ID_CARD_TYPES = {kind.value: label for kind, label in CARD_TYPE_LABELS.items()}
CARD_KINDS = {"bank": "银行卡", "social_security": "社会保障卡", "staff": "工作人员卡", "unknown": "未知卡片"}


def card_rows(fields: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """Caption and value of each field the card gave (masked by the flow)."""
    rows = []
    for key, value in fields:
        if not value:
            continue
        if key == "card_type":
            value = ID_CARD_TYPES.get(value, value)
        elif key == "kind":
            value = CARD_KINDS.get(value, value)
        rows.append((CARD_LABELS.get(key, key), value))
    return rows


def countdown(left: int) -> str:
    return f"即将退出管理模式（{left}秒）"
