"""`kiosk-central ops-user add|list|disable`: the ops console's users (docs/fleet.md §6).

The password is read from stdin (one line; a terminal gets a prompt without echo), never
from the command line, where `ps` and the shell's history would keep it.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from typing import Any

from central import audit
from central.console.auth import (
    MIN_PASSWORD,
    ROLES,
    OpsAuthError,
    add_user,
    disable_user,
    list_users,
)
from central.ops import OpsError, session_for
from central.timeutil import utcnow

WithDb = Callable[[argparse.ArgumentParser], argparse.ArgumentParser]


def _password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise OpsError("the two passwords differ")
        return first
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def _in_transaction(db_url: str, work: Callable[..., Any], *args: Any) -> Any:
    with session_for(db_url) as session:
        conn = session.connection()
        try:
            result = work(conn, *args)
        except OpsAuthError as err:
            raise OpsError(str(err)) from None
        session.commit()
        return result


def cmd_add(args: argparse.Namespace) -> int:
    password = _password()
    if not password:
        raise OpsError(
            "no password on stdin (pipe it in: echo PASSWORD | kiosk-central ops-user add ...)"
        )
    if len(password) < MIN_PASSWORD:
        raise OpsError(f"the password must be at least {MIN_PASSWORD} characters")
    now = utcnow()

    def work(conn: Any) -> dict[str, Any]:
        user = add_user(conn, args.name, args.role, password, now, args.region, args.hall)
        audit.record(conn, "cli", "ops_user_add", args.name,
                     {"role": args.role, "region": user["region"], "hall": user["hall"]}, at=now)  # fmt: skip
        return user

    user = _in_transaction(args.db, work)
    if args.json:
        print(json.dumps(user, ensure_ascii=False))
    else:
        where = user["region"] or user["hall"] or "all"
        print(f"added {user['name']} ({user['role']}, {where})", file=sys.stderr)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    users = _in_transaction(args.db, list_users)
    if args.json:
        print(json.dumps(users, ensure_ascii=False, indent=2))
        return 0
    if not users:
        print("no console users", file=sys.stderr)
    for u in users:
        state = "disabled" if u["disabled"] else "active"
        print(f"{u['name']:<20} {u['role']:<11} {u['region'] or u['hall'] or '-':<12} {state}")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    now = utcnow()

    def work(conn: Any) -> int:
        ended = disable_user(conn, args.name)
        audit.record(conn, "cli", "ops_user_disable", args.name, {"sessions_ended": ended}, at=now)
        return ended

    ended = _in_transaction(args.db, work)
    print(f"{args.name} disabled ({ended} session(s) ended)", file=sys.stderr)
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], with_db: WithDb) -> None:
    users = sub.add_parser("ops-user", help="ops console users").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    text = "add a console user (the password is read from stdin)"
    add = with_db(users.add_parser("add", help=text, description=text))
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--region", metavar="CODE", help="regional: the region code, e.g. 140500")
    add.add_argument("--hall", metavar="CODE", help="hall_staff: the hall code, e.g. JC-ZWZX")
    add.add_argument("--json", action="store_true")
    add.set_defaults(func=cmd_add)
    text = "list console users"
    listing = with_db(users.add_parser("list", help=text, description=text))
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)
    text = "disable a console user and end their sessions"
    disable = with_db(users.add_parser("disable", help=text, description=text))
    disable.add_argument("name", metavar="NAME")
    disable.set_defaults(func=cmd_disable)
