"""`kiosk-central calendar`, `hall list` and `appointment slots|book|cancel|list|sweep`:
the calendar and the booking engine for operations and 电话预约 (phone bookings, channel
`phone`). Each prints readable lines, or with `--json` one JSON document on stdout.

Exit codes: 0 done; 1 an operational error (no database, ...); 2 bad input (a bad date,
a calendar file that fails validation, every error listed); 3 a refusal of the contract
(docs/hall-day.md), which with `--json` prints exactly {"error": REASON, "message": "..."}.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from central import booking, booking_lists, booking_noshow
from central.booking_slots import Refused, slots_view
from central.calendar import (
    CalendarFileError,
    import_year,
    load_calendar,
    load_year_file,
    seed_known_years,
)
from central.db import one_off_engine
from central.halls import all_halls, load_hall
from central.ops import session_for
from central.settings import normalise_db_url
from central.timeutil import utcnow

Add = Callable[[argparse.ArgumentParser], argparse.ArgumentParser]


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


@contextmanager
def connection_for(db_url: str) -> Iterator[Connection]:
    """An autocommit connection (what the booking engine expects, as on the request path)
    to a reachable, migrated database."""
    with session_for(db_url):
        pass  # reachable and migrated, or an OpsError that says what to do
    engine = one_off_engine(normalise_db_url(db_url))
    try:
        with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _date(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _BadInput(f"{flag} must be a date YYYY-MM-DD, not {text[:20]!r}") from None


class _BadInput(Exception):
    """Bad input on the command line: exit 2."""


def _refused(args: argparse.Namespace, err: Refused) -> int:
    if args.json:
        print(json.dumps({"error": err.reason, "message": err.message}, ensure_ascii=False))
    else:
        _say(f"refused ({err.reason}): {err.message}")
    return 3


def _guarded(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except Refused as err:
            return _refused(args, err)
        except _BadInput as err:
            _say(f"kiosk-central: error: {err}")
            return 2

    return run


# --- calendar ------------------------------------------------------------------------


def cmd_calendar(args: argparse.Namespace) -> int:
    if args.target == "import":
        return _calendar_import(args)
    if args.target == "seed":
        with connection_for(args.db) as conn:
            added = seed_known_years(conn, utcnow())
        _say(f"calendar: {added} year(s) added from chinese-calendar")
        return 0
    if args.file is not None:
        raise _BadInput(f"unexpected {args.file[:40]!r} after the date")
    day = _date(args.target, "DATE")
    if args.plus_workdays is not None and not 0 <= args.plus_workdays <= 366:
        raise _BadInput("--plus-workdays must be 0 to 366")
    with connection_for(args.db) as conn:
        cal = load_calendar(conn, range(day.year, day.year + 3))
        plan = load_hall(conn, args.hall) if args.hall else None
        if args.hall and plan is None:
            raise Refused("not_found", f"no hall {args.hall[:20]!r}")
    kind = cal.kind(day)
    sessions: list[dict[str, Any]] = []
    if plan is not None:
        every_item = [i for _c, _n, items in plan.categories for i in items]
        for held in plan.sessions:
            if held.open_on(day, kind):
                sessions.append(
                    {
                        "kind": held.kind,
                        "start": held.start.strftime("%H:%M"),
                        "end": held.end.strftime("%H:%M"),
                        "slot_minutes": held.slot_minutes,
                        "capacity": held.capacity,
                        "items": list(held.items) or every_item,
                    }
                )
    later = cal.plus_workdays(day, args.plus_workdays) if args.plus_workdays is not None else None
    out: dict[str, Any] = {
        "date": day.isoformat(),
        "kind": kind,
        "name": cal.name(day),
        "source": cal.source(day),
        "sessions": sessions,
        "plus_workdays": later.isoformat() if later else None,
    }
    if args.json:
        _print_json(out)
        return 0
    source = cal.source(day) or "not in the calendar: import the year's notice"
    print(f"{day} {kind}{' ' + out['name'] if out['name'] else ''} (source: {source})")
    for one in sessions:
        print(
            f"  {one['kind']:<8} {one['start']}-{one['end']} every {one['slot_minutes']} min, "
            f"{one['capacity']} places per category, {len(one['items'])} items"
        )
    if args.plus_workdays is not None:
        print(f"  + {args.plus_workdays} working days: {out['plus_workdays'] or 'unknown'}")
    return 0


def _calendar_import(args: argparse.Namespace) -> int:
    if args.file is None:
        raise _BadInput("calendar import needs a FILE (TOML or JSON)")
    try:
        year = load_year_file(Path(args.file))
    except CalendarFileError as err:
        if args.json:
            print(json.dumps({"error": "invalid_file", "errors": err.errors}, ensure_ascii=False))
        _say(f"kiosk-central: error: {args.file} is not a valid calendar year file:")
        for line in err.errors:
            _say(f"  - {line}")
        return 2
    with connection_for(args.db) as conn:
        with booking_noshow.writing(conn) as tx:
            import_year(tx, year, utcnow())
    out = {
        "year": year.year,
        "source": year.source,
        "holidays": len(year.holidays),
        "make_up_workdays": len(year.make_up_workdays),
    }
    if args.json:
        _print_json(out)
    else:
        print(
            f"calendar {year.year} imported from {year.source}: {out['holidays']} holidays, "
            f"{out['make_up_workdays']} make-up workdays"
        )
    return 0


# --- halls and appointments -----------------------------------------------------------


def cmd_hall_list(args: argparse.Namespace) -> int:
    with connection_for(args.db) as conn:
        halls = [{**h.public(), "rules": h.rules()} for h in all_halls(conn)]
    if args.json:
        _print_json(halls)
        return 0
    for h in halls:
        print(f"{h['code']:<8} {h['name']}  {h['address']}  {h['phone']}")
        cats = ", ".join(f"{c['code']} {c['name']}" for c in h["categories"])
        print(f"  categories: {cats}; {len(h['windows'])} windows")
        for item in h["items"]:
            print(
                f"  [{item['category']}] {item['code']} {item['name']} ({'/'.join(item['sessions'])})"
            )
    return 0


def _plan(conn: Connection, code: str) -> Any:
    plan = load_hall(conn, code)
    if plan is None:
        raise Refused("not_found", f"no hall {code[:20]!r}")
    return plan


def cmd_slots(args: argparse.Namespace) -> int:
    day = _date(args.date, "--date")
    with connection_for(args.db) as conn:
        view = slots_view(conn, _plan(conn, args.hall), args.item, day, utcnow())
    if args.json:
        _print_json(view["slots"])
        return 0
    print(f"{view['date']} {view['kind']}{' ' + view['name'] if view['name'] else ''}")
    if not view["slots"]:
        print(f"  no slots ({view['reason']})")
    for s in view["slots"]:
        state = "bookable" if s["bookable"] else s["reason"]
        print(
            f"  {s['time']}-{s['end']} {s['session']:<8} {s['remaining']}/{s['capacity']} left  {state}"
        )
    return 0


def _show(appointment: dict[str, Any]) -> str:
    a = appointment
    return (
        f"{a['code']}  {a['date']} {a['time']}-{a['end']} {a['session']:<8} {a['status']:<10} "
        f"{a['name_masked']}  {a['item_name']} @ {a['hall_name']}"
    )


def cmd_book(args: argparse.Namespace) -> int:
    req = booking.BookRequest(
        hall=args.hall,
        item_code=args.item,
        day=_date(args.date, "--date"),
        at=args.time,
        id_number=args.id_number.strip().upper(),
        name=args.name.strip(),
        phone=args.phone,
        channel="phone",
    )
    if not req.name or len(req.name) > 50:
        raise _BadInput("--name must be 1 to 50 characters")
    if req.phone is not None and not (
        5 <= len(req.phone) <= 20 and req.phone.replace("-", "").isdigit()
    ):
        raise _BadInput("--phone must be 5 to 20 digits (dashes allowed)")
    with connection_for(args.db) as conn:
        appointment, _created = booking.book(conn, req, utcnow())
    if args.json:
        _print_json(appointment)
    else:
        print(_show(appointment))
        _say(f"cancel up to {appointment['cancel_until']}; the slip's QR: {appointment['qr']}")
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    with connection_for(args.db) as conn:
        appointment = booking_lists.cancel(conn, args.code, utcnow())
    if args.json:
        _print_json(appointment)
    else:
        print(_show(appointment))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    day = _date(args.date, "--date")
    with connection_for(args.db) as conn:
        rows = booking_lists.day_list(conn, args.hall, day, utcnow())
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        print(f"no appointments at {args.hall} on {day}")
    for row in rows:
        print(_show(row))
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    with connection_for(args.db) as conn:
        if args.hall:
            _plan(conn, args.hall)
        no_shows, suspended = booking_noshow.sweep(conn, utcnow(), hall=args.hall)
    if args.json:
        _print_json({"no_shows": no_shows, "suspended": suspended})
    else:
        print(f"{no_shows} no-show(s) recorded, {suspended} booking suspension(s) started")
    return 0


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    appointment: argparse._SubParsersAction[argparse.ArgumentParser],
    with_db: Add,
) -> None:
    """`calendar`, `hall list` under `sub`; slots|book|cancel|list|sweep under the
    `appointment` command (whose `issue` is central.cli_codes')."""

    def command(
        parent: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        func: Callable[[argparse.Namespace], int],
        text: str,
    ) -> argparse.ArgumentParser:
        p = with_db(parent.add_parser(name, help=text, description=text))
        p.add_argument("--json", action="store_true", help="print JSON")
        p.set_defaults(func=_guarded(func))
        return p

    cal = command(
        sub,
        "calendar",
        cmd_calendar,
        "the kind of a date (workday, weekend, holiday, make_up_workday, unknown); "
        "`calendar import FILE` adds a year's notice; `calendar seed` adds chinese-calendar's years",
    )
    cal.add_argument("target", metavar="DATE|import|seed")
    cal.add_argument("file", nargs="?", metavar="FILE", help="for import: a TOML or JSON year file")
    cal.add_argument("--hall", metavar="CODE", help="also the hall's sessions that day")
    cal.add_argument(
        "--plus-workdays", type=int, metavar="N", help="also the date N working days later"
    )

    hall = sub.add_parser("hall", help="halls").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    command(hall, "list", cmd_hall_list, "halls with their items, categories, windows and rules")

    slots = command(appointment, "slots", cmd_slots, "a hall's slots for an item on a date")
    book = command(appointment, "book", cmd_book, "book an appointment (电话预约, channel phone)")
    for p in (slots, book):
        p.add_argument("--hall", required=True, metavar="CODE")
        p.add_argument("--item", required=True, metavar="CODE")
        p.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    book.add_argument("--time", required=True, metavar="HH:MM")
    book.add_argument("--id-number", required=True, metavar="N")
    book.add_argument("--name", required=True, metavar="NAME")
    book.add_argument("--phone", metavar="P")
    cancel = command(appointment, "cancel", cmd_cancel, "cancel an appointment by its code")
    cancel.add_argument("code", metavar="CODE")
    listing = command(appointment, "list", cmd_list, "a hall's appointments on a date")
    listing.add_argument("--hall", required=True, metavar="CODE")
    listing.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    sweep = command(appointment, "sweep", cmd_sweep, "record no-shows and suspensions now")
    sweep.add_argument("--hall", metavar="CODE")


__all__ = ["add_parsers", "connection_for"]
