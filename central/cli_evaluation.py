"""`kiosk-central evaluation ...`: 好差评 figures and rectification cases for the staff
who follow them up (docs/casework.md §8).

    evaluation list [--region CODE] [--state S] [--overdue] [--json]
    evaluation report [--region CODE] [--from DATE] [--to DATE] [--json]
    evaluation case CASE ACTION --note TEXT [--actor NAME] [--json]
    evaluation rule REGION --visit-days N --rectify-days N [--json]

A refusal (`bad_transition`, `not_found`, `invalid`) exits 2; with --json it prints
{"error": REASON, "message": "..."} on stdout. `--today DATE` (Beijing) stands in for
today when deciding what is overdue, for tests and for looking back.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Connection

from central.db import cli_connection
from central.rectification import (
    REASON_NAMES,
    STATES,
    TRANSITIONS,
    RectificationError,
    act,
    list_cases,
    report,
    set_rule,
)
from central.timeutil import to_beijing, utcnow

REFUSED = 2


def _refused(args: argparse.Namespace, reason: str, message: str) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": reason, "message": message}, ensure_ascii=False))
    print(f"kiosk-central: {reason}: {message}", file=sys.stderr)
    return REFUSED


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RectificationError("invalid", f"{option}: expected a date like 2026-12-06, not {text!r}") from None


def _today(args: argparse.Namespace) -> date:
    return _day(args.today, "--today") or to_beijing(utcnow()).date()


def _guarded(run: Callable[[argparse.Namespace, Connection], int]) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        try:
            with cli_connection(args.db) as conn:
                return run(args, conn)
        except RectificationError as err:
            return _refused(args, err.reason, err.message)

    return command


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _list(args: argparse.Namespace, conn: Connection) -> int:
    rows = list_cases(conn, args.region, args.state, args.overdue, _today(args))
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        print("no rectification cases match", file=sys.stderr)
        return 0
    print(f"{'CASE':<18} {'STATE':<6} {'LEVEL':<7} {'VISIT DUE':<11} {'RECTIFY DUE':<12} {'OVERDUE':<8} HALL / REASONS")
    for r in rows:
        due = r["rectify_due"] + ("~" if r["due_estimated"] else "")
        reasons = "、".join(REASON_NAMES.get(code, code) for code in r["reasons"])
        print(f"{r['case_number']:<18} {r['state']:<6} {r['level']} {r['level_name']:<5} "
              f"{r['visit_due']:<11} {due:<12} {'yes' if r['overdue'] else '-':<8} {r['hall']} / {reasons}")  # fmt: skip
    return 0


def _report(args: argparse.Namespace, conn: Connection) -> int:
    start, end = _day(args.date_from, "--from"), _day(args.date_to, "--to")
    if start and end and start > end:
        raise RectificationError("invalid", "--from is after --to")
    figures = report(conn, args.region, start, end, _today(args))
    if args.json:
        _print_json(figures)
        return 0
    rate = figures["satisfaction_rate"]
    print(f"evaluations   {figures['total']}")
    print("by level      " + "  ".join(f"{k}:{v}" for k, v in figures["by_level"].items()))
    print(f"satisfaction  {'-' if rate is None else f'{rate:.1%}'}")
    print("cases         " + "  ".join(f"{k}:{v}" for k, v in figures["cases"].items()))
    print(f"overdue       {figures['overdue']}")
    return 0


def _case(args: argparse.Namespace, conn: Connection) -> int:
    found = act(conn, args.case_number, args.action, args.note, args.actor, utcnow())
    if args.json:
        _print_json(found)
    else:
        print(f"{found['case_number']} {found['state']}")
    return 0


def _rule(args: argparse.Namespace, conn: Connection) -> int:
    rule = set_rule(conn, args.region, args.visit_days, args.rectify_days, utcnow())
    if args.json:
        _print_json(rule)
    else:
        print(f"{rule['region_code']}: return visit within {rule['visit_workdays']} working days, "
              f"rectification within {rule['rectify_workdays']}")  # fmt: skip
    return 0


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    with_db: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
) -> None:
    """`evaluation list|report|case|rule` under `sub`; `with_db` adds --db."""
    evaluation = sub.add_parser("evaluation", help="好差评 and rectification cases").add_subparsers(
        dest="action_name", required=True, metavar="ACTION"
    )

    def command(name: str, run: Callable[[argparse.Namespace, Connection], int], text: str) -> argparse.ArgumentParser:
        p = with_db(evaluation.add_parser(name, help=text, description=text))
        p.set_defaults(func=_guarded(run))
        p.add_argument("--json", action="store_true", help="JSON instead of text")
        return p

    listing = command("list", _list, "list rectification cases, newest first")
    listing.add_argument("--region", metavar="CODE", help="only this region and those under it")
    listing.add_argument("--state", metavar="S", help="only cases in this state: " + ", ".join(STATES))
    listing.add_argument("--overdue", action="store_true", help="only overdue cases")
    figures = command("report", _report, "evaluation figures: levels, satisfaction, cases")
    figures.add_argument("--region", metavar="CODE", help="only this region and those under it")
    figures.add_argument("--from", dest="date_from", metavar="DATE", help="received on or after (Beijing)")
    figures.add_argument("--to", dest="date_to", metavar="DATE", help="received on or before (Beijing)")
    for p in (listing, figures):
        p.add_argument("--today", metavar="DATE", help="decide overdue as of this date (default: today, Beijing)")
    case = command("case", _case, "move a rectification case: " + ", ".join(TRANSITIONS))
    case.add_argument("case_number", metavar="CASE")
    case.add_argument("action", metavar="ACTION", help=" | ".join(TRANSITIONS))
    case.add_argument("--note", required=True, help="what was done (1 to 500 characters)")
    case.add_argument("--actor", default="cli", help="who did it (default: cli)")
    rule = command("rule", _rule, "set a region's deadlines in working days")
    rule.add_argument("region", metavar="REGION", help="6-digit region code")
    rule.add_argument("--visit-days", type=int, required=True, metavar="N")
    rule.add_argument("--rectify-days", type=int, required=True, metavar="N")
