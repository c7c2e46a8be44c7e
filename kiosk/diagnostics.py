"""What a technician should do about a device status (one table, stable codes in, words
out: `kiosk doctor` and the maintenance screen), and which configuration is in use."""

from __future__ import annotations

import hashlib
import re

from drivers.errors import ErrorCode
from drivers.status import DeviceState, DeviceStatus, FaultAction
from kiosk.config import KioskConfig, effective_toml

# (state, fault code) -> advice; fault "" matches any fault of that state.
ADVICE: dict[tuple[DeviceState, str], str] = {
    (DeviceState.ONLINE, ""): "正常 ready",
    (DeviceState.NO_DEVICE, ""): "设备未连接：检查设备电源、连接线（USB、串口或网线）和配置里的端口或地址 "
    "(device not found: check power, the cable and the configured port or address)",
    (DeviceState.OFFLINE, ""): "设备无应答：检查电源与波特率 (no answer: check power and baud rate)",
    (DeviceState.HARDWARE_ERROR, ErrorCode.SAM_FAILURE): "安全模块(SAM)故障：联系设备厂商维修 "
    "(SAM module failed: the reader needs service)",
    (DeviceState.HARDWARE_ERROR, ""): "设备硬件故障：联系技术人员 (hardware fault: call a technician)",
    (DeviceState.USER_ERROR, ErrorCode.PAPER_OUT): "打印纸用完：请装纸 (paper out: load paper)",
    (DeviceState.USER_ERROR, ErrorCode.COVER_OPEN): "打印机盖未关好：请合上机盖 (cover open: close it)",
    (DeviceState.USER_ERROR, ErrorCode.PAPER_JAM): "卡纸：请打开打印机取出卡纸 (paper jam: clear it)",
    (DeviceState.HARDWARE_ERROR, ErrorCode.CUTTER_ERROR): "切刀故障：联系技术人员 "
    "(autocutter failed: call a technician)",
    (DeviceState.OFFLINE, ErrorCode.PRINTER_OFFLINE): "打印机脱机：检查电源、网线和打印队列 "
    "(printer offline: check power, cable and the queue)",
    (DeviceState.USER_ERROR, ""): "需要工作人员处理：查看设备面板或指示灯的提示并处理，处理后设备自动恢复 "
    "(needs staff attention: see the device's panel or lights; it recovers once handled)",
    (DeviceState.BUSY, ""): "设备忙，稍后自动恢复 (busy, recovers by itself)",
}

ACTION_WORDS = {
    FaultAction.NONE: "无需处理 none",
    FaultAction.RETRY: "重试 retry",
    FaultAction.CLEAR_BY_STAFF: "工作人员处理 staff",
    FaultAction.MAINTENANCE: "技术人员维修 technician",
    FaultAction.WAIT: "等待自动恢复 wait",
}

# "中文 (english)" or "中文 english": the Chinese part for a screen.
_ENGLISH_TAIL = re.compile(r"\s*(\([^()]*\)|[A-Za-z][A-Za-z ]*)$")


def advice_for(status: DeviceStatus) -> str:
    return ADVICE.get((status.state, status.fault)) or ADVICE.get((status.state, ""), status.state.value)


def chinese(words: str) -> str:
    """The Chinese part of a bilingual line of this table (what a screen shows)."""
    return _ENGLISH_TAIL.sub("", words).strip() or words


def config_version(config: KioskConfig) -> str:
    """A short fingerprint of the configuration in force (profile and site file as loaded):
    two terminals showing the same value run the same settings."""
    return hashlib.sha256(effective_toml(config).encode("utf-8")).hexdigest()[:12]
