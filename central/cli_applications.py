"""`kiosk-central application ...`: operating on applications (办件).

    kiosk-central application advance NUMBER [--actor TEXT] [--tracking-number NO]
                                              [--part SEQ] [--json]

`advance` moves an application one step (docs/casework.md §3): 全程网办 along its
timeline, 异地代收 along its chain of custody (寄递 needs --tracking-number; every custody
event carries the pages' SHA-256), a 多地联办 part with --part (the application is 办结
when its last part is). It prints `NUMBER STATUS`, or with --json the application as the
API answers it. A refusal exits 2 with one line on stderr naming the cause, or with --json
`{"error": REASON, "message": "..."}` on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from central.application_advance import advance
from central.cli_evidence import add_parsers as add_evidence_parsers
from central.custody import AdvanceError
from central.db import cli_connection
from central.settings import default_public_url

WithDb = Callable[[argparse.ArgumentParser], argparse.ArgumentParser]
EXIT_REFUSED = 2


def cmd_advance(args: argparse.Namespace) -> int:
    try:
        with cli_connection(args.db) as conn:
            out = advance(
                conn,
                args.number,
                actor=args.actor,
                tracking_number=args.tracking_number,
                part=args.part,
                public_url=default_public_url(),
            )
    except AdvanceError as err:
        if args.json:
            print(json.dumps({"error": err.reason, "message": err.detail}, ensure_ascii=False))
        else:
            print(f"kiosk-central: error: {err.reason}: {err.detail}", file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        print(out.model_dump_json(indent=2))
    else:
        latest = out.timeline[-1]
        where = f" part {latest.part} {latest.step}" if latest.part is not None else ""
        print(f"{out.application_number} {out.status}{where}")
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], with_db: WithDb) -> None:
    application = sub.add_parser(
        "application", help="applications", description="applications (办件)"
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    text = (
        "move an application (or, with --part, one of its 多地联办 parts) one step along its "
        "timeline or chain of custody"
    )
    adv = with_db(application.add_parser("advance", help=text, description=text))
    adv.add_argument("number", metavar="NUMBER")
    adv.add_argument("--actor", metavar="TEXT", help="who did it (default: per step, §3)")
    adv.add_argument(
        "--tracking-number", metavar="NO", help="the post's tracking number (寄递; 送达 by post)"
    )
    adv.add_argument("--part", type=int, metavar="SEQ", help="a 多地联办 part's seq (1..)")
    adv.add_argument("--json", action="store_true", help="print the application as JSON")
    adv.set_defaults(func=cmd_advance)

    # `show` and `evidence` (central/cli_evidence.py), under `application` too.
    add_evidence_parsers(application, with_db)
