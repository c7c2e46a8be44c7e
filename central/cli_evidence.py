"""`kiosk-central application show NUMBER [--json]` and `kiosk-central application evidence
NUMBER --page N --out FILE --actor NAME` (docs/casework.md §5): an application as staff
see it — masked, its evidence pages listed by hash — and one page written out, each such
view recorded in the audit log (`evidence.view`) in the same transaction as the read.

Exit codes: 0 done; 1 an operational error (no database, ...); 2 an unknown application
or page, or bad arguments (a message naming the cause on stderr; with `--json`, the
error as {"error": "not_found", "message": ...} on stdout).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from central.case_view import case_of
from central.cli_hall import connection_for
from central.evidence import page_content, pages_of
from central.timeutil import utcnow

WithDb = Callable[[argparse.ArgumentParser], argparse.ArgumentParser]
_NUMBER = re.compile(r"[0-9]{14,32}")
_ACTOR = re.compile(r"\S.{0,39}")


def _refuse(message: str, as_json: bool = False) -> int:
    if as_json:
        print(json.dumps({"error": "not_found", "message": message}, ensure_ascii=False))
    print(f"kiosk-central: error: {message}", file=sys.stderr)
    return 2


def _short(value: str | None, n: int = 16) -> str:
    return (value or "")[:n]


def _lines(case: dict[str, Any]) -> list[str]:
    lines = [
        f"{case['application_number']}  {case['item_name']} ({case['item_code']})",
        f"  status {case['status']}  mode {case['mode']}  submitted {case['submitted_at']}",
        f"  applicant {case['applicant_masked']}  received in {case['region_received']}"
        f"  handled in {case['region_handling']}",
    ]
    if case["agent"]:
        agent = case["agent"]
        lines.append(f"  agent {agent['name_masked']} ({agent['relation']}, {agent['authority']})")
    if case["delivery"]:
        d = case["delivery"]
        where = d.get("address_masked") or d.get("pickup_hall") or ""
        lines.append(f"  delivery {d['method']} {where}".rstrip())
    for part in case["parts"]:
        lines.append(
            f"  part {part['seq']}: {part['region_name']} {part['department']} "
            f"{part['task']} — {part['status']}"
        )
    lines.append("  timeline:")
    for step in case["timeline"]:
        extra = []
        if step.get("part"):
            extra.append(f"part {step['part']}")
        if step.get("actor"):
            extra.append(f"by {step['actor']}")
        if step.get("tracking_number"):
            extra.append(f"post {step['tracking_number']}")
        if step.get("hashes"):
            extra.append("hashes " + ",".join(_short(h) for h in step["hashes"]))
        lines.append(f"    {step['at']}  {step['step']}  {step['note']}  {'; '.join(extra)}")
    lines.append(f"  evidence: {len(case['evidence'])} page(s)")
    for page in case["evidence"]:
        state = "received" if page["received"] else "NOT received"
        if page["received"] and page["matches"] is False:
            state = "received, HASH DIFFERS from the declared one"
        lines.append(
            f"    page {page['page']} {page['kind']} {page['material_code'] or '-'} "
            f"sha256 {_short(page['sha256'])}… {state}"
        )
    return lines


def cmd_show(args: argparse.Namespace) -> int:
    if not _NUMBER.fullmatch(args.number):
        return _refuse(f"{args.number!r} is not an application number (14-32 digits)", args.json)
    with connection_for(args.db) as conn:
        case = case_of(conn, args.number)
    if case is None:
        return _refuse(f"no application {args.number}", args.json)
    if args.json:
        print(json.dumps(case, ensure_ascii=False, indent=2))
    else:
        print("\n".join(_lines(case)))
    return 0


def _open_private(path: Path) -> int:
    """The output file, created (or truncated) readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)   # an existing file keeps its mode on open: set it
    return fd


def cmd_evidence(args: argparse.Namespace) -> int:
    if not _NUMBER.fullmatch(args.number):
        return _refuse(f"{args.number!r} is not an application number (14-32 digits)")
    if args.page < 1:
        return _refuse("--page must be 1 or more")
    if not _ACTOR.fullmatch(args.actor.strip()):
        return _refuse("--actor must name who views the page (1-40 characters)")
    out = Path(args.out)
    if not out.parent.is_dir():
        return _refuse(f"--out: no directory {out.parent}")
    with connection_for(args.db) as conn:
        if case_of(conn, args.number) is None:
            return _refuse(f"no application {args.number}")
        if args.page not in {p.page for p in pages_of(conn, args.number)}:
            return _refuse(f"application {args.number} has no received page {args.page}")
        try:
            fd = _open_private(out)
        except OSError as err:
            return _refuse(f"--out: cannot write {out}: {err.strerror}")
        try:
            data = page_content(conn, args.number, args.page, args.actor.strip(), "cli", utcnow())
            if data is not None:
                os.write(fd, data)
        finally:
            os.close(fd)
    if data is None:  # gone between the two reads
        out.unlink(missing_ok=True)
        return _refuse(f"application {args.number} has no received page {args.page}")
    print(f"wrote page {args.page} of {args.number} to {out} ({len(data)} bytes); "
          f"the view is in the audit log", file=sys.stderr)  # fmt: skip
    return 0


def add_parsers(application: argparse._SubParsersAction[argparse.ArgumentParser],
                with_db: WithDb) -> None:  # fmt: skip
    """`show` and `evidence` under `kiosk-central application`."""
    text = "an application as staff see it: masked, its evidence pages by hash"
    show = with_db(application.add_parser("show", help=text, description=text))
    show.add_argument("number", metavar="NUMBER")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)
    text = "write one evidence page (JPEG, mode 0600) to a file; the view is audited"
    page = with_db(application.add_parser("evidence", help=text, description=text))
    page.add_argument("number", metavar="NUMBER")
    page.add_argument("--page", type=int, required=True, metavar="N")
    page.add_argument("--out", required=True, metavar="FILE")
    page.add_argument("--actor", required=True, metavar="NAME",
                      help="who views the page (written to the audit log)")  # fmt: skip
    page.set_defaults(func=cmd_evidence)
