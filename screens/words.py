"""The words a citizen reads: stable codes from kiosk/ and drivers/ in, plain Chinese out.

Tables, not if-chains; an unknown code gets a safe general sentence, never the code itself.
"""

from __future__ import annotations

import math

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
}
READ_FAILED_DEFAULT = "读卡失败，请将身份证重新放在感应区"

ENDED = {
    "idle_timeout": "长时间未操作，已返回首页，您的信息已清除",
    "card_removed": "身份证已移开，本次服务已结束，您的信息已清除",
    "finished": "服务已完成，您的信息已清除，请取走身份证",
    "cancelled": "已退出本次服务，您的信息已清除",
}

WEEKDAYS = "一二三四五六日"


def device_name(device: str) -> str:
    return DEVICE_NAMES.get(device, "设备")


def service_reason(reason: str) -> str:
    """A ServiceView.reason code as a short phrase ("暂未开通", "身份证阅读器未连接")."""
    kind, _, rest = reason.partition(":")
    if kind == "not_in_version":
        return "暂未开通"
    if kind == "device_missing":
        return f"本机未配置{device_name(rest)}"
    if kind == "device_not_ready":
        device, _, state = rest.partition(":")
        return f"{device_name(device)}{DEVICE_STATE_WORDS.get(state, '暂不可用')}"
    return "暂不可用"


def unavailable_notice(title: str, reason: str) -> str:
    return f"“{title}”暂不可用：{service_reason(reason)}。\n请到人工窗口办理，或咨询现场工作人员。"


def device_banner(device: str, state: str) -> str:
    name = device_name(device)
    if state == "busy":
        return f"{name}正忙，请稍候"
    return f"{name}{DEVICE_STATE_WORDS.get(state, '暂不可用')}，相关服务暂停，请联系工作人员"


def read_failed(code: str) -> str:
    return READ_FAILED.get(code, READ_FAILED_DEFAULT)


def ended(reason: str) -> str:
    return ENDED.get(reason, ENDED["cancelled"])


def seconds(value: float) -> int:
    """Whole seconds for a countdown: 0.2 s left still reads 1."""
    return max(0, math.ceil(value))


def countdown(value: float) -> str:
    return f"剩余 {seconds(value)} 秒"
