"""`kiosk update check|apply|status|boot-check|seed`: the technician's side of software
updates (docs/fleet.md §4). Refusals exit 3 with ``{"error": reason}`` under ``--json``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kiosk.cli.words import line, tell
from kiosk.config import KioskConfig
from kiosk.update.apply import make_client, newer, prepare, status, switch_to, utc_now
from kiosk.update.bundle import open_bundle
from kiosk.update.errors import UpdateRefused
from kiosk.update.install import Layout, install_bundle, seed_deps, switch
from kiosk.update.trial import TrialState, boot_check
from kiosk.version import running_version

EXIT_OK, EXIT_FAIL, EXIT_REFUSED = 0, 1, 3

# What each reason means for the technician (cause, fix).
REASON_WORDS: dict[str, tuple[str, str]] = {
    "hash_mismatch": ("下载的更新包与签名不符", "可能被篡改或损坏，请联系平台运维"),
    "bad_signature": ("更新元数据签名无效", "请联系平台运维核对更新仓库的密钥"),
    "older_version": ("提供的版本不比正在运行的新", "无需更新；如需回退请联系平台运维"),
    "metadata_expired": ("更新元数据已过期", "平台的更新仓库需要刷新（kiosk-central updates refresh）"),
    "clock_wrong": ("本机时钟与平台相差超过 5 分钟", "请校准本机时间（timedatectl）后重试"),
    "not_found": ("平台上没有这个版本", "请用 kiosk update check 查看可用版本"),
    "unreachable": ("连不上平台的更新服务", "请检查网络和 [central] 配置后重试"),
    "bundle_invalid": ("更新包格式不对", "请联系平台运维重新发布"),
    "install_failed": ("安装失败", "请查看日志（journalctl -u tongban-kiosk）后重试"),
}


def add_parsers(sub: Any) -> None:
    update = sub.add_parser("update", help="software updates: check, apply, status")
    actions = update.add_subparsers(dest="update_command", required=True, metavar="ACTION")
    check = actions.add_parser("check", help="is a newer signed release available?")
    apply = actions.add_parser("apply", help="download, verify, install and switch to a release")
    apply.add_argument("--version", metavar="V", help="this release (default: the newest)")
    state = actions.add_parser("status", help="running, committed and installed versions")
    boot = actions.add_parser("boot-check", help="before a start: count trial starts, end a crash loop")
    seed = actions.add_parser("seed", help="install a local bundle as the first, committed version")
    seed.add_argument("bundle", type=Path)
    seed.add_argument("--deps-from", type=Path, metavar="DIR",
                      help="use this site-packages as the bundle's dependency directory (demo)")
    for parser in (check, apply, state, boot, seed):
        parser.add_argument("--json", action="store_true")


def _print(doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(doc, ensure_ascii=False))
    else:
        for key, value in doc.items():
            print(f"{key}: {value if value is not None else '-'}")


def _refused(args: argparse.Namespace, err: UpdateRefused, extra: dict[str, Any] | None = None) -> int:
    if args.json:
        print(json.dumps({**(extra or {}), "error": err.reason}, ensure_ascii=False))
    cause, fix = REASON_WORDS.get(err.reason, ("更新被拒绝", "请查看日志"))
    tell(line(f"update {args.update_command}", cause, fix, english=str(err)))
    return EXIT_REFUSED


def run(config: KioskConfig, args: argparse.Namespace) -> int:
    layout = Layout(Path(config.update.root))
    store = TrialState(Path(config.terminal.data_dir))
    command = args.update_command
    try:
        if command == "status":
            _print(status(layout, store), args.json)
            return EXIT_OK
        if command == "boot-check":
            _print(boot_check(layout, store, utc_now()), args.json)
            return EXIT_OK
        if command == "seed":
            return cmd_seed(layout, args)
        if command == "check":
            return cmd_check(config, layout, args)
        return cmd_apply(config, layout, store, args)
    except OSError as err:
        tell(line(f"update {command}", "无法读写更新目录", "请检查 [update] root 和数据目录的权限",
                  str(err.filename or config.update.root), english=err.strerror or str(err)))
        return EXIT_FAIL


def cmd_check(config: KioskConfig, layout: Layout, args: argparse.Namespace) -> int:
    running = running_version()
    doc: dict[str, Any] = {"running": running, "committed": layout.points_to("committed"),
                           "offered": None, "available": False, "reason": ""}
    try:
        newest = make_client(config).newest()
    except UpdateRefused as err:
        doc["reason"] = err.reason
        return _refused(args, err, doc)
    if newest is not None:
        doc["offered"] = newest.version
        doc["available"] = newer(newest.version, running)
        doc["reason"] = "" if doc["available"] else "older_version"
    _print(doc, args.json)
    return EXIT_OK


def cmd_apply(config: KioskConfig, layout: Layout, store: TrialState, args: argparse.Namespace) -> int:
    running = running_version()
    try:
        installed = prepare(make_client(config), layout, store, args.version, running)
        switch_to(layout, store, installed, {}, config.update.self_test_s, utc_now())
    except UpdateRefused as err:
        store.note("failed" if err.reason in ("install_failed", "bundle_invalid") else "refused",
                   args.version, err.reason, now=utc_now())
        return _refused(args, err)
    _print({"version": installed, "previous": running, "state": "trial", "restart": True}, args.json)
    if not args.json:
        print("已切换到新版本，请重启终端服务（systemctl restart tongban-kiosk）以运行它", file=sys.stderr)
    return EXIT_OK


def cmd_seed(layout: Layout, args: argparse.Namespace) -> int:
    try:
        bundle = open_bundle(args.bundle)
        if args.deps_from:
            seed_deps(layout, bundle.lock_hash, args.deps_from)
        version = install_bundle(layout, args.bundle)
        if layout.points_to("committed") is None:
            switch(layout, "committed", version)
            switch(layout, "current", version)
    except UpdateRefused as err:
        return _refused(args, err)
    _print({"version": version, "current": layout.points_to("current"),
            "committed": layout.points_to("committed")}, args.json)
    return EXIT_OK
