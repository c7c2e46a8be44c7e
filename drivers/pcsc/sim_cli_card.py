"""``kiosk-sim card``: a virtual smart card in a vpcd reader of pcscd, on the command line.

    kiosk-sim card [--type bank|social_security|staff] [--card KEY | --empty] [--cards FILE]
                   [--reader 0|1] [--host HOST] [--port N] [--control SOCKET]

Connects to vpcd (reader 0: TCP 35963 = "Virtual PCD 00 00", reader 1: 35964) and puts the
card in: ``--card KEY``, else the first card of ``--type`` (``--empty``: none). Prints
``vpcd: HOST:PORT``, ``card: KEY`` and ``control: SOCKET`` when given, then takes the
commands of CardConsole (``help`` lists them) one a line on stdin and on the control socket.
With a control socket, end of stdin does not stop it; SIGTERM or SIGINT stop it. When pcscd
restarts, the card stays inserted and reconnects by itself.

Wired into drivers/sim_cli.py by ``sim_cli_card.add_parser(families)``.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import Any

from ..sim_control import ControlServer, say, start_stdin, stop_on_signals
from .vcard_card import VirtualCard
from .vcard_console import CardConsole
from .vcard_data import CardFamily, VCardFileError, family_of, load_vcards
from .vcard_link import VPCD_PORTS

EXIT_USAGE = 2


class _UsageError(Exception):
    pass


def add_parser(families: Any) -> argparse.ArgumentParser:
    """Add the ``card`` subcommand to kiosk-sim's subparsers (``families``)."""
    card: argparse.ArgumentParser = families.add_parser(
        "card", help="virtual PC/SC card (bank, social security, staff) in a vpcd reader"
    )
    card.add_argument("--type", choices=[family.value for family in CardFamily],
                      help="card family; its first card goes in unless --card or --empty")
    start = card.add_mutually_exclusive_group()
    start.add_argument("--card", metavar="KEY", help="card in the reader at start")
    start.add_argument("--empty", action="store_true", help="start with no card in the reader")
    card.add_argument("--cards", type=Path, metavar="FILE",
                      help="cards file (.toml); default: the demo cards")
    card.add_argument("--reader", type=int, choices=range(len(VPCD_PORTS)), default=0,
                      metavar="N", help="vpcd reader slot 0 or 1 (TCP 35963 / 35964)")
    card.add_argument("--host", default="127.0.0.1", help="where vpcd listens")
    card.add_argument("--port", type=int, metavar="N", help="vpcd port; overrides --reader")
    card.add_argument("--control", type=Path, metavar="SOCKET", help="unix socket taking commands")
    card.set_defaults(run=run)
    return card


def run(args: argparse.Namespace) -> int:
    try:
        virtual, start_key = _build(args)
    except _UsageError as err:
        return _fail(str(err))
    stop = threading.Event()
    console = CardConsole(virtual, on_quit=stop.set)
    server = ControlServer(args.control, console.execute) if args.control else None
    stop_on_signals(stop)
    try:
        try:
            if server is not None:
                server.start()
        except OSError as err:
            return _fail(str(err))
        virtual.start()
        if start_key is not None:
            virtual.insert(start_key)
        status = virtual.status()
        say(f"vpcd: {status.host}:{status.port}")
        say(f"card: {start_key or '-'}")
        if server is not None:
            say(f"control: {server.path}")
        start_stdin(console.execute, stop, server is None, "kiosk-sim card stdin")
        while not stop.wait(0.2):
            pass
    finally:
        stop.set()
        if server is not None:
            server.close()
        virtual.stop()
    return 0


def _build(args: argparse.Namespace) -> tuple[VirtualCard, str | None]:
    try:
        cards = load_vcards(args.cards)
    except VCardFileError as err:
        raise _UsageError(str(err)) from None
    family = CardFamily(args.type) if args.type else None
    if args.card is not None:
        if args.card not in cards:
            raise _UsageError(f"unknown card {args.card!r} (cards: {' '.join(cards)})")
        if family is not None and family_of(cards[args.card]) is not family:
            raise _UsageError(f"card {args.card!r} is not a {family.value} card")
    if family is not None and not any(family_of(card) is family for card in cards.values()):
        raise _UsageError(f"no {family.value} cards in the cards file")
    port = args.port if args.port is not None else VPCD_PORTS[args.reader]
    if not 1 <= port <= 65535:
        raise _UsageError("--port must be 1..65535")
    virtual = VirtualCard(family, args.host, port, cards)
    start_key = None if args.empty else (args.card or virtual.default_key)
    return virtual, start_key


def _fail(message: str) -> int:
    print(f"kiosk-sim: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    """``python -m drivers.pcsc.sim_cli_card card ...``: the same as ``kiosk-sim card ...``."""
    parser = argparse.ArgumentParser(prog="kiosk-sim", description="Device simulators.")
    add_parser(parser.add_subparsers(dest="family", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
