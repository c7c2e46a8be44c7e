"""`kiosk doctor`: open each configured device, wait for it, report its state and what to do.

A serial device the driver cannot open is looked at again (kiosk.cli.ports): missing
(设备未连接), busy (held by another process, most often the running kiosk: normal), or
permission denied each get their own cause and fix. Exit 0 when every device is ready or
only held by the running kiosk, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from drivers.errors import ErrorCode
from drivers.status import DeviceState, DeviceStatus, FaultAction
from kiosk.cli.diagnostics import ACTION_WORDS, ADVICE, advice_for
from kiosk.cli.ports import PortState, probe_port
from kiosk.cli.words import CODE_WORDS
from kiosk.config import KioskConfig
from kiosk.devices import DEVICE_NAMES, build_devices, device_address

EXIT_OK, EXIT_FAIL = 0, 1


def add_parser(sub: Any) -> None:
    doctor = sub.add_parser("doctor", help="check each configured device")
    doctor.add_argument("--json", action="store_true")
    doctor.add_argument("--wait", type=float, default=3.0, metavar="S", help="seconds to let devices connect")


def serial_path(settings: Any) -> str | None:
    """The serial device a device's settings name, if any (a port, or a serial:// URL)."""
    port = getattr(settings, "port", None)
    if isinstance(port, str) and port:
        return port
    url = getattr(settings, "url", None)
    if isinstance(url, str) and url.startswith("serial:"):
        return urlsplit(url).path or None
    return None


def _advice(status: DeviceStatus) -> str:
    """The shared table's advice; for a fault it has no line of its own (pcscd down, a
    protocol error ...), the cause and fix of that fault code (kiosk.cli.words)."""
    try:
        code = ErrorCode(status.fault) if status.fault else None
    except ValueError:
        code = None
    if code is not None and code is not ErrorCode.NO_DEVICE and (status.state, status.fault) not in ADVICE:
        words = CODE_WORDS.get(code)
        if words is not None:
            return f"{words[0]}；{words[1]} ({code.value})"
    return advice_for(status)


def _row(name: str, config: KioskConfig, status: Any) -> dict[str, Any]:
    settings = getattr(config.devices, name)
    row: dict[str, Any] = {
        "device": name,
        "driver": settings.driver,
        "port": device_address(config.devices, name),
        **status.as_dict(),
        "advice": _advice(status),
        "port_state": "",          # for a serial port the driver could not open: missing, busy ...
        "port_holder": None,       # the pid holding a busy port, when it can be found
        "in_use_by_kiosk": False,  # busy because the running kiosk holds it (normal)
    }
    path = serial_path(settings)
    if path is not None and status.state is DeviceState.NO_DEVICE:
        check = probe_port(path)
        row["port_state"] = check.state.value
        row["port_holder"] = check.holder_pid
        row["advice"] = check.message()
        # Held by the running kiosk: the device is in use, not broken.
        row["in_use_by_kiosk"] = check.state is PortState.BUSY and check.held_by_kiosk
    return row


def report(config: KioskConfig, statuses: Mapping[str, DeviceStatus]) -> dict[str, Any]:
    """The `kiosk doctor --json` document from the devices' statuses: the command's own
    (it opens the devices) or, for central's ``doctor`` command, the running terminal's
    (kiosk/fleet/commands.py), which holds the devices itself."""
    rows = [_row(name, config, status) for name, status in statuses.items()]
    missing = [n for n in DEVICE_NAMES if getattr(config.devices, n) is None]
    return {"devices": rows, "not_configured": missing}


def run(config: KioskConfig, args: argparse.Namespace) -> int:
    devices = build_devices(config.devices)
    for device in devices.values():
        device.open()
    try:
        deadline = time.monotonic() + args.wait
        while time.monotonic() < deadline and not all(d.status().ready for d in devices.values()):
            time.sleep(0.1)
        document = report(config, {name: device.status() for name, device in devices.items()})
    finally:
        for device in devices.values():
            device.close()
    report_rows: list[dict[str, Any]] = document["devices"]
    missing: list[str] = document["not_configured"]
    if args.json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print(f"终端 {config.terminal.hall_name} ({config.terminal.profile}, {config.terminal.region_code})")
        for row in report_rows:
            mark = "OK  " if row["ready"] else "BUSY" if row["port_state"] == PortState.BUSY else "FAIL"
            print(f"[{mark}] {row['device']:<15} {row['driver']:<11} {row['port']}")
            print(f"       state={row['state']} action={ACTION_WORDS[FaultAction(str(row['action']))]}"
                  + (f" fault={row['fault']}" if row["fault"] else "")
                  + (f" port={row['port_state']}" if row["port_state"] else ""))
            print(f"       {row['advice']}" + (f" [{row['detail']}]" if row["detail"] else ""))
        for name in missing:
            print(f"[--  ] {name:<15} 未配置 (not configured)")
    fine = all(r["ready"] or r["in_use_by_kiosk"] for r in report_rows)
    return EXIT_OK if fine else EXIT_FAIL
