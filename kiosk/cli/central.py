"""`kiosk enroll` and `kiosk outbox ...`: the technician's side of the central link."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.central_api.enroll import enroll
from kiosk.central_api.errors import (
    AlreadyEnrolled,
    CentralError,
    CentralRejected,
    CentralUnavailable,
    IdentityInvalid,
)
from kiosk.central_api.signing import load_identity
from kiosk.cli.words import data_dir_problem, line, store_problem, tell
from kiosk.config import KioskConfig, check_central_url
from kiosk.outbox import Outbox, open_outbox
from kiosk.store import StoreError, open_store

EXIT_OK, EXIT_FAIL, EXIT_UNREACHABLE = 0, 1, 4


def add_parsers(sub: Any) -> None:
    enroll_p = sub.add_parser("enroll", help="register this terminal with central (one-time code)")
    enroll_p.add_argument("--central", metavar="URL", help="central base URL (default: [central] url)")
    enroll_p.add_argument("--code", required=True, help="one-time code from `kiosk-central terminal add`")
    enroll_p.add_argument("--force", action="store_true", help="replace an existing enrollment")

    box = sub.add_parser("outbox", help="submissions waiting for central")
    box_sub = box.add_subparsers(dest="outbox_command", required=True, metavar="ACTION")
    status = box_sub.add_parser("status", help="counts, oldest pending, failed submissions")
    status.add_argument("--json", action="store_true")
    retry = box_sub.add_parser("retry", help="queue failed submissions again (all, or those named)")
    retry.add_argument("receipts", nargs="*", metavar="RECEIPT", help="local receipt numbers")
    drain = box_sub.add_parser("drain", help="deliver in the foreground until nothing is pending")
    drain.add_argument("--timeout", type=float, default=None, metavar="S", help="give up after S seconds")
    drain.add_argument("--concurrency", type=int, default=4, metavar="N", help="parallel deliveries (default 4)")
    drain.add_argument("--quiet", action="store_true", help="no progress lines")


def run(config: KioskConfig, args: argparse.Namespace) -> int:
    try:
        if args.command == "enroll":
            return cmd_enroll(config, args)
        with open_store(Path(config.terminal.data_dir)) as store:
            outbox = open_outbox(config, store, concurrency=max(1, getattr(args, "concurrency", 4)))
            if args.outbox_command == "status":
                return cmd_status(outbox, args.json)
            if args.outbox_command == "retry":
                count = outbox.retry(all_failed=not args.receipts, local_receipts=args.receipts)
                print(f"outbox: {count} failed submission(s) queued again; pending ones are due now")
                return EXIT_OK
            return cmd_drain(config, outbox, args)
    except StoreError as err:
        tell(store_problem(args.command, err))
        return EXIT_FAIL
    except OSError as err:
        tell(data_dir_problem(args.command, config.terminal.data_dir, err))
        return EXIT_FAIL
    return EXIT_FAIL


def cmd_enroll(config: KioskConfig, args: argparse.Namespace) -> int:
    url = args.central or config.central.url
    if not url:
        tell(line("enroll", "没有平台地址", "请用 --central URL 指定，或在配置的 [central] url 中设置",
                  english="no central URL"))
        return EXIT_FAIL
    try:
        url = check_central_url(url)
        result = enroll(
            Path(config.terminal.data_dir), url, args.code, force=args.force,
            ca_bundle=str(config.central.ca_bundle) if config.central.ca_bundle else None,
            connect_timeout=config.central.connect_timeout_s, read_timeout=config.central.read_timeout_s,
        )
    except ValueError as err:
        tell(line("enroll", "平台地址不可用", "请改用 https:// 开头的平台地址（http 只允许本机）",
                  url, f"central URL: {err}"))
        return EXIT_FAIL
    except AlreadyEnrolled as err:
        tell(line("enroll", f"本终端已注册为 {err.terminal_id}", "如确需重新注册，请加 --force",
                  english=f"already enrolled as {err.terminal_id}; use --force to re-enroll"))
        return EXIT_FAIL
    except IdentityInvalid as err:
        tell(line("enroll", "本机保存的注册信息已损坏", "请加 --force 重新注册",
                  english=f"{err.detail}; use --force to enroll again"))
        return EXIT_FAIL
    except CentralRejected as err:
        reason = "code rejected (unknown, used or expired)" if err.error == "enrollment_failed" else err.error
        tell(line("enroll", "平台拒绝了注册码（错误、已用过或已过期）",
                  "请在平台上用 kiosk-central terminal add 重新生成注册码后再试", url,
                  reason + (f": {err.detail}" if err.detail else "")))
        return EXIT_FAIL
    except CentralUnavailable as err:
        tell(line("enroll", "连不上政务服务平台", "请检查网络、平台地址和 CA 证书（[central] ca_bundle）后重试",
                  url, f"central unreachable: {err.code}: {err.detail}"))
        return EXIT_UNREACHABLE
    except CentralError as err:
        tell(line("enroll", "注册失败", "请稍后重试，仍失败请把这一行发给平台管理员", url, str(err)))
        return EXIT_FAIL
    ident = result.identity
    print(f"enrolled as {ident.terminal_id} ({ident.hall_name}, {ident.region_code}, {ident.profile}) at {ident.central_url}")
    print(f"key: {result.key_path} (0600)  identity: {result.identity_path}")
    return EXIT_OK


def cmd_status(outbox: Outbox, as_json: bool) -> int:
    status = outbox.status()
    failed = outbox.failures()
    if as_json:
        print(json.dumps({
            "pending": status.pending, "delivered": status.delivered, "failed": status.failed,
            "oldest_pending_age_s": status.oldest_pending_age_s,
            "failures": [
                {"local_receipt": f.local_receipt, "item_code": f.item_code, "error": f.error_code,
                 "attempts": f.attempts} for f in failed
            ],
        }, ensure_ascii=False))
        return EXIT_OK
    age = "" if status.oldest_pending_age_s is None else f" (oldest {status.oldest_pending_age_s:.0f} s)"
    print(f"pending {status.pending}{age}, delivered {status.delivered}, failed {status.failed}")
    for f in failed:
        print(f"  failed {f.local_receipt} {f.item_code} {f.error_code} after {f.attempts} attempt(s)")
    return EXIT_OK


def cmd_drain(config: KioskConfig, outbox: Outbox, args: argparse.Namespace) -> int:
    try:
        identity = load_identity(Path(config.terminal.data_dir))
    except IdentityInvalid as err:
        tell(line("outbox drain", "本机保存的注册信息已损坏", "请运行 kiosk enroll --code CODE --force 重新注册",
                  english=str(err.detail)))
        return EXIT_FAIL
    if identity is None:
        tell(line("outbox drain", "本终端还没有注册到平台", "请先运行 kiosk enroll --code CODE",
                  english="not enrolled"))
        return EXIT_FAIL
    started = time.monotonic()
    deadline = None if args.timeout is None else started + args.timeout
    first = outbox.status()
    outbox.retry(all_failed=False)           # nothing failed is touched; pending become due now
    outbox.start()
    last_print = 0.0
    try:
        while True:
            status = outbox.status()
            now = time.monotonic()
            if not args.quiet and now - last_print >= 1.0:
                last_print = now
                rate = (status.delivered - first.delivered) / max(now - started, 1e-6)
                print(f"outbox: delivered {status.delivered} ({rate:.0f}/s), pending {status.pending}, "
                      f"failed {status.failed}", file=sys.stderr, flush=True)
            if status.pending == 0:
                break
            if deadline is not None and now >= deadline:
                tell(line("outbox drain", f"{args.timeout:g} 秒后仍有 {status.pending} 件未送达",
                          "请用 kiosk outbox status 查看原因，或加大 --timeout 再试",
                          english=f"{status.pending} still pending after {args.timeout:g} s"))
                return EXIT_FAIL
            time.sleep(0.2)
    finally:
        outbox.stop()
    elapsed = time.monotonic() - started
    print(f"drained: delivered {status.delivered - first.delivered} in {elapsed:.1f} s, "
          f"failed {status.failed}")
    return EXIT_OK if status.failed == 0 else EXIT_FAIL
