"""`kiosk-central config ...`: remote configuration documents (docs/fleet.md §3).

    config put FILE --scope all|profile|region|hall|terminal [--key K] [--note T] [--json]
    config publish --scope S [--key K] --version N [--json]
    config list [--scope S] [--key K] [--json]
    config diff --scope S [--key K] A B
    config effective TERMINAL_ID [--json]

FILE is TOML (the sections of a site file) or JSON (``.json``, or ``-`` for JSON on stdin).
A refusal exits 3; with --json it prints ``{"error": CODE, "problems": [...]}`` on stdout
(``config_invalid`` and ``forbidden_section`` with one ``"path: message"`` each,
``bad_scope``, ``bad_file``, ``not_found``, ``unknown_terminal``); without, one line per
problem on stderr.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from central.config_docs import (
    SCOPES,
    ConfigInvalid,
    ConfigNotFound,
    UnknownTerminal,
    diff,
    effective,
    list_documents,
    publish,
    put_draft,
    require_terminal,
)
from central.db import cli_connection
from central.timeutil import utcnow

REFUSED = 3
MAX_FILE_BYTES = 1 << 20


class _Refused(Exception):
    def __init__(self, error: str, problems: list[str]) -> None:
        super().__init__(error)
        self.error, self.problems = error, problems


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):   # no name for this uid (a container)
        return "cli"


def _read_document(name: str) -> Any:
    try:
        raw = sys.stdin.buffer.read(MAX_FILE_BYTES + 1) if name == "-" else \
            Path(name).read_bytes()[: MAX_FILE_BYTES + 1]
    except OSError as err:
        raise _Refused("bad_file", [f"{name}: cannot read: {err.strerror or err}"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise _Refused("bad_file", [f"{name}: larger than 1 MiB"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _Refused("bad_file", [f"{name}: not UTF-8 (byte {err.start})"]) from None
    try:
        if name == "-" or name.lower().endswith(".json"):
            return json.loads(text)
        return tomllib.loads(text)
    except (ValueError, RecursionError) as err:   # JSONDecodeError, TOMLDecodeError
        kind = "JSON" if name == "-" or name.lower().endswith(".json") else "TOML"
        raise _Refused("bad_file", [f"{name}: not valid {kind}: {err}"]) from None


def _guarded(run: Callable[[argparse.Namespace, Connection], int]) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        try:
            with cli_connection(args.db) as conn:
                return run(args, conn)
        except _Refused as err:
            return _refused(args, err.error, err.problems)
        except ConfigInvalid as err:
            return _refused(args, err.error, err.problems)
        except ConfigNotFound as err:
            return _refused(args, "not_found", [str(err)])
        except UnknownTerminal as err:
            return _refused(args, "unknown_terminal", [f"no terminal {err}"])

    return command


def _refused(args: argparse.Namespace, error: str, problems: list[str]) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": error, "problems": problems}, ensure_ascii=False))
    for problem in problems:
        print(f"kiosk-central: {error}: {problem}", file=sys.stderr)
    return REFUSED


def _print(args: argparse.Namespace, value: Any, line: str) -> None:
    print(json.dumps(value, ensure_ascii=False) if getattr(args, "json", False) else line)


def _put(args: argparse.Namespace, conn: Connection) -> int:
    body = _read_document(args.file)
    version = put_draft(conn, args.scope, args.key, body, args.note, _actor(), utcnow())
    key = (args.key or "").strip()
    _print(args, {"scope": args.scope, "key": key, "version": version},
           f"stored {args.scope}{':' + key if key else ''} version {version} (draft; "
           f"config publish --version {version} to use it)")
    return 0


def _publish(args: argparse.Namespace, conn: Connection) -> int:
    done = publish(conn, args.scope, args.key, args.version, _actor(), utcnow())
    _print(args, done, f"published {args.scope}{':' + done['key'] if done['key'] else ''} "
                       f"version {args.version}")
    return 0


def _list(args: argparse.Namespace, conn: Connection) -> int:
    rows = list_documents(conn, args.scope, args.key)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    if not rows:
        print("no configuration documents", file=sys.stderr)
    for r in rows:
        mark = "*" if r["current"] else " "
        published = r["published_at"][:19] if r["published_at"] else "draft"
        print(f"{mark} {r['scope']:<8} {r['key'] or '-':<12} v{r['version']:<4} {published:<19} {r['note']}")
    return 0


def _diff(args: argparse.Namespace, conn: Connection) -> int:
    for line in diff(conn, args.scope, args.key, args.a, args.b):
        print(line)
    return 0


def _effective(args: argparse.Namespace, conn: Connection) -> int:
    require_terminal(conn, args.terminal_id)
    body = effective(conn, args.terminal_id)
    if args.json:
        print(json.dumps(body, ensure_ascii=False))
    elif body is None:
        print(f"{args.terminal_id}: no configuration layer applies (the terminal runs its "
              "site file: local)")
    else:
        layers = ", ".join(f"{x['scope']}{':' + x['key'] if x['key'] else ''} v{x['version']}"
                           for x in body["layers"])
        print(f"{args.terminal_id}: {body['version']} from {layers}")
        print(json.dumps(body["document"], ensure_ascii=False, indent=2, sort_keys=True))
    return 0


def add_parsers(sub: Any, with_db: Callable[[argparse.ArgumentParser], argparse.ArgumentParser]) -> None:
    config = sub.add_parser("config", help="remote configuration documents (docs/fleet.md §3)")
    actions = config.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, run: Callable[[argparse.Namespace, Connection], int], text: str,
               scoped: bool = True, json_flag: bool = True) -> argparse.ArgumentParser:
        p = with_db(actions.add_parser(name, help=text, description=text))
        p.set_defaults(func=_guarded(run))
        if scoped:
            p.add_argument("--scope", required=True, choices=SCOPES)
            p.add_argument("--key", default="", help="profile, region code, hall code or terminal id")
        if json_flag:
            p.add_argument("--json", action="store_true", help="print JSON")
        return p

    put = action("put", _put, "store a new draft version of a layer (validated first)")
    put.add_argument("file", metavar="FILE", help="TOML or JSON (.json; - for JSON on stdin)")
    put.add_argument("--note", default="", help="what changed, for the list and the audit log")
    pub = action("publish", _publish, "make a version the layer's current one")
    pub.add_argument("--version", type=int, required=True, metavar="N")
    lst = action("list", _list, "list the documents (* marks each layer's current version)",
                 scoped=False)
    lst.add_argument("--scope", choices=SCOPES)
    lst.add_argument("--key")
    dif = action("diff", _diff, "unified diff between two versions of a layer", json_flag=False)
    dif.add_argument("a", type=int, metavar="A")
    dif.add_argument("b", type=int, metavar="B")
    eff = action("effective", _effective, "a terminal's effective configuration", scoped=False)
    eff.add_argument("terminal_id", metavar="TERMINAL_ID")
