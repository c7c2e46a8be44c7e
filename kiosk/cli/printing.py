"""`kiosk logs ...`, `kiosk print-test ...` and `kiosk staff hash-pin`: the printed-output log
and the printers, for staff and technicians."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from drivers.contracts import Device
from kiosk import hall_time
from kiosk.cli.words import data_dir_problem, line, store_problem, tell
from kiosk.config import KioskConfig
from kiosk.devices import build_a4_printer, build_receipt_printer
from kiosk.diagnostics import advice_for
from kiosk.outbox import open_outbox
from kiosk.printing.export import export_csv, write_csv
from kiosk.printing.jobs import print_test_page
from kiosk.printing.printers import Printing, PrintResult
from kiosk.printing.printlog import DOC_TYPES, IdLookupUnavailable, PrintLog
from kiosk.staff import PinFormatError, hash_pin
from kiosk.store import StoreError, open_store

EXIT_OK, EXIT_FAIL, EXIT_NOT_READY = 0, 1, 3


def add_parsers(sub: Any) -> None:
    logs = sub.add_parser("logs", help="the printed-output log")
    logs_sub = logs.add_subparsers(dest="logs_command", required=True, metavar="ACTION")
    logs_sub.add_parser("verify", help="check the log's chain; non-zero exit when it was tampered with")
    prints = logs_sub.add_parser("prints", help="list print attempts (newest first)")
    prints.add_argument("--since", type=_date, metavar="DATE", help="from this day (YYYY-MM-DD) or time (ISO)")
    prints.add_argument("--until", type=_until, metavar="DATE", help="up to this day (inclusive) or time")
    prints.add_argument("--type", choices=sorted(DOC_TYPES), metavar="TYPE",
                        help=f"document type: {', '.join(sorted(DOC_TYPES))}")
    prints.add_argument("--id-number", metavar="N", help="the citizen's ID number (looked up by keyed hash)")
    prints.add_argument("--csv", type=Path, metavar="FILE", help="write CSV to FILE instead of a table")
    prints.add_argument("--json", action="store_true")

    test = sub.add_parser("print-test", help="print a test page")
    test_sub = test.add_subparsers(dest="print_target", required=True, metavar="PRINTER")
    receipt = test_sub.add_parser("receipt", help="on the receipt printer")
    receipt.add_argument("--printer", metavar="URL",
                         help="tcp://host:port, serial:///dev/ttyX?baud=N, usb://VID:PID or file:///path "
                              "(default: the configured receipt printer)")
    receipt.add_argument("--paper", choices=("58mm", "80mm"), help="paper width with --printer")
    a4 = test_sub.add_parser("a4", help="on the A4 printer (CUPS)")
    a4.add_argument("--queue", metavar="NAME", help="CUPS queue (default: the configured A4 printer)")
    a4.add_argument("--server", metavar="SERVER", help="CUPS server with --queue (default: the system's)")

    staff = sub.add_parser("staff", help="staff access")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    staff_sub.add_parser("hash-pin", help="read a new staff PIN and print the pin_hash value for the config")


def _date(text: str) -> dt.datetime:
    """A day or time as typed; without an offset it is the hall's wall time (``cmd_prints``
    gives it the hall's zone, never the host's)."""
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD) or ISO time") from None


def _until(text: str) -> dt.datetime:
    """A plain day is inclusive: --until 2026-11-23 covers the whole of that day."""
    value = _date(text)
    return value + dt.timedelta(days=1) if len(text.strip()) == 10 else value


def run_staff(args: argparse.Namespace) -> int:
    pin = getpass.getpass("新的工作人员密码 (4-12 digits): ")
    if getpass.getpass("再输入一次 (again): ") != pin:
        tell(line("staff", "两次输入的密码不一致", "请重新运行 kiosk staff hash-pin，两次输入同一个密码",
                  english="the two PINs differ"))
        return EXIT_FAIL
    try:
        print(f'pin_hash = "{hash_pin(pin)}"')
    except PinFormatError as err:
        tell(line("staff", "密码格式不对", "请输入 4 到 12 位数字", english=str(err)))
        return EXIT_FAIL
    return EXIT_OK


def run(config: KioskConfig, args: argparse.Namespace) -> int:
    try:
        with open_store(Path(config.terminal.data_dir)) as store:
            outbox = open_outbox(config, store)
            plog = PrintLog(store, outbox, zone=hall_time.hall_zone(config))
            if args.command == "logs":
                return cmd_verify(plog) if args.logs_command == "verify" else cmd_prints(plog, args)
            return cmd_print_test(config, plog, args)
    except StoreError as err:
        tell(store_problem(args.command, err))
        return EXIT_FAIL
    except OSError as err:
        tell(data_dir_problem(args.command, config.terminal.data_dir, err))
        return EXIT_FAIL


def cmd_verify(plog: PrintLog) -> int:
    report = plog.verify()
    if report.ok:
        print(f"打印记录完整 print log intact: {report.attempts} print attempts ({report.rows} rows), "
              "chain and head verified")
        return EXIT_OK
    tell(line("logs verify", f"打印记录被篡改（第 {report.seq} 行）",
              "请保留本机数据目录原样，不要再打印，并报告主管部门核查",
              english=f"print log TAMPERED: {report.problem} at row {report.seq}: {report.detail}"))
    return EXIT_FAIL


def cmd_prints(plog: PrintLog, args: argparse.Namespace) -> int:
    since = hall_time.at_hall(args.since, plog.zone) if args.since else None
    until = hall_time.at_hall(args.until, plog.zone) if args.until else None
    try:
        records = plog.records(since=since, until=until, doc_type=args.type, id_number=args.id_number)
    except IdLookupUnavailable as err:   # the look-up by number is central's
        tell(line("logs prints", "按证件号码查询需要连接政务服务平台",
                  "请确认网络和平台可用（kiosk outbox status）后重试，或改用 --since/--type 查询",
                  english=f"the look-up by ID number needs central ({err.code})"))
        return EXIT_NOT_READY
    if args.csv is not None:
        count = export_csv(records, args.csv)
        print(f"{count} 条记录已导出 exported to {args.csv}")
        return EXIT_OK
    if args.json:
        print(json.dumps([r.as_row() for r in records], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not records:
        print("没有符合条件的打印记录 (no print records match)")
        return EXIT_OK
    write_csv(records, sys.stdout)
    return EXIT_OK


def cmd_print_test(config: KioskConfig, plog: PrintLog, args: argparse.Namespace) -> int:
    terminal = config.terminal.terminal_code or "LOCAL"
    device: Device
    if args.print_target == "receipt":
        settings = config.devices.receipt_printer
        if args.printer:
            from kiosk.config_devices import EscposPrinterSettings

            try:
                settings = EscposPrinterSettings(
                    driver="escpos", url=args.printer,
                    paper=args.paper or (settings.paper if settings else "80mm"),
                )
            except ValueError as err:
                tell(line("print-test", "打印机地址写法不对",
                          "请用 tcp://主机:端口、serial:///dev/ttyX?baud=N、usb://VID:PID 或 file:///路径",
                          f"--printer {args.printer}", _first_error(err)))
                return EXIT_FAIL
        if settings is None:
            tell(line("print-test", "没有配置凭条打印机",
                      "请在配置中设置 [devices.receipt_printer]，或用 --printer URL 指定",
                      english="no receipt printer configured"))
            return EXIT_FAIL
        device = build_receipt_printer(settings)
        where = settings.url
    else:
        a4_settings = config.devices.a4_printer
        if args.queue:
            from kiosk.config_devices import CupsPrinterSettings

            try:
                a4_settings = CupsPrinterSettings(driver="cups", queue=args.queue, server=args.server)
            except ValueError as err:
                tell(line("print-test", "打印队列名称不对", "请用 lpstat -p 列出的队列名（字母、数字、_ . -）",
                          f"--queue {args.queue}", _first_error(err)))
                return EXIT_FAIL
        if a4_settings is None:
            tell(line("print-test", "没有配置 A4 打印机",
                      "请在配置中设置 [devices.a4_printer]，或用 --queue NAME 指定 CUPS 队列",
                      english="no A4 printer configured"))
            return EXIT_FAIL
        device = build_a4_printer(a4_settings)
        where = f"CUPS queue {a4_settings.queue}"
    role = "receipt_printer" if args.print_target == "receipt" else "a4_printer"
    printing = Printing({role: device}, plog)
    device.open()
    try:
        status = _settled_status(device)
        state = status.state.value + (f" ({status.fault})" if status.fault else "")
        print(f"{where}: {state}, supplies {status.supplies or '-'}")
        if not status.ready:
            tell(line("print-test", "打印机未就绪", advice_for(status), where,
                      f"printer not ready: {status.fault or status.state.value}"
                      + (f" [{status.detail}]" if status.detail else "")))
            return EXIT_NOT_READY
        now = hall_time.now(hall_time.hall_zone(config))
        # the same test page as the technician's maintenance screen (kiosk/printing/jobs.py)
        result = print_test_page(printing, args.print_target, where, state, now, terminal, config)
    finally:
        device.close()
    return _report(result)


def _settled_status(device: Device) -> Any:
    """The first status after the driver has talked to the printer (up to ~3 s)."""
    import time

    deadline = time.monotonic() + 3.0
    status = device.status()
    while time.monotonic() < deadline:
        status = device.status()
        if status.ready or status.fault:
            break
        time.sleep(0.05)
    return status


def _report(result: PrintResult) -> int:
    if result.ok:
        print(f"测试页已打印 test page printed: job {result.job_id}, {result.pages} page(s), "
              f"log entry {result.entry_id}")
        return EXIT_OK
    tell(line("print-test", "测试页没有打印出来", "请运行 kiosk doctor 查看打印机状态，处理后重试",
              english=f"not printed: {result.reason} (log entry {result.entry_id})"))
    return EXIT_NOT_READY


def _first_error(err: ValueError) -> str:
    errors = getattr(err, "errors", None)
    if callable(errors):
        first = errors()[0]
        return str(first.get("msg", err)).removeprefix("Value error, ")
    return str(err)
