"""``kiosk-sim``: run device simulators from the command line.

    kiosk-sim idcard [--cards FILE] [--baud N] [--link PATH] [--control SOCKET] [--place KEY]
    kiosk-sim printer --out DIR [--listen HOST:PORT] [--pty] [--link PATH] [--paper 58mm|80mm]
                      [--control SOCKET] [--speed-mm-s N]
    kiosk-sim a4 --root DIR [--queue NAME] [--port N] [--delay S] [--control SOCKET]
    kiosk-sim card [--type bank|social_security|staff] [--card KEY | --empty] [--reader 0|1]
                   [--control SOCKET]
    kiosk-sim ctl SOCKET COMMAND...

``idcard`` prints ``device: /dev/pts/N`` (then ``link:`` and ``control:`` when given);
``printer`` prints ``listen: HOST:PORT`` (the real port when 0 was asked), then ``device:``
and ``link:`` with ``--pty``, ``control:`` and ``out:``; ``a4`` (a private cupsd with a
cups-pdf queue, drivers/a4/sim_cups.py) prints ``server:``, ``queue:`` and ``out:``; ``card`` (a
virtual smart card in pcscd's vpcd reader, drivers/pcsc/vcard_*.py) prints ``vpcd:`` and ``card:``. Both take commands one a line on
stdin and on the control socket (``help`` lists them). With a control socket, end of stdin
does not stop them, so they can run in the background; SIGTERM or SIGINT stop them and remove
the link and the socket. One subcommand per device family: add the next family beside these.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from .a4 import sim_cli_a4
from .idcard.sim_cards import CardFileError, load_cards
from .idcard.sim_console import IdCardConsole
from .idcard.simulator import IdCardSimulator
from .pcsc import sim_cli_card
from .receipt.sim_console import PrinterConsole
from .receipt.simulator import PAPER_DOTS, PrinterSimulator
from .sim_control import ControlServer, say, send_command, start_stdin, stop_on_signals

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

    printer = families.add_parser(
        "printer", help="ESC/POS receipt printer on TCP (and a pty), printing to PNG files"
    )
    printer.add_argument("--listen", default="127.0.0.1:9100", metavar="HOST:PORT",
                         help="TCP address (port 0: any free port); default 127.0.0.1:9100")
    printer.add_argument("--pty", action="store_true",
                         help="also take ESC/POS on a pseudo-terminal")
    printer.add_argument("--link", type=Path, metavar="PATH",
                         help="stable symlink kept pointing at the pty")
    printer.add_argument("--out", type=Path, required=True, metavar="DIR",
                         help="where receipt PNGs go")
    printer.add_argument("--paper", choices=sorted(PAPER_DOTS), default="80mm")
    printer.add_argument("--control", type=Path, metavar="SOCKET",
                         help="unix socket taking commands")
    printer.add_argument("--speed-mm-s", type=float, default=250.0, metavar="N",
                         help="paper speed to pace printing at; 0 prints at once")
    printer.set_defaults(run=_run_printer)

    sim_cli_a4.add_parser(families)
    sim_cli_card.add_parser(families)

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
    stop_on_signals(stop)
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
        _serve_until_stopped(console.execute, stop, stop_at_eof=server is None)
    finally:
        stop.set()
        if server is not None:
            server.close()
        sim.stop()
    return 0


def _run_printer(args: argparse.Namespace) -> int:
    host, port = _host_port(args.listen)
    if args.speed_mm_s < 0:
        raise CliError("--speed-mm-s must not be negative")
    if args.link is not None and not args.pty:
        raise CliError("--link needs --pty")
    if args.link is not None and args.link.exists() and not args.link.is_symlink():
        raise CliError(f"{args.link} exists and is not a symlink; not replacing it")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CliError(f"cannot create {args.out}: {err.strerror or err}") from None

    stop = threading.Event()
    sim = PrinterSimulator(
        args.out, paper=args.paper, speed_mm_s=args.speed_mm_s, host=host, port=port,
        pty=args.pty, link=args.link,
    )
    console = PrinterConsole(sim, on_quit=stop.set)
    server = ControlServer(args.control, console.execute) if args.control else None
    stop_on_signals(stop)
    try:
        try:
            sim.start()
        except OSError as err:
            raise CliError(f"cannot listen on {args.listen}: {err.strerror or err}") from None
        try:
            if server is not None:
                server.start()
        except OSError as err:
            raise CliError(str(err)) from None
        listen_host, listen_port = sim.address
        say(f"listen: {listen_host}:{listen_port}")
        if sim.pty_path is not None:
            say(f"device: {sim.pty_path}")
        if args.link is not None:
            say(f"link: {args.link}")
        if server is not None:
            say(f"control: {server.path}")
        say(f"out: {args.out}")
        _serve_until_stopped(console.execute, stop, stop_at_eof=server is None)
    finally:
        stop.set()
        if server is not None:
            server.close()
        sim.stop()
    return 0


def _host_port(text: str) -> tuple[str, int]:
    """HOST:PORT, [IPv6]:PORT, :PORT (all interfaces) or PORT (loopback)."""
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host = "127.0.0.1"
    elif not host:
        host = "0.0.0.0"
    host = host.removeprefix("[").removesuffix("]")
    try:
        port = int(port_text)
    except ValueError:
        raise CliError(f"--listen {text!r}: expected HOST:PORT") from None
    if not 0 <= port <= 65535:
        raise CliError(f"--listen {text!r}: port out of range")
    return host, port


def _serve_until_stopped(execute: Callable[[str], str], stop: threading.Event, stop_at_eof: bool) -> None:
    start_stdin(execute, stop, stop_at_eof)
    while not stop.wait(0.2):
        pass


if __name__ == "__main__":
    sys.exit(main())
