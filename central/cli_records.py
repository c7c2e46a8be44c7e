"""`kiosk-central print-log list` and `kiosk-central document verify`: what terminals
printed and what central issued, for hall staff and operations. Personal data appears only
masked (the print log never has more; a document is masked like its verification)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from central.ops import OpsError, session_for
from central.printlog import LogQuery, as_json, entries
from central.proofs import content_sha256, find_by_code, masked
from central.timeutil import BEIJING, to_beijing

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# (heading, key in as_json's dict); HALL last: CJK text does not line up in fixed widths.
_COLUMNS = (
    ("TIME", "at"),
    ("TERMINAL", "terminal_id"),
    ("SEQ", "seq"),
    ("TYPE", "doc_type"),
    ("DOC NUMBER", "doc_number"),
    ("PRINTER", "printer"),
    ("PAGES", "pages"),
    ("RESULT", "result"),
    ("REASON", "reason"),
    ("ID", "id_masked"),
    ("HALL", "hall_name"),
)


def parse_when(text: str, option: str, *, end_of_day: bool = False) -> datetime:
    """A date (Beijing; with `end_of_day`, the start of the next day, so --until takes the
    whole day in) or an ISO time (Beijing when it has no offset)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise OpsError(
            f"{option}: expected a date (2026-11-23) or a time (2026-11-23T09:30), not {text!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)
    if end_of_day and _DATE.fullmatch(text):
        moment += timedelta(days=1)
    return moment


def _short_time(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def cmd_print_log_list(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise OpsError("--limit must be at least 1")
    query = LogQuery(
        terminal_id=args.terminal,
        hall=args.hall,
        since=parse_when(args.since, "--since") if args.since else None,
        until=parse_when(args.until, "--until", end_of_day=True) if args.until else None,
        limit=args.limit,
    )
    with session_for(args.db) as session:
        rows = [as_json(row) for row in entries(session, query)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no print-log entries match", file=sys.stderr)
        return 0
    cells = [
        [_short_time(row["at"]) if key == "at" else str(row[key]) or "-" for _, key in _COLUMNS]
        for row in rows
    ]
    widths = [
        max(len(heading), *(len(line[i]) for line in cells))
        for i, (heading, _) in enumerate(_COLUMNS)
    ]
    for line in [[heading for heading, _ in _COLUMNS], *cells]:
        print(
            " ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )
    return 0


def cmd_document_verify(args: argparse.Namespace) -> int:
    with session_for(args.db) as session:
        row = find_by_code(session.connection(), args.code)
    if row is None:
        raise OpsError(f"no document with verification code {args.code[:40]!r}")
    intact = content_sha256(row["content"]) == row["content_sha256"]
    document = masked(row["content"])
    if args.json:
        print(
            json.dumps(
                {
                    "valid": True,
                    "document": document,
                    "issued_by_terminal": row["terminal_id"],
                    "content_sha256": row["content_sha256"],
                    "content_intact": intact,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for line in _document_lines(document, row["terminal_id"], row["content_sha256"], intact):
            print(line)
    if not intact:
        raise OpsError("the stored document does not match its content hash")
    return 0


def _document_lines(doc: dict[str, Any], terminal: str, sha: str, intact: bool) -> list[str]:
    issued = to_beijing_text(doc["issued_at"])
    holder = doc["holder"]
    lines = [
        f"document number  {doc['document_number']}",
        f"title            {doc['title']}",
        f"issuer           {doc['issuer']}",
        f"issued           {issued} by terminal {terminal}",
        f"valid until      {doc['valid_until'] or 'no end date'}",
        f"holder           {holder['name']}  {holder['id_number']}",
        f"verification     {doc['verification_code']}",
        f"content sha256   {sha} ({'matches the stored content' if intact else 'MISMATCH'})",
    ]
    if doc["fields"]:
        lines += ["fields", *(f"  {f['label']}: {f['value']}" for f in doc["fields"])]
    if doc["paragraphs"]:
        lines += ["text", *(f"  {p}" for p in doc["paragraphs"])]
    table = doc["table"]
    if table:
        lines.append(f"table            {table['title']} ({len(table['rows'])} rows)")
        lines += [f"  {' | '.join(row)}" for row in [table["columns"], *table["rows"]]]
    if doc["notes"]:
        lines += ["notes", *(f"  {n}" for n in doc["notes"])]
    return lines


def to_beijing_text(iso: str) -> str:
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = to_beijing(moment)
    return moment.astimezone(BEIJING).isoformat(sep=" ")


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    with_db: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
) -> None:
    """`print-log list` and `document verify` under `sub`; `with_db` adds --db."""
    print_log = sub.add_parser("print-log", help="what terminals printed").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    text = "list print-log entries, newest first (ID numbers only masked)"
    listing = with_db(print_log.add_parser("list", help=text, description=text))
    listing.set_defaults(func=cmd_print_log_list)
    listing.add_argument("--terminal", metavar="ID", help="only this terminal, e.g. T-0001")
    listing.add_argument("--hall", metavar="NAME", help="only terminals of this hall")
    listing.add_argument("--since", metavar="DATE", help="from this date or time (Beijing)")
    listing.add_argument("--until", metavar="DATE", help="up to and including this date")
    listing.add_argument("--limit", type=int, metavar="N", help="at most N entries")
    listing.add_argument("--json", action="store_true", help="JSON instead of a table")

    document = sub.add_parser("document", help="issued documents").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    text = "show what was issued under a verification code (holder masked)"
    verify = with_db(document.add_parser("verify", help=text, description=text))
    verify.set_defaults(func=cmd_document_verify)
    verify.add_argument("code", metavar="CODE", help="the verification code (any case, dashes ok)")
    verify.add_argument("--json", action="store_true", help="JSON instead of text")
