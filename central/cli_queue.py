"""`kiosk-central queue ...`: the queue from the command line, for staff and tests.

    queue take --hall H --category C [--id-number N] [--green] [--json]
    queue call|recall|skip|finish --hall H --window W [--json]
    queue transfer --hall H --window W --category C [--json]
    queue staff-add --hall H --login L --name N        (the password is read from stdin)
    queue status --hall H [--json]

A refusal exits 3; with --json it prints {"error": REASON, "message": "..."} on stdout
(`empty`: nobody waits for the window; `invalid_id`: the ID number fails GB 11643). The
ID number is only used for its birth date (the green channel) and never printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Connection
from stdnum.cn import ric

from central.db import cli_connection
from central.ids import check_id_number
from central.queue import Taken, take_ticket
from central.queue_base import QueueError, load_hall
from central.queue_calls import call_next, finish, hall_status, recall, skip, transfer
from central.queue_staff import add_staff
from central.settings import default_public_url
from central.timeutil import utcnow

REFUSED = 3


def _out(args: argparse.Namespace, value: dict[str, Any], line: str) -> None:
    if args.json:
        print(json.dumps(value, ensure_ascii=False))
    else:
        print(line)


def _refused(args: argparse.Namespace, reason: str, message: str) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": reason, "message": message}, ensure_ascii=False))
    print(f"kiosk-central: {reason}: {message}", file=sys.stderr)
    return REFUSED


def birth_date_of(id_number: str) -> date | None:
    """The birth date an ID number carries (None for the 9... numbers, which carry none)."""
    if id_number.startswith("9"):
        return None
    return ric.get_birth_date(id_number)  # type: ignore[no-any-return]


def _guarded(
    run: Callable[[argparse.Namespace, Connection], int],
) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        try:
            with cli_connection(args.db) as conn:
                return run(args, conn)
        except QueueError as err:
            return _refused(args, err.reason, err.message)

    return command


def _take(args: argparse.Namespace, conn: Connection) -> int:
    birth = None
    if args.id_number is not None:
        number = args.id_number.strip().upper()
        reason = check_id_number(number)
        if reason:
            return _refused(args, "invalid_id", f"--id-number is not a valid ID number ({reason})")
        birth = birth_date_of(number)
    hall = load_hall(conn, args.hall)
    asked = Taken(birth_date=birth, green=args.green)
    ticket = take_ticket(
        conn, hall, args.category.upper(), utcnow(), asked, default_public_url() or ""
    )
    ahead = ticket["people_ahead"]
    _out(
        args,
        ticket,
        f"{ticket['label']} ({ticket['category_name']}, {ticket['kind']}): {ahead} ahead",
    )
    return 0


def _window_action(action: str) -> Callable[[argparse.Namespace, Connection], int]:
    def run(args: argparse.Namespace, conn: Connection) -> int:
        hall = load_hall(conn, args.hall)
        now = utcnow()
        if action == "call":
            result = call_next(conn, hall, args.window, now)
        elif action == "recall":
            result = recall(conn, hall, args.window, now)
        elif action == "skip":
            result = skip(conn, hall, args.window, now)
        elif action == "finish":
            result = finish(conn, hall, args.window, now)
        else:
            result = transfer(conn, hall, args.window, args.category.upper(), now)
        _out(args, result, f"{action}: {result['label']} window {result['window']}")
        return 0

    return run


def _staff_add(args: argparse.Namespace, conn: Connection) -> int:
    password = sys.stdin.readline().rstrip("\r\n")
    hall = load_hall(conn, args.hall)
    result = add_staff(conn, hall, args.login, args.name, password)
    _out(args, result, f"staff {result['login']} added to {result['hall']}")
    return 0


def _status(args: argparse.Namespace, conn: Connection) -> int:
    status = hall_status(conn, load_hall(conn, args.hall), utcnow())
    if args.json:
        print(json.dumps(status, ensure_ascii=False))
        return 0
    print(f"{status['hall_name']} ({status['hall']}) {status['day']}")
    for c in status["categories"]:
        print(f"  {c['code']} {c['name']}: {c['waiting']} waiting")
    for w in status["windows"]:
        print(f"  window {w['number']} {w['name']}: {w['current'] or '-'}")
    return 0


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    with_db: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
) -> None:
    """`queue ...` under `sub`; `with_db` adds --db."""
    queue = sub.add_parser("queue", help="queue tickets and calling (取号, 叫号)")
    actions = queue.add_subparsers(dest="action", required=True, metavar="ACTION")

    def command(
        name: str, run: Callable[[argparse.Namespace, Connection], int], text: str
    ) -> argparse.ArgumentParser:
        p = with_db(actions.add_parser(name, help=text, description=text))
        p.add_argument("--hall", required=True, metavar="CODE", help="hall code, e.g. JC-ZWZX")
        p.add_argument("--json", action="store_true", help="print JSON")
        p.set_defaults(func=_guarded(run))
        return p

    take = command("take", _take, "take a ticket")
    take.add_argument("--category", required=True, metavar="C")
    take.add_argument("--id-number", metavar="N", help="for the green channel (birth date only)")
    take.add_argument("--green", action="store_true", help="staff mark: green channel")
    for name, text in (
        ("call", "call the next ticket to the window"),
        ("recall", "call the window's current ticket again"),
        ("skip", "mark the window's current ticket a no-show (after max_calls calls)"),
        ("finish", "finish the window's current ticket"),
        ("transfer", "move the window's current ticket to another category"),
    ):
        p = command(name, _window_action(name), text)
        p.add_argument("--window", required=True, type=int, metavar="W")
        if name == "transfer":
            p.add_argument("--category", required=True, metavar="C")
    staff = command("staff-add", _staff_add, "add a window clerk (password from stdin)")
    staff.add_argument("--login", required=True)
    staff.add_argument("--name", required=True)
    command("status", _status, "the hall now: current calls and waiting counts")
