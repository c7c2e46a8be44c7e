"""`kiosk-central fleet ...`: the fleet from the command line, for technicians and tests
(docs/fleet.md §2).

    fleet list [--json]
    fleet show ID [--json]
    fleet op ID maintenance-on|maintenance-off|reload-config|pull-log|doctor
             [--hours N] [--phone P] [--note T] [--json]
    fleet command CMD_ID [--json]

A refusal exits 3; with --json it prints {"error": REASON, "message": "..."} on stdout
(`unknown_terminal`, `not_found` for a command id, `command_invalid`). Every queued command
is in the audit log with the actor "cli", and so is every view of a pulled log.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from central.audit import record
from central.db import cli_connection, write_transaction
from central.fleet import fleet_list, terminal_detail
from central.fleet_commands import CommandInvalid, UnknownTerminal, command_detail, queue_command
from central.timeutil import utcnow

REFUSED = 3
ACTOR = "cli"
OPERATIONS = ("maintenance-on", "maintenance-off", "reload-config", "pull-log", "doctor")


def _print(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False))


def _refused(args: argparse.Namespace, reason: str, message: str) -> int:
    if args.json:
        _print({"error": reason, "message": message})
    print(f"kiosk-central: {reason}: {message}", file=sys.stderr)
    return REFUSED


def _list(args: argparse.Namespace, conn: Connection) -> int:
    rows = fleet_list(conn, utcnow())
    if args.json:
        _print(rows)
        return 0
    if not rows:
        print("no terminals enrolled", file=sys.stderr)
        return 0
    print(
        f"{'ID':<8} {'ONLINE':<7} {'LAST SEEN':<20} {'VERSION':<12} {'MAINT':<6} {'FAULTS':<7} HALL"
    )
    for r in rows:
        faults = sum(1 for d in r["devices"].values() if not d.get("ready", True))
        seen = (r["last_seen"] or "-")[:19].replace("T", " ")
        print(
            f"{r['terminal_id']:<8} {'yes' if r['online'] else 'no':<7} {seen:<20} "
            f"{(r['version'] or '-')[:12]:<12} {'yes' if r['maintenance'] else 'no':<6} "
            f"{faults:<7} {r['hall']}"
        )
    return 0


def _show(args: argparse.Namespace, conn: Connection) -> int:
    detail = terminal_detail(conn, args.terminal_id, utcnow())
    if detail is None:
        return _refused(args, "unknown_terminal", f"no enrolled terminal {args.terminal_id}")
    if args.json:
        _print(detail)
        return 0
    print(
        f"{detail['terminal_id']} {detail['hall']} ({detail['hall_code'] or '-'}, "
        f"{detail['region']}, {detail['profile']})"
    )
    print(
        f"  last seen {detail['last_seen'] or 'never'}, online: {detail['online']}, "
        f"version {detail['version'] or '-'}, config {detail['config_version'] or '-'}, "
        f"maintenance: {detail['maintenance']}"
    )
    for name, device in detail["devices"].items():
        print(
            f"  {name}: {device.get('state')} ready={device.get('ready')} "
            f"fault={device.get('fault') or '-'} supplies={device.get('supplies')}"
        )
    for c in detail["commands"][:10]:
        print(f"  command {c['id']} {c['kind']} {c['state']} ({c['created_at'][:19]})")
    return 0


def _op(args: argparse.Namespace, conn: Connection) -> int:
    kind = args.operation.replace("-", "_")
    given: dict[str, Any] = {}
    if args.hours is not None:
        given["hours"] = args.hours
    if args.phone is not None:
        given["phone"] = args.phone
    if args.note is not None:
        given["note"] = args.note
    try:
        with write_transaction(conn):
            command_id = queue_command(conn, args.terminal_id, kind, given, ACTOR, utcnow())
    except UnknownTerminal:
        return _refused(args, "unknown_terminal", f"no enrolled terminal {args.terminal_id}")
    except CommandInvalid as err:
        return _refused(args, "command_invalid", str(err))
    if args.json:
        _print(command_detail(conn, command_id))
    else:
        print(command_id)  # the only line on stdout: scripts read it
    return 0


def _command(args: argparse.Namespace, conn: Connection) -> int:
    detail = command_detail(conn, args.command_id)
    if detail is None:
        return _refused(args, "not_found", f"no command {args.command_id}")
    if detail["log"] is not None:  # a pulled log was looked at: that is audited
        with write_transaction(conn):
            record(conn, ACTOR, "log_view", detail["terminal_id"], {"command_id": detail["id"]})
    if args.json:
        _print(detail)
        return 0
    print(
        f"command {detail['id']} {detail['kind']} for {detail['terminal_id']}: "
        f"{detail['state']} (deliveries {detail['deliveries']})"
    )
    if detail["result"] is not None:
        print(json.dumps(detail["result"], ensure_ascii=False, indent=2))
    if detail["log"] is not None:
        sys.stdout.write(detail["log"] if detail["log"].endswith("\n") else detail["log"] + "\n")
    return 0


def _with_connection(
    run: Callable[[argparse.Namespace, Connection], int],
) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        with cli_connection(args.db) as conn:
            return run(args, conn)

    return command


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    with_db: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
) -> None:
    """`fleet ...` under `sub`; `with_db` adds --db."""
    fleet = sub.add_parser("fleet", help="terminals' health and remote operations").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )

    def command(
        name: str, run: Callable[[argparse.Namespace, Connection], int], text: str
    ) -> argparse.ArgumentParser:
        p = with_db(fleet.add_parser(name, help=text, description=text))
        p.add_argument("--json", action="store_true", help="print JSON")
        p.set_defaults(func=_with_connection(run))
        return p

    command("list", _list, "every terminal with its latest health")
    show = command("show", _show, "one terminal: health, history, commands")
    show.add_argument("terminal_id", metavar="ID")
    op = command("op", _op, "queue a remote operation (prints the command id)")
    op.add_argument("terminal_id", metavar="ID")
    op.add_argument("operation", choices=OPERATIONS)
    op.add_argument("--hours", type=int, help="pull-log: hours of log, 1-72 (default 2)")
    op.add_argument("--phone", help="maintenance-on: the phone shown (default: the hall's)")
    op.add_argument("--note", help="maintenance-on: a note for the technician")
    shown = command("command", _command, "a command with its result (and pulled log)")
    shown.add_argument("command_id", metavar="CMD_ID", type=int)
