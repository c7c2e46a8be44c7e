"""`kiosk` command line: technician tools and the UI launcher's argument handling.

The `run` subcommand starts the Kivy UI, which lives in screens/ (the top layer); the
console script enters through screens.entry, which hands everything else to this module.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence

from drivers.errors import DeviceError, DeviceTimeout, ErrorCode
from drivers.idcard.model import IdentityCard
from drivers.idcard.reader import SamSerialReader
from drivers.status import FaultAction
from kiosk.cli import cards, central, ime, printing, scan, voice
from kiosk.cli.diagnostics import ACTION_WORDS, advice_for
from kiosk.config import ConfigError, KioskConfig, effective_toml, load_config
from kiosk.config_errors import technician_text
from kiosk.devices import DEVICE_NAMES, build_devices, device_address
from kiosk.logs import setup_logging
from kiosk.privacy import card_fields
from kiosk.session import CARD_TYPE_LABELS

EXIT_OK, EXIT_FAIL, EXIT_NO_CARD, EXIT_DEVICE = 0, 1, 2, 3

LABELS = {
    "card_type": "证件类型", "name": "姓名", "name_en": "英文姓名", "gender": "性别",
    "nation": "民族", "birth_date": "出生日期", "address": "住址", "id_number": "证件号码",
    "issuer": "签发机关", "valid_from": "有效期起", "valid_until": "有效期止",
    "pass_number": "通行证号码", "issue_count": "签发次数", "nationality": "国籍",
    "renewal_count": "换证次数",
}

RunUi = Callable[[KioskConfig, argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="通办自助终端 Tongban Kiosk")
    parser.add_argument("--config", metavar="FILE", help="site file (default: $TONGBAN_CONFIG or /etc/tongban/kiosk.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="start the kiosk UI (fullscreen)")
    run.add_argument("--windowed", action="store_true", help="a normal window instead of fullscreen")

    read = sub.add_parser("read-id", help="wait for an ID card and print it (masked)")
    read.add_argument("--port", required=True, help="serial port of the reader, e.g. /dev/ttyUSB0")
    read.add_argument("--baud", type=int, default=115200)
    read.add_argument("--timeout", type=float, default=30.0, metavar="S", help="seconds to wait for a card (default 30)")
    read.add_argument("--json", action="store_true", help="print one JSON object")
    read.add_argument("--unmask", action="store_true", help="show every field in the clear")

    doctor = sub.add_parser("doctor", help="check each configured device")
    doctor.add_argument("--json", action="store_true")
    doctor.add_argument("--wait", type=float, default=3.0, metavar="S", help="seconds to let devices connect")

    config = sub.add_parser("config", help="configuration tools")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = config_sub.add_parser("check", help="validate and print the effective configuration")
    check.add_argument("file", nargs="?", help="file to check (default: --config or the site file)")
    central.add_parsers(sub)
    printing.add_parsers(sub)
    scan.add_parsers(sub)
    cards.add_parsers(sub)
    voice.add_parsers(sub)
    ime.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None, run_ui: RunUi | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Technician tools log to stderr only, through the same redacting handler as the kiosk.
    setup_logging(None, level=logging.DEBUG if args.verbose else logging.WARNING)
    try:
        if args.command == "read-id":
            return cmd_read_id(args)
        if args.command == "config":
            return cmd_config_check(args)
        if args.command == "staff":
            return printing.run_staff(args)
        if args.command == "scan-image":
            return scan.run(args)
        if args.command == "say":
            return voice.run(args)
        if args.command == "ime":
            return ime.run(args)
        if args.command == "read-card":
            return cards.run(None, args)
        config = load_config(args.config)
        if args.command == "doctor":
            return cmd_doctor(config, args)
        if args.command in ("enroll", "outbox"):
            return central.run(config, args)
        if args.command in ("logs", "print-test"):
            return printing.run(config, args)
        if args.command == "run":
            if run_ui is None:
                print("kiosk: the UI is not available in this entry point", file=sys.stderr)
                return EXIT_FAIL
            return run_ui(config, args)
    except ConfigError as err:
        print(technician_text(err), file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        return 130
    return EXIT_FAIL


def cmd_config_check(args: argparse.Namespace) -> int:
    config = load_config(args.file or args.config)
    sys.stdout.write(effective_toml(config))
    print("# 配置正确 (OK: configuration is valid)", file=sys.stderr)
    return EXIT_OK


def _print_card(card: IdentityCard, as_json: bool, unmask: bool) -> None:
    fields = card_fields(card, unmask=unmask)
    if as_json:
        print(json.dumps(fields, ensure_ascii=False))
        return
    for key, value in fields.items():
        shown = f"{value} ({CARD_TYPE_LABELS[card.card_type]})" if key == "card_type" else value
        print(f"{LABELS[key]:　<5} {key:<13} {shown}")


def cmd_read_id(args: argparse.Namespace) -> int:
    reader = SamSerialReader(name="id_reader", port=args.port, baud=args.baud)
    reader.open()
    try:
        if not args.json:
            print(f"请将身份证放在感应区 (waiting up to {args.timeout:g} s for a card on {args.port})", file=sys.stderr)
        card = reader.wait_identity(args.timeout)
    except DeviceTimeout as err:
        if err.code is ErrorCode.NO_CARD:
            print(f"kiosk read-id: no card within {args.timeout:g} s on {args.port}", file=sys.stderr)
            return EXIT_NO_CARD
        print(f"kiosk read-id: {args.port}: {err.code.value}: {err}", file=sys.stderr)
        return EXIT_DEVICE
    except DeviceError as err:
        print(f"kiosk read-id: {args.port}: {err.code.value}: {err}", file=sys.stderr)
        return EXIT_DEVICE
    finally:
        reader.close()
    try:
        _print_card(card, args.json, args.unmask)
    finally:
        card.wipe()
    return EXIT_OK


def cmd_doctor(config: KioskConfig, args: argparse.Namespace) -> int:
    devices = build_devices(config.devices)
    for device in devices.values():
        device.open()
    try:
        deadline = time.monotonic() + args.wait
        while time.monotonic() < deadline and not all(d.status().ready for d in devices.values()):
            time.sleep(0.1)
        report = []
        for name, device in devices.items():
            status = device.status()
            settings = getattr(config.devices, name)
            report.append(
                {
                    "device": name,
                    "driver": settings.driver,
                    "port": device_address(config.devices, name),
                    **status.as_dict(),
                    "advice": advice_for(status),
                }
            )
    finally:
        for device in devices.values():
            device.close()
    missing = [n for n in DEVICE_NAMES if getattr(config.devices, n) is None]
    if args.json:
        print(json.dumps({"devices": report, "not_configured": missing}, ensure_ascii=False, indent=2))
    else:
        print(f"终端 {config.terminal.hall_name} ({config.terminal.profile}, {config.terminal.region_code})")
        for row in report:
            mark = "OK  " if row["ready"] else "FAIL"
            print(f"[{mark}] {row['device']:<15} {row['driver']:<11} {row['port']}")
            print(f"       state={row['state']} action={ACTION_WORDS[FaultAction(str(row['action']))]}"
                  + (f" fault={row['fault']}" if row["fault"] else ""))
            print(f"       {row['advice']}" + (f" [{row['detail']}]" if row["detail"] else ""))
        for name in missing:
            print(f"[--  ] {name:<15} not configured")
    return EXIT_OK if all(r["ready"] for r in report) else EXIT_FAIL
