"""`kiosk read-card`: wait for a smart card in a PC/SC reader and print what it is (masked).

Exit codes as `kiosk read-id`: 0 read, 2 no card in time, 3 reader / pcscd / card error
with the cause on stderr (one line, no traceback). A social security card that wants its
PIN gets it from ``--pin`` (used once: a wrong PIN is not retried) or from a prompt on the
terminal when there is one.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from drivers.errors import DeviceError, ErrorCode
from drivers.pcsc import scard
from drivers.pcsc.model import CardData, CardKind
from drivers.pcsc.reader import PcscCardReader
from drivers.pcsc.ssse import pin_format_ok
from kiosk.cli.words import code_line, tell
from kiosk.config import KioskConfig

EXIT_OK, EXIT_NO_CARD, EXIT_DEVICE = 0, 2, 3

KIND_LABELS = {
    CardKind.BANK: "银行卡", CardKind.SOCIAL_SECURITY: "社会保障卡",
    CardKind.STAFF: "工作人员卡", CardKind.UNKNOWN: "未知卡片",
}
LABELS = {
    "kind": "卡片类型", "pan": "卡号", "expiry": "有效期", "aid": "应用标识", "product": "产品",
    "label": "应用标签", "holder_name": "持卡人", "holder_id_type": "证件类型",
    "holder_id_number": "证件号码", "card_number": "社保卡号", "id_number": "社会保障号码",
    "name": "姓名", "gender": "性别", "nation": "民族", "birth_date": "出生日期",
    "staff_number": "工号", "staff_role": "角色", "uid": "UID", "atr": "ATR",
}


def _pin(text: str) -> str:
    if not pin_format_ok(text):
        raise argparse.ArgumentTypeError("a card PIN is 4 to 12 digits")
    return text


def add_parsers(sub: Any) -> None:
    read = sub.add_parser("read-card", help="wait for a smart card (bank, social security, staff) "
                                            "and print it (masked)")
    read.add_argument("--reader", metavar="NAME",
                      help="use only readers whose name contains NAME (default: every reader)")
    read.add_argument("--timeout", type=float, default=30.0, metavar="S",
                      help="seconds to wait for a card (default 30)")
    read.add_argument("--json", action="store_true", help="print one JSON object")
    read.add_argument("--unmask", action="store_true", help="show every field in the clear")
    read.add_argument("--pin", type=_pin, metavar="PIN",
                      help="social security card PIN (else asked on the terminal when needed)")


class CliPinPad:
    """``--pin`` once, else getpass on the terminal; nothing at all without a terminal."""

    def __init__(self, pin: str | None, interactive: bool) -> None:
        self._pin = pin
        self.interactive = interactive

    def request_pin(self, tries_left: int | None) -> str | None:
        if self._pin is not None:
            pin, self._pin = self._pin, None
            return pin
        if not self.interactive:
            return None   # a wrong --pin ends as pin_wrong instead of burning the tries
        left = f" (还可尝试 {tries_left} 次 / {tries_left} tries left)" if tries_left is not None else ""
        try:
            return getpass.getpass(f"社会保障卡密码 card PIN{left}: ") or None
        except (EOFError, KeyboardInterrupt):
            return None


def _print_card(card: CardData, as_json: bool, unmask: bool) -> None:
    fields = card.as_dict(unmask=unmask)
    if as_json:
        print(json.dumps(fields, ensure_ascii=False))
        return
    for key, value in fields.items():
        shown = f"{value} ({KIND_LABELS[card.kind]})" if key == "kind" else value
        print(f"{LABELS[key]:　<6} {key:<17} {shown}")


def build_reader(config: KioskConfig | None, args: argparse.Namespace) -> PcscCardReader:
    interactive = args.pin is None and sys.stdin.isatty()
    pad = CliPinPad(args.pin, interactive)
    # A site's card reader settings, once the configuration declares them (devices.card_reader
    # with staff_aids / staff_uids), add the site's staff cards; flags win for the reader.
    settings = getattr(getattr(config, "devices", None), "card_reader", None)
    options: dict[str, Any] = {}
    for key in ("staff_aids", "staff_uids"):
        if settings is not None and getattr(settings, key, None):
            options[key] = getattr(settings, key)
    readers = [args.reader] if args.reader else getattr(settings, "readers", None)
    return PcscCardReader(
        name="card_reader", readers=readers, pin_pad=pad,
        ssse_pin_required=args.pin is not None or interactive, **options,
    )


def run(config: KioskConfig | None, args: argparse.Namespace) -> int:
    """`kiosk read-card`; ``config`` may be None (no site file needed)."""
    reader = build_reader(config, args)
    where = f"读卡器 {args.reader}" if args.reader else "PC/SC"
    try:   # pcscd first: no waiting prompt for a card that could never be read
        scard.release(scard.establish())
    except DeviceError as err:
        tell(code_line("read-card", err.code, where, str(err)))
        return EXIT_DEVICE
    if not args.json:
        tell(f"请插入或放置卡片（{where}，最多等 {args.timeout:g} 秒）"
             f" (waiting up to {args.timeout:g} s for a card)")
    try:
        card = reader.wait_card(args.timeout)
    except DeviceError as err:
        if err.code is ErrorCode.NO_CARD:
            tell(code_line("read-card", err.code, f"{where}，{args.timeout:g} 秒",
                           f"no card within {args.timeout:g} s"))
            return EXIT_NO_CARD
        tell(code_line("read-card", err.code, where, str(err)))
        return EXIT_DEVICE
    try:
        _print_card(card, args.json, args.unmask)
    finally:
        card.wipe()
    return EXIT_OK
