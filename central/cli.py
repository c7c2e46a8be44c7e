"""`kiosk-central`: run and operate the reference central service.

    kiosk-central serve [--db URL] [--host H] [--port P] [--workers N]
    kiosk-central migrate [--db URL]
    kiosk-central seed [--db URL] [--demo]
    kiosk-central calendar DATE [--hall CODE] [--plus-workdays N] [--json]
    kiosk-central calendar import FILE [--json] | calendar seed
    kiosk-central hall list [--json]
    kiosk-central appointment slots|book|cancel|list|sweep ... [--json]
    kiosk-central terminal add --hall NAME --region CODE --profile hall|bank|community
    kiosk-central terminal list | terminal revoke ID
    kiosk-central application advance NUMBER [--actor T] [--tracking-number N] [--part S] [--json]
    kiosk-central print-log list [--terminal ID] [--hall NAME] [--since DATE] [--until DATE] [--json]
    kiosk-central document verify CODE [--json]
    kiosk-central appointment issue --item CODE --hall NAME --start ISO [--minutes 30] [--person N]
    kiosk-central eid issue --id-number N [--kind eid|essc] [--minutes 5]
    kiosk-central code-key list | code-key rotate | code-key retire KID
    kiosk-central queue take|call|recall|skip|finish|transfer|staff-add|status --hall H ...
    kiosk-central fleet list|show|op|command ...   (central/cli_fleet.py)
    kiosk-central ops-user add NAME --role admin|regional|hall_staff [--region C] [--hall C]
    kiosk-central ops-user list [--json] | ops-user disable NAME   (central/cli_ops.py)
    kiosk-central config put|publish|list|diff|effective ...   (central/cli_config.py)
    kiosk-central updates|release|rollout|pin ...   (central/cli_updates.py)
    kiosk-central evaluation list|report|case|rule ...   (central/cli_evaluation.py)
    kiosk-central openapi [--out FILE]

--db defaults to $TONGBAN_CENTRAL_DB, else the SQLite file ./var/central/central.db.
Errors are one line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from central.cli_applications import add_parsers as add_application_parsers
from central.cli_codes import add_parsers as add_code_parsers
from central.cli_config import add_parsers as add_config_parsers
from central.cli_evaluation import add_parsers as add_evaluation_parsers
from central.cli_fleet import add_parsers as add_fleet_parsers
from central.cli_hall import add_parsers as add_hall_parsers
from central.cli_ops import add_parsers as add_ops_parsers
from central.cli_queue import add_parsers as add_queue_parsers
from central.cli_records import add_parsers as add_record_parsers
from central.cli_updates import add_parsers as add_updates_parsers
from central.ops import (
    PROFILES,
    OpsError,
    add_terminal,
    check_reachable,
    revoke_terminal,
    session_for,
    short_reason,
    terminals,
)
from central.seeding import SeedError
from central.settings import (
    ENV_DB,
    ENV_DEMO,
    ENV_PUBLIC_URL,
    ENV_UPDATES,
    SettingsError,
    default_db_url,
    default_demo,
    default_public_url,
    normalise_db_url,
    normalise_public_url,
    require_public_url,
    shown_url,
)
from central.timeutil import to_beijing, utcnow

PROG = "kiosk-central"


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _migrate(db_url: str) -> None:
    from central.db import one_off_engine
    from central.migrate import upgrade
    from central.settings import ensure_sqlite_dir

    url = normalise_db_url(db_url)
    try:
        ensure_sqlite_dir(url)
    except OSError as err:
        raise OpsError(f"cannot create the database directory for {shown_url(url)}: {err}") from err
    engine = one_off_engine(url)
    try:
        check_reachable(engine)
    finally:
        engine.dispose()
    upgrade(url)
    _seed_calendar(url)


def _seed_calendar(url: str) -> None:
    """The years chinese-calendar knows, on every migrate (so a production database that
    is never `seed`ed knows them too); idempotent, an imported year is never replaced."""
    from central.calendar import seed_known_years

    with session_for(url) as session:
        seed_known_years(session.connection(), utcnow())
        session.commit()


def cmd_migrate(args: argparse.Namespace) -> int:
    _migrate(args.db)
    _say(f"database {shown_url(normalise_db_url(args.db))} is at the latest schema")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn
    import uvicorn.config

    from central.limits import serve_log_config

    # Checked here, not in the workers: a bad URL is one line, not a worker's traceback.
    public_url = normalise_public_url(args.public_url) if args.public_url else default_public_url()
    require_public_url(public_url, default_demo(normalise_db_url(args.db)))
    _migrate(args.db)
    # Workers are separate processes: they find the database through the environment.
    os.environ[ENV_DB] = normalise_db_url(args.db)
    if public_url:
        os.environ[ENV_PUBLIC_URL] = public_url
    if args.updates_dir:
        os.environ[ENV_UPDATES] = str(Path(args.updates_dir).resolve())
    uvicorn.run(
        "central.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        access_log=False,  # central.limits keeps its own, masked
        log_config=serve_log_config(uvicorn.config.LOGGING_CONFIG),
    )
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from central.seeding import seed

    _migrate(args.db)
    with session_for(args.db) as session:
        # The demo's calendar years: asked for, or the demo's database (central.settings).
        demo = args.demo or default_demo(normalise_db_url(args.db))
        report = seed(session, utcnow(), demo=demo)
    _say(f"seed: {report}")
    return 0


def cmd_terminal_add(args: argparse.Namespace) -> int:
    with session_for(args.db) as session:
        code, row = add_terminal(session, args.hall, args.region, args.profile)
    until = to_beijing(row.expires_at).strftime("%Y-%m-%d %H:%M")
    _say(
        f"enrollment code for {row.hall_name} ({row.region_code}, {row.profile}), single use, valid until {until}:"
    )
    print(code)  # the only line on stdout: scripts read it
    return 0


def cmd_terminal_list(args: argparse.Namespace) -> int:
    with session_for(args.db) as session:
        rows = terminals(session)
    if not rows:
        _say("no terminals enrolled")
        return 0
    print(
        f"{'ID':<8} {'STATE':<8} {'PROFILE':<10} {'REGION':<7} {'ENROLLED':<17} {'HOSTNAME':<20} HALL"
    )
    for t in rows:
        state = "revoked" if t.revoked else "active"
        enrolled = to_beijing(t.enrolled_at).strftime("%Y-%m-%d %H:%M")
        print(
            f"{t.terminal_id or '-':<8} {state:<8} {t.profile:<10} {t.region_code:<7} {enrolled:<17} {t.hostname[:20]:<20} {t.hall_name}"
        )
    return 0


def cmd_terminal_revoke(args: argparse.Namespace) -> int:
    with session_for(args.db) as session:
        terminal = revoke_terminal(session, args.terminal_id)
    _say(f"terminal {terminal.terminal_id} revoked")
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    from central.app import create_app

    document = create_app("sqlite://").openapi()
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as err:
            raise OpsError(f"cannot write {args.out}: {err.strerror}") from err
        _say(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Tongban central service (reference).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--db",
            default=default_db_url(),
            metavar="URL",
            help=f"database URL or SQLite path (default: ${ENV_DB} or var/central/central.db)",
        )
        return p

    def command(
        parent: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        func: Callable[[argparse.Namespace], int],
        help_text: str,
    ) -> argparse.ArgumentParser:
        p = with_db(parent.add_parser(name, help=help_text, description=help_text))
        p.set_defaults(func=func)
        return p

    serve = command(sub, "serve", cmd_serve, "migrate, then serve the API (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8700)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--public-url",
        metavar="URL",
        help=f"base of the verification links printed on documents (default: ${ENV_PUBLIC_URL}, "
        "else the URL each request came to)",
    )
    serve.add_argument(
        "--updates-dir",
        metavar="DIR",
        help=f"the TUF repository served at /updates (default: ${ENV_UPDATES}, else updates/ "
        "beside the SQLite file)",
    )
    command(
        sub,
        "migrate",
        cmd_migrate,
        "upgrade the database schema to the latest (alembic upgrade head)",
    )
    seed_parser = command(
        sub,
        "seed",
        cmd_seed,
        "load the demo catalogue, citizens, companies, licences, halls and the calendar "
        "(idempotent)",
    )
    seed_parser.add_argument(
        "--demo",
        action="store_true",
        help="the demo only: when the current or next year is not in the calendar, add it "
        "as weekends-only DEMO data (not a State Council notice) so booking works; the "
        f"default on the demo's database (SQLite) or with ${ENV_DEMO}=1",
    )

    terminal = sub.add_parser("terminal", help="enrollment codes and terminals").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    add = command(
        terminal, "add", cmd_terminal_add, "issue a one-time enrollment code (printed on stdout)"
    )
    add.add_argument("--hall", required=True, help="hall / branch / station name")
    add.add_argument("--region", required=True, help="6-digit region code, e.g. 140500")
    add.add_argument("--profile", required=True, choices=PROFILES)
    command(terminal, "list", cmd_terminal_list, "list enrolled terminals")
    revoke = command(
        terminal, "revoke", cmd_terminal_revoke, "revoke a terminal (its requests get 401)"
    )
    revoke.add_argument("terminal_id", metavar="ID")

    add_application_parsers(sub, with_db)
    add_record_parsers(sub, with_db)
    appointment = add_code_parsers(sub, with_db)
    add_hall_parsers(sub, appointment, with_db)
    add_queue_parsers(sub, with_db)
    add_updates_parsers(sub, with_db)
    add_config_parsers(sub, with_db)
    add_ops_parsers(sub, with_db)
    add_fleet_parsers(sub, with_db)
    add_evaluation_parsers(sub, with_db)

    openapi = sub.add_parser(
        "openapi", help="write the OpenAPI document", description="write the OpenAPI document"
    )
    openapi.add_argument("--out", metavar="FILE", help="file to write (default: stdout)")
    openapi.set_defaults(func=cmd_openapi)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (OpsError, SettingsError, SeedError) as err:
        _say(f"{PROG}: error: {err}")
    except SQLAlchemyError as err:
        _say(f"{PROG}: error: database: {short_reason(err)}")
    except KeyboardInterrupt:
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
