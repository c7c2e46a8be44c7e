"""`kiosk-central appointment issue`, `eid issue` and `code-key list|rotate|retire`: codes
for tests and the demo until a booking flow and a real 电子证照 link exist, and the keys
appointment codes are signed with. Each issue command prints the code alone on stdout (a
script reads it) and a summary on stderr; ID numbers appear only masked."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import timedelta

from central.appointment_codes import AppointmentError, issue_appointment
from central.cli_records import parse_when
from central.code_keys import add_key, key_states, retire_key
from central.eid import IdentityCodeError, issue_identity_code
from central.ops import OpsError, session_for
from central.proofs import mask_id_number
from central.timeutil import to_beijing, utcnow

_SHORT = "%Y-%m-%d %H:%M"


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def cmd_appointment_issue(args: argparse.Namespace) -> int:
    start = parse_when(args.start, "--start")
    with session_for(args.db) as session:
        try:
            issued = issue_appointment(
                session,
                args.item,
                args.hall,
                start,
                args.minutes,
                utcnow(),
                person=args.person,
                region=args.region,
                name=args.name,
            )
        except AppointmentError as err:
            raise OpsError(str(err)) from err
    _say(
        f"appointment {issued.number}: {issued.item_name} at {issued.hall}, "
        f"{issued.start:{_SHORT}} to {issued.end:%H:%M}; the code expires {issued.expires:{_SHORT}}"
    )
    if issued.hall_code is not None:
        _say(
            f"booked at {issued.hall_code} (channel ops, category {issued.category}): "
            "报到 by this code finds it"
        )
    print(issued.code)
    return 0


def cmd_eid_issue(args: argparse.Namespace) -> int:
    with session_for(args.db) as session:
        try:
            issued = issue_identity_code(
                session.connection(),
                args.id_number,
                utcnow(),
                args.kind,
                timedelta(minutes=args.minutes),
            )
        except IdentityCodeError as err:
            raise OpsError(str(err)) from err
        session.commit()
    _say(
        f"{args.kind} code for {mask_id_number(args.id_number)}, single use, "
        f"valid until {issued.expires:%Y-%m-%d %H:%M:%S}"
    )
    print(issued.code)
    return 0


def cmd_key_list(args: argparse.Namespace) -> int:
    with session_for(args.db) as session:
        states = key_states(session.connection())
    if not states:
        _say("no code signing key yet (one is made when the first code is issued)")
        return 0
    print(f"{'KID':<17} {'STATE':<8} {'CREATED':<17} RETIRED")
    for key in states:
        state = "current" if key.current else "retired" if key.retired_at else "live"
        retired = to_beijing(key.retired_at).strftime(_SHORT) if key.retired_at else "-"
        print(f"{key.kid:<17} {state:<8} {to_beijing(key.created_at):{_SHORT}} {retired}")
    return 0


def cmd_key_rotate(args: argparse.Namespace) -> int:
    with session_for(args.db) as session:
        kid = add_key(session.connection(), utcnow())
        session.commit()
    _say("new code signing key; older keys stay published until retired")
    print(kid)
    return 0


def cmd_key_retire(args: argparse.Namespace) -> int:
    with session_for(args.db) as session:
        if not retire_key(session.connection(), args.kid, utcnow()):
            raise OpsError(f"no live code signing key {args.kid[:20]!r}")
        session.commit()
    _say(f"key {args.kid} retired: codes signed with it no longer verify")
    return 0


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    with_db: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """`appointment issue`, `eid issue` and `code-key ...` under `sub`; `with_db` adds --db.
    Returns the `appointment` command's actions (central.cli_hall adds the booking ones)."""

    def command(
        parent: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        func: Callable[[argparse.Namespace], int],
        text: str,
    ) -> argparse.ArgumentParser:
        p = with_db(parent.add_parser(name, help=text, description=text))
        p.set_defaults(func=func)
        return p

    appointment = sub.add_parser("appointment", help="appointments and their codes").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    issue = command(
        appointment,
        "issue",
        cmd_appointment_issue,
        "issue an appointment outside the booking rules (现场/窗口 appointments, tests, demo) "
        "and print its signed code (TONGBAN-APPT:...) on stdout; at a hall in `hall list` "
        "(by name or code) the place is booked there too (channel ops), so 报到 finds it",
    )
    issue.add_argument("--item", required=True, metavar="CODE", help="事项编码 in the catalogue")
    issue.add_argument(
        "--hall", required=True, metavar="NAME", help="the hall, as terminals know it (or its code)"
    )
    issue.add_argument("--start", required=True, metavar="ISO", help="start (Beijing if no offset)")
    issue.add_argument("--minutes", type=int, default=30, help="length of the slot (default 30)")
    issue.add_argument("--person", metavar="N", help="ID number of who booked (kept centrally)")
    issue.add_argument(
        "--name", metavar="NAME", help="who booked (kept centrally; 报到 by ID card)"
    )
    issue.add_argument(
        "--region", metavar="CODE", help="default: the hall's region, else the item's handling one"
    )

    eid = sub.add_parser("eid", help="electronic ID codes (demo)").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    eid_issue = command(
        eid,
        "issue",
        cmd_eid_issue,
        "print a single-use electronic ID code (TONGBAN-EID:...) for a person on stdout",
    )
    eid_issue.add_argument("--id-number", required=True, metavar="N", help="a seeded person")
    eid_issue.add_argument(
        "--kind", choices=("eid", "essc"), default="eid", help="电子身份证 or 电子社保卡"
    )
    eid_issue.add_argument("--minutes", type=float, default=5.0, help="validity (default 5)")

    keys = sub.add_parser("code-key", help="keys appointment codes are signed with")
    actions = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    command(actions, "list", cmd_key_list, "list the code signing keys")
    command(actions, "rotate", cmd_key_rotate, "make a new current key (prints its kid)")
    retire = command(
        actions, "retire", cmd_key_retire, "withdraw a key: codes it signed stop verifying"
    )
    retire.add_argument("kid", metavar="KID")
    return appointment
