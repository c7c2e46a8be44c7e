"""The technician's messages of the `kiosk` commands: one style, Chinese first, then the
cause, then the fix, then (in brackets) the stable code and the English detail for a search
or a bug report. One line each, on stderr, never a traceback.

    kiosk read-id: 读卡器没有应答（/dev/ttyUSB0）；请检查电源和波特率 --baud 后重试 (timeout: ...)
"""

from __future__ import annotations

import sys
from pathlib import Path

from drivers.errors import ErrorCode

# A device error code -> (the cause, the fix), for the card and ID readers.
CODE_WORDS: dict[ErrorCode, tuple[str, str]] = {
    ErrorCode.NO_DEVICE: ("设备未连接或打不开", "请检查 USB/串口线和配置里的端口，ls -l /dev/serial/by-id/ 可列出已连接的串口"),
    ErrorCode.DEVICE_IO: ("与设备的通信中断", "请检查连接线是否松动后重试"),
    ErrorCode.TIMEOUT: ("设备没有应答", "请检查电源和波特率（--baud）后重试"),
    ErrorCode.CHECKSUM: ("设备回复的数据校验失败", "请检查波特率和连接线后重试，反复出现请更换连接线"),
    ErrorCode.FRAME_LENGTH: ("设备回复的数据不完整", "请检查波特率和连接线后重试，反复出现请更换连接线"),
    ErrorCode.FRAME_GARBLED: ("设备回复的数据无法识别", "请检查波特率（--baud）是否与读卡器一致"),
    ErrorCode.BAD_COMMAND: ("设备不认识这条指令", "请确认读卡器型号与驱动一致，联系设备厂商"),
    ErrorCode.UNAUTHORIZED: ("设备拒绝了操作（未授权）", "请联系设备厂商确认读卡器的授权"),
    ErrorCode.SAM_FAILURE: ("安全模块(SAM)故障", "请联系设备厂商维修读卡器"),
    ErrorCode.CARD_AUTH: ("证件与安全模块认证失败", "请把证件重新放好再试，仍失败则证件可能损坏"),
    ErrorCode.UNKNOWN_CARD: ("不认识的卡片", "请放居民身份证或其他支持的证件"),
    ErrorCode.READ_FAILED: ("读卡失败", "请把证件放平放稳后重试"),
    ErrorCode.NO_CARD: ("规定时间内没有检测到卡片", "请把卡片放在感应区，或用 --timeout 延长等待"),
    ErrorCode.SELECT_FAILED: ("选卡失败", "请把证件放平放稳后重试"),
    ErrorCode.NO_CONTENT: ("卡片没有内容", "请确认放的是有效证件后重试"),
    ErrorCode.DEVICE_ERROR: ("设备报告了故障", "请重试，仍失败请联系设备厂商"),
    ErrorCode.INVALID_CARD_DATA: ("证件数据校验不通过", "请重试，仍失败则证件可能损坏，请持证到公安机关查验"),
    ErrorCode.CANCELLED: ("操作被取消", "请重新运行命令"),
    ErrorCode.PCSC_UNAVAILABLE: ("读卡服务 pcscd 没有运行或连不上", "请执行 sudo systemctl start pcscd 后重试"),
    ErrorCode.CARD_REMOVED: ("读卡过程中卡片被移开", "请把卡片放好不动再试"),
    ErrorCode.PIN_REQUIRED: ("这张卡需要密码", "请用 --pin 提供密码，或在终端上运行以便输入"),
    ErrorCode.PIN_WRONG: ("卡片密码错误", "请核对密码后重试（注意剩余次数）"),
    ErrorCode.PIN_BLOCKED: ("卡片密码已锁定", "请持卡到社保经办机构解锁"),
    ErrorCode.FILE_NOT_FOUND: ("卡片上没有所需的应用", "该卡可能不是本地区的社保卡，请换卡再试"),
    ErrorCode.RECORD_NOT_FOUND: ("卡片上没有所需的记录", "该卡可能不是本地区的社保卡，请换卡再试"),
    ErrorCode.CARD_REFUSED: ("卡片拒绝了读取（使用条件不满足）", "请确认卡片类型后重试"),
}
GENERIC = ("设备出错", "请重试，仍失败请运行 kiosk doctor 检查设备")


def line(command: str, cause: str, fix: str, where: str = "", english: str = "") -> str:
    """``kiosk COMMAND: 原因（where）；修复 (english)``."""
    place = f"（{where}）" if where else ""
    tail = f" ({english})" if english else ""
    return f"kiosk {command}: {cause}{place}；{fix}{tail}"


def code_line(command: str, code: ErrorCode, where: str, detail: str) -> str:
    cause, fix = CODE_WORDS.get(code, GENERIC)
    return line(command, cause, fix, where, f"{code.value}: {detail}" if detail else code.value)


def tell(text: str) -> None:
    """One message for the technician, on stderr."""
    print(text, file=sys.stderr, flush=True)


def store_problem(command: str, err: Exception) -> str:
    return line(command, "本机数据库打不开", "请确认 [terminal] data_dir 可写且磁盘未满，"
                "再运行 kiosk doctor", english=f"local store: {err}")


def data_dir_problem(command: str, data_dir: Path, err: OSError) -> str:
    return line(command, "数据目录无法访问", "请确认当前用户能读写 [terminal] data_dir"
                "（通常以 tongban 用户运行：sudo -u tongban kiosk ...）",
                str(err.filename or data_dir), str(err.strerror))
