"""``kiosk-sim``: run device simulators from the command line.

    kiosk-sim idcard [--cards FILE] [--baud N] [--link PATH] [--control SOCKET] [--place KEY]
    kiosk-sim ctl SOCKET COMMAND...

``idcard`` prints ``device: /dev/pts/N`` (then ``link:`` and ``control:`` when given) and
takes commands one a line on stdin and on the control socket (``help`` lists them). With a
control socket, end of stdin does not stop it, so it can run in the background; SIGTERM
or SIGINT stop it and remove the link and the socket. One subcommand per device family:
add the next family beside ``idcard``.
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from .idcard.sim_cards import CardFileError, load_cards
from .idcard.sim_console import IdCardConsole
from .idcard.simulator import IdCardSimulator
from .sim_control import ControlServer, send_command

EXIT_USAGE = 2


class CliError(Exception):
    """A one-line message for the user; exit code 2."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except CliError as err:
        print(f"kiosk-sim: error: {err}", file=sys.stderr)
        return EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk-sim", description="Device simulators.")
    families = parser.add_subparsers(dest="family", required=True, metavar="COMMAND")

    idcard = families.add_parser(
        "idcard", help="ID card reader (GA 467 SAM frames) on a pseudo-terminal"
    )
    idcard.add_argument("--cards", type=Path, metavar="FILE", help="cards file (.toml or .json); default: demo cards")
    idcard.add_argument("--baud", type=int, default=115200, metavar="N", help="line speed to pace at")
    idcard.add_argument("--link", type=Path, metavar="PATH", help="stable symlink kept pointing at the pty")
    idcard.add_argument("--control", type=Path, metavar="SOCKET", help="unix socket taking commands")
    idcard.add_argument("--place", metavar="KEY", help="card on the reader at start")
    idcard.set_defaults(run=_run_idcard)

    ctl = families.add_parser("ctl", help="send one command to a running simulator")
    ctl.add_argument("socket", type=Path, metavar="SOCKET")
    ctl.add_argument("command", nargs="+", metavar="COMMAND", help="e.g. place zhang_san")
    ctl.add_argument("--timeout", type=float, default=5.0)
    ctl.set_defaults(run=_run_ctl)
    return parser


def _run_ctl(args: argparse.Namespace) -> int:
    try:
        reply = send_command(args.socket, " ".join(args.command), timeout=args.timeout)
    except OSError as err:
        raise CliError(f"cannot reach {args.socket}: {err.strerror or err}") from None
    print(reply)
    return 1 if reply.startswith("error") else 0


def _run_idcard(args: argparse.Namespace) -> int:
    try:
        cards = load_cards(args.cards)
    except CardFileError as err:
        raise CliError(str(err)) from None
    if args.place is not None and args.place not in cards:
        raise CliError(f"unknown card {args.place!r} (cards: {' '.join(cards)})")
    if args.baud <= 0:
        raise CliError("--baud must be positive")
    if args.link is not None and args.link.exists() and not args.link.is_symlink():
        raise CliError(f"{args.link} exists and is not a symlink; not replacing it")

    stop = threading.Event()
    sim = IdCardSimulator(cards, baud=args.baud, link=args.link)
    console = IdCardConsole(sim, on_quit=stop.set)
    server = ControlServer(args.control, console.execute) if args.control else None
    out_lock = threading.Lock()

    def say(line: str) -> None:
        with out_lock:
            print(line, flush=True)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        try:
            sim.start()
            if server is not None:
                server.start()
        except OSError as err:
            raise CliError(str(err)) from None
        if args.place is not None:
            sim.place(args.place)
        say(f"device: {sim.port_path}")
        if args.link is not None:
            say(f"link: {args.link}")
        if server is not None:
            say(f"control: {server.path}")
        stdin = threading.Thread(
            target=_serve_stdin, args=(console.execute, say, stop, server is None),
            name="kiosk-sim stdin", daemon=True,
        )
        stdin.start()
        while not stop.wait(0.2):
            pass
    finally:
        stop.set()
        if server is not None:
            server.close()
        sim.stop()
    return 0


def _serve_stdin(
    execute: Callable[[str], str],
    say: Callable[[str], None],
    stop: threading.Event,
    stop_at_eof: bool,
) -> None:
    # Raw fd reads with select rather than sys.stdin: a daemon thread blocked inside the
    # buffered stdin object can abort interpreter shutdown ("could not acquire lock").
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):
        fd = -1
    pending = b""
    while fd >= 0 and not stop.is_set():
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        pending += chunk
        while b"\n" in pending:
            raw, pending = pending.split(b"\n", 1)
            line = raw.decode("utf-8", errors="replace").strip()
            if line:
                say(execute(line))
    if pending.strip() and not stop.is_set():  # a last line without its newline
        say(execute(pending.decode("utf-8", errors="replace").strip()))
    if stop_at_eof:
        stop.set()


if __name__ == "__main__":
    sys.exit(main())
