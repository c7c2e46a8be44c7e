"""How the console shows the fleet: Chinese words for the contract's codes (with the code
itself beside them, for the technician), a terminal row's status, and the overview's
grouping by region and hall with its counts. Pure functions of `fleet list --json` rows
(docs/fleet.md §2), shared by the overview page and its JSON (/ops/api/fleet)."""

from __future__ import annotations

from collections import Counter
from typing import Any

DEVICE_NAMES = {
    "receipt_printer": "凭条打印机",
    "a4_printer": "A4打印机",
    "id_reader": "身份证阅读器",
    "idcard": "身份证阅读器",
    "scanner": "扫码器",
    "camera": "摄像头",
    "document_camera": "高拍仪",
    "card_reader": "读卡器",
    "pcsc": "读卡器",
    "pin_pad": "密码键盘",
}
DEVICE_STATES = {
    "online": "正常",
    "offline": "离线",
    "no_device": "未连接",
    "hardware_error": "硬件故障",
    "user_error": "需处理",
    "busy": "忙",
}
FAULTS = {
    "paper_out": "缺纸",
    "paper_jam": "卡纸",
    "cover_open": "盖板打开",
    "printer_offline": "打印机离线",
    "cutter_error": "切刀故障",
    "no_device": "设备未连接",
    "device_io": "通信故障",
    "timeout": "无响应",
    "pcsc_unavailable": "读卡服务不可用",
    "sam_failure": "安全模块故障",
}
SUPPLIES = {"full": "充足", "low": "偏低", "out": "耗尽", "jammed": "卡住", "unknown": "未知"}
COMMANDS = {
    "maintenance_on": "进入维护模式",
    "maintenance_off": "退出维护模式",
    "reload_config": "重新加载配置",
    "pull_log": "拉取日志",
    "doctor": "自检 doctor",
}
COMMAND_STATES = {
    "queued": "待下发",
    "delivered": "已下发",
    "acked": "已确认",
    "done": "完成",
    "failed": "失败",
    "expired": "已过期",
}
UPDATE_STATES = {
    "idle": "空闲",
    "downloading": "下载中",
    "installing": "安装中",
    "trial": "试运行",
    "committed": "已确认",
    "rolled_back": "已回滚",
    "refused": "已拒绝",
    "failed": "失败",
}
ROLLOUT_STATES = {
    "running": "进行中",
    "paused": "已暂停",
    "aborted": "已中止",
    "completed": "已完成",
}


def supplies_low(devices: dict[str, Any]) -> bool:
    return any(
        level in ("low", "out", "jammed")
        for device in devices.values()
        for level in (device.get("supplies") or {}).values()
    )


def faults(devices: dict[str, Any]) -> list[str]:
    """The devices that are not ready, as `名称: 故障`."""
    found = []
    for name, device in sorted(devices.items()):
        if device.get("ready", True) and not device.get("fault"):
            continue
        code = device.get("fault") or device.get("state", "")
        word = FAULTS.get(code) or DEVICE_STATES.get(code) or code
        found.append(f"{DEVICE_NAMES.get(name, name)}: {word}")
    return found


def status_of(row: dict[str, Any]) -> tuple[str, str]:
    """(css class, words) of one terminal: offline beats maintenance beats fault."""
    if not row.get("online"):
        return "offline", "离线" if row.get("last_seen") else "从未上线"
    if row.get("maintenance"):
        return "maintenance", "维护中"
    if faults(row.get("devices") or {}):
        return "fault", "故障"
    if supplies_low(row.get("devices") or {}):
        return "warn", "耗材不足"
    return "ok", "正常"


def terminal_row(row: dict[str, Any]) -> dict[str, Any]:
    """One terminal as the overview shows it (and /ops/api/fleet answers)."""
    devices = row.get("devices") or {}
    outbox = row.get("outbox") or {}
    update = row.get("update") or {}
    css, words = status_of(row)
    return {
        "terminal_id": row["terminal_id"],
        "hall": row.get("hall") or "",
        "hall_code": row.get("hall_code") or "",
        "region": row.get("region") or "",
        "status": css,
        "status_text": words,
        "last_seen": row.get("last_seen"),
        "version": row.get("version") or "—",
        "config_version": row.get("config_version") or "—",
        "faults": faults(devices),
        "supplies_low": supplies_low(devices),
        "outbox_depth": int(outbox.get("depth") or 0),
        "outbox_oldest_s": outbox.get("oldest_age_s"),
        "update_state": update.get("state") or "",
        "update_text": UPDATE_STATES.get(update.get("state") or "", update.get("state") or ""),
    }


def counts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "terminals": len(rows),
        "online": sum(1 for r in rows if r["status"] != "offline"),
        "offline": sum(1 for r in rows if r["status"] == "offline"),
        "faults": sum(1 for r in rows if r["faults"]),
        "supplies_low": sum(1 for r in rows if r["supplies_low"]),
        "maintenance": sum(1 for r in rows if r["status"] == "maintenance"),
        "outbox_backlog": sum(r["outbox_depth"] for r in rows),
        "versions": dict(sorted(Counter(r["version"] for r in rows).items())),
    }


def overview(rows: list[dict[str, Any]], region_names: dict[str, str]) -> dict[str, Any]:
    """The fleet grouped by region, then hall, each with its counts; the total on top."""
    shown = [terminal_row(r) for r in rows]
    regions: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for r in sorted(shown, key=lambda r: (r["region"], r["hall"], r["terminal_id"])):
        regions.setdefault(r["region"], {}).setdefault(r["hall"], []).append(r)
    groups = []
    for code, halls in regions.items():
        members = [r for hall_rows in halls.values() for r in hall_rows]
        groups.append(
            {
                "region": code,
                "region_name": region_names.get(code, code),
                "counts": counts(members),
                "halls": [
                    {
                        "hall": hall,
                        "hall_code": hall_rows[0]["hall_code"],
                        "counts": counts(hall_rows),
                        "terminals": hall_rows,
                    }
                    for hall, hall_rows in halls.items()
                ],
            }
        )
    return {"total": counts(shown), "regions": groups}
