"""`kiosk read-id`: wait for an ID card on a SAM serial reader and print it (masked).

Exit codes (as `kiosk read-card`): 0 read, 2 no card in time, 3 the reader or its port
failed (missing, busy, permission, no answer, SAM ...), each one line on stderr in the
technician's style (kiosk.cli.words); the waiting prompt only once the port has opened.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from drivers.errors import DeviceError, ErrorCode
from drivers.idcard.model import IdentityCard
from drivers.idcard.reader import SamSerialReader
from kiosk.cli.ports import PortState, probe_port
from kiosk.cli.words import code_line, tell
from kiosk.privacy import card_fields
from kiosk.session import CARD_TYPE_LABELS

EXIT_OK, EXIT_NO_CARD, EXIT_DEVICE = 0, 2, 3

LABELS = {
    "card_type": "证件类型", "name": "姓名", "name_en": "英文姓名", "gender": "性别",
    "nation": "民族", "birth_date": "出生日期", "address": "住址", "id_number": "证件号码",
    "issuer": "签发机关", "valid_from": "有效期起", "valid_until": "有效期止",
    "pass_number": "通行证号码", "issue_count": "签发次数", "nationality": "国籍",
    "renewal_count": "换证次数",
}

# The probe's verdict -> the stable code printed with it.
_PORT_CODES = {
    PortState.MISSING: ErrorCode.NO_DEVICE.value, PortState.BUSY: "port_busy",
    PortState.PERMISSION: "permission_denied", PortState.NOT_A_DEVICE: "not_a_device",
}


def add_parser(sub: Any) -> None:
    read = sub.add_parser("read-id", help="wait for an ID card and print it (masked)")
    read.add_argument("--port", required=True, help="serial port of the reader, e.g. /dev/ttyUSB0")
    read.add_argument("--baud", type=int, default=115200)
    read.add_argument("--timeout", type=float, default=30.0, metavar="S", help="seconds to wait for a card (default 30)")
    read.add_argument("--json", action="store_true", help="print one JSON object")
    read.add_argument("--unmask", action="store_true", help="show every field in the clear")


def _print_card(card: IdentityCard, as_json: bool, unmask: bool) -> None:
    fields = card_fields(card, unmask=unmask)
    if as_json:
        print(json.dumps(fields, ensure_ascii=False))
        return
    for key, value in fields.items():
        shown = f"{value} ({CARD_TYPE_LABELS[card.card_type]})" if key == "card_type" else value
        print(f"{LABELS[key]:　<5} {key:<13} {shown}")


def run(args: argparse.Namespace) -> int:
    check = probe_port(args.port)
    if check.state is not PortState.FREE:
        tell(f"kiosk read-id: {check.message()} [{_PORT_CODES[check.state]}]")
        return EXIT_DEVICE
    reader = SamSerialReader(name="id_reader", port=args.port, baud=args.baud)
    reader.open()
    try:
        if not args.json:
            tell(f"请将身份证放在感应区（{args.port}，最多等 {args.timeout:g} 秒）"
                 f" (waiting up to {args.timeout:g} s for a card)")
        card = reader.wait_identity(args.timeout)
    except DeviceError as err:
        if err.code is ErrorCode.NO_CARD:
            tell(code_line("read-id", err.code, f"{args.port}，{args.timeout:g} 秒",
                           f"no card within {args.timeout:g} s"))
            return EXIT_NO_CARD
        tell(code_line("read-id", err.code, args.port, str(err)))
        return EXIT_DEVICE
    finally:
        reader.close()
    try:
        _print_card(card, args.json, args.unmask)
    finally:
        card.wipe()
    return EXIT_OK
