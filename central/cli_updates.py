"""`kiosk-central updates|release|rollout|pin ...`: software updates from the command line
(docs/fleet.md §4, §5).

    updates init [--updates-dir D] [--root-key F] [--json]
    updates refresh [--updates-dir D] [--json]
    updates rotate-root --root-key OLD --new-root-key NEW [--updates-dir D] [--json]
    updates clock set ISO | updates clock reset            (the demo only)
    release publish BUNDLE --version V [--notes T] [--updates-dir D] [--json]
    release list [--json]
    rollout start V [--waves 5,30,100] [--threshold 0.1] [--region R] [--hall H] [--json]
    rollout pause|resume|abort ID [--reason T] [--json];  rollout status ID [--json]
    rollout list [--json]
    pin set --terminal ID | --hall CODE --version V;  pin clear --terminal ID | --hall CODE
    pin list [--json]

The updates directory: --updates-dir, else $TONGBAN_UPDATES_DIR, else `updates` beside the
SQLite file. A refusal exits 3; with --json it prints {"error": REASON, "message": "..."}.
Every change is written to the audit log with the actor "cli" (so the database must be
migrated first, as `serve` and `migrate` do).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from central.audit import record
from central.db import one_off_engine
from central.settings import ENV_UPDATES, default_demo, default_updates_dir, normalise_db_url
from central.timeutil import BEIJING, to_beijing, utcnow
from central.updates import pins, releases, rollouts, windows
from central.updates.errors import UpdatesError
from central.updates.repository import RepoPaths, init_repository, refresh, rotate_root

REFUSED = 3
ACTOR = "cli"
AddParser = Callable[..., argparse.ArgumentParser]


@contextmanager
def _transaction(db: str) -> Iterator[Connection]:
    engine = one_off_engine(normalise_db_url(db))
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def _updates_dir(args: argparse.Namespace) -> Path:
    chosen = args.updates_dir or default_updates_dir(normalise_db_url(args.db))
    if not chosen:
        raise UpdatesError(
            "no_updates_dir",
            f"give --updates-dir or set ${ENV_UPDATES} (no SQLite file to go beside)",
        )
    return Path(chosen)


def _print(args: argparse.Namespace, value: Any, line: str) -> None:
    print(json.dumps(value, ensure_ascii=False) if getattr(args, "json", False) else line)


def _guarded(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except UpdatesError as err:
            if getattr(args, "json", False):
                print(json.dumps({"error": err.reason, "message": err.message}, ensure_ascii=False))
            print(f"kiosk-central: {err.reason}: {err.message}", file=sys.stderr)
            return REFUSED

    return command


# --- updates ------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    root_key = Path(args.root_key) if args.root_key else None
    now = utcnow()
    with _transaction(args.db) as conn:  # the repository first; audited when it was made
        out = init_repository(RepoPaths(_updates_dir(args)), root_key, now)
        if out["created"]:
            record(
                conn, ACTOR, "updates_init", out["updates_dir"], {"root_key": out["root_key"]}, now
            )
    state = "created" if out["created"] else "kept (exists)"
    _print(args, out, f"repository {out['updates_dir']} {state}; root key {out['root_key']}")
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    now = utcnow()
    with _transaction(args.db) as conn:
        written = refresh(RepoPaths(_updates_dir(args)), now)
        record(conn, ACTOR, "updates_refresh", "", {"signed": written}, now)
    _print(
        args, {"signed": written}, "re-signed " + ", ".join(f"{r} v{v}" for r, v in written.items())
    )
    return 0


def cmd_rotate_root(args: argparse.Namespace) -> int:
    paths = RepoPaths(_updates_dir(args))
    out = rotate_root(paths, Path(args.root_key), Path(args.new_root_key), utcnow())
    with _transaction(args.db) as conn:
        record(conn, ACTOR, "root_rotate", str(out["root_version"]), {"keyids": out["root_keyids"]})
    _print(args, out, f"root version {out['root_version']} signed by the old and the new key")
    return 0


def cmd_clock(args: argparse.Namespace) -> int:
    url = normalise_db_url(args.db)
    if not default_demo(url):
        raise UpdatesError(
            "not_demo", "the fleet clock moves only in the demo (SQLite or TONGBAN_CENTRAL_DEMO=1)"
        )
    now = utcnow()
    with _transaction(url) as conn:
        if args.clock_action == "reset":
            windows.reset_clock(conn)
            offset = 0
        else:
            try:
                moment = datetime.fromisoformat(args.moment)
            except ValueError as err:
                raise UpdatesError(
                    "bad_time", f"{args.moment!r} is not an ISO date and time"
                ) from err
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=BEIJING)  # the hall's time, as people say it
            offset = windows.set_clock(conn, moment, now)
        record(conn, ACTOR, "fleet_clock", args.clock_action, {"offset_seconds": offset}, now)
    reads = (to_beijing(now) + timedelta(seconds=offset, milliseconds=500)).replace(microsecond=0)
    _print(
        args,
        {"offset_seconds": offset, "now": reads.isoformat()},
        f"fleet clock reads {reads.isoformat()}",
    )
    return 0


# --- releases -----------------------------------------------------------------------------


def cmd_publish(args: argparse.Namespace) -> int:
    updates_dir = _updates_dir(args)
    with _transaction(args.db) as conn:
        out = releases.publish_release(
            conn, updates_dir, Path(args.bundle), args.version, args.notes, ACTOR, utcnow()
        )
    _print(
        args,
        out,
        f"published {out['target']} ({out['length']} bytes, targets v{out['targets_version']})",
    )
    return 0


def cmd_release_list(args: argparse.Namespace) -> int:
    with _transaction(args.db) as conn:
        rows = releases.list_releases(conn)
    _print(
        args,
        rows,
        "\n".join(
            f"{r['version']:<12} {r['published_at'][:16]} {r['target']}  {r['notes']}" for r in rows
        )
        or "no releases",
    )
    return 0


# --- rollouts -----------------------------------------------------------------------------


def _status_line(s: dict[str, Any]) -> str:
    waves = " ".join(
        f"[{w['wave']}:{w['percent']}% {w['committed']}/{w['terminals']} ok {w['failed']} failed]"
        for w in s["waves"]
    )
    reason = f" ({s['pause_reason']})" if s["pause_reason"] else ""
    return f"rollout {s['id']} {s['version']} {s['state']}{reason} wave {s['current_wave']} {waves}"


def cmd_rollout_start(args: argparse.Namespace) -> int:
    scope = {"region": args.region, "hall": args.hall}
    with _transaction(args.db) as conn:
        rollout_id = rollouts.start_rollout(
            conn, args.version, args.waves, args.threshold, scope, ACTOR, utcnow()
        )
        status = rollouts.rollout_status(conn, rollout_id)
    _print(args, status, _status_line(status))
    return 0


def _rollout_action(action: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        with _transaction(args.db) as conn:
            if action == "pause":
                rollouts.pause(conn, args.rollout_id, ACTOR, args.reason or "", utcnow())
            elif action == "resume":
                rollouts.resume(conn, args.rollout_id, ACTOR, utcnow())
            elif action == "abort":
                rollouts.abort(conn, args.rollout_id, ACTOR, utcnow())
            status = rollouts.rollout_status(conn, args.rollout_id)
        _print(args, status, _status_line(status))
        return 0

    return run


def cmd_rollout_list(args: argparse.Namespace) -> int:
    with _transaction(args.db) as conn:
        rows = rollouts.list_rollouts(conn)
    _print(args, rows, "\n".join(_status_line(s) for s in rows) or "no rollouts")
    return 0


# --- pins ---------------------------------------------------------------------------------


def _pin_scope(args: argparse.Namespace) -> tuple[str, str]:
    return ("terminal", args.terminal) if args.terminal else ("hall", args.hall)


def cmd_pin_set(args: argparse.Namespace) -> int:
    scope, key = _pin_scope(args)
    with _transaction(args.db) as conn:
        out = pins.set_pin(conn, scope, key, args.version, ACTOR, utcnow())
    _print(args, out, f"{scope} {key} pinned to {args.version}")
    return 0


def cmd_pin_clear(args: argparse.Namespace) -> int:
    scope, key = _pin_scope(args)
    with _transaction(args.db) as conn:
        cleared = pins.clear_pin(conn, scope, key, ACTOR, utcnow())
    _print(
        args,
        {"scope": scope, "key": key, "cleared": cleared},
        f"{scope} {key}: {'pin cleared' if cleared else 'was not pinned'}",
    )
    return 0


def cmd_pin_list(args: argparse.Namespace) -> int:
    with _transaction(args.db) as conn:
        rows = pins.list_pins(conn)
    _print(
        args,
        rows,
        "\n".join(f"{r['scope']:<8} {r['key']:<12} {r['version']}" for r in rows) or "no pins",
    )
    return 0


# --- the parsers ----------------------------------------------------------------------------


def add_parsers(
    sub: Any, with_db: Callable[[argparse.ArgumentParser], argparse.ArgumentParser]
) -> None:
    def group(name: str, help_text: str) -> Any:
        return sub.add_parser(name, help=help_text).add_subparsers(
            dest="action", required=True, metavar="ACTION"
        )

    def command(
        parent: Any,
        name: str,
        func: Callable[[argparse.Namespace], int],
        help_text: str,
        *,
        updates_dir: bool = False,
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = with_db(
            parent.add_parser(name, help=help_text, description=help_text)
        )
        p.add_argument("--json", action="store_true", help="print JSON")
        if updates_dir:
            p.add_argument(
                "--updates-dir",
                metavar="DIR",
                help=f"the TUF repository (default: ${ENV_UPDATES}, "
                "else updates/ beside the SQLite file)",
            )
        p.set_defaults(func=_guarded(func))
        return p

    updates = group("updates", "the TUF repository of software releases")
    p = command(updates, "init", cmd_init, "create the repository (idempotent)", updates_dir=True)
    p.add_argument(
        "--root-key",
        metavar="FILE",
        help="the offline root key (default <updates-dir>/../updates-offline/root.pem)",
    )
    command(
        updates,
        "refresh",
        cmd_refresh,
        "re-sign the timestamp (and snapshot/targets when half-expired)",
        updates_dir=True,
    )
    p = command(
        updates,
        "rotate-root",
        cmd_rotate_root,
        "root N+1 signed by the old and the new root key",
        updates_dir=True,
    )
    p.add_argument("--root-key", required=True, metavar="OLD")
    p.add_argument(
        "--new-root-key", required=True, metavar="NEW", help="created (0600) when missing"
    )
    clock = updates.add_parser(
        "clock", help="the demo's fleet clock for update windows"
    ).add_subparsers(dest="clock_action", required=True, metavar="ACTION")
    p = command(
        clock, "set", cmd_clock, "make the fleet clock read ISO (Beijing time when no offset)"
    )
    p.add_argument("moment", metavar="ISO")
    command(clock, "reset", cmd_clock, "the fleet clock follows the real one again")

    release = group("release", "software releases")
    p = command(
        release,
        "publish",
        cmd_publish,
        "check a bundle and sign it into the repository",
        updates_dir=True,
    )
    p.add_argument("bundle", metavar="BUNDLE")
    p.add_argument("--version", required=True, metavar="V")
    p.add_argument("--notes", default="", metavar="TEXT")
    command(release, "list", cmd_release_list, "the published releases")

    rollout = group("rollout", "staged rollouts of a release")
    p = command(rollout, "start", cmd_rollout_start, "start a rollout in waves")
    p.add_argument("version", metavar="V")
    p.add_argument("--waves", default="5,30,100", help="cumulative percentages (default 5,30,100)")
    p.add_argument(
        "--threshold", type=float, default=0.1, help="failed fraction of a wave that pauses (0.1)"
    )
    p.add_argument("--region", metavar="CODE")
    p.add_argument("--hall", metavar="CODE")
    for name in ("pause", "resume", "abort", "status"):
        func = _rollout_action(name if name != "status" else "")
        p = command(
            rollout, name, func, f"{name} a rollout" if name != "status" else "a rollout's waves"
        )
        p.add_argument("rollout_id", type=int, metavar="ID")
        if name == "pause":
            p.add_argument("--reason", default="")
    command(rollout, "list", cmd_rollout_list, "every rollout")

    pin = group("pin", "hold a terminal or a hall at a version")
    for name, func in (("set", cmd_pin_set), ("clear", cmd_pin_clear)):
        p = command(pin, name, func, f"{name} a pin")
        target = p.add_mutually_exclusive_group(required=True)
        target.add_argument("--terminal", metavar="ID")
        target.add_argument("--hall", metavar="CODE")
        if name == "set":
            p.add_argument("--version", required=True, metavar="V")
    command(pin, "list", cmd_pin_list, "every pin")
