"""``kiosk-sim a4``: the simulated A4 printer (private cupsd + cups-pdf queue) on the command line.

    kiosk-sim a4 --root DIR [--queue NAME] [--port N] [--delay S] [--control SOCKET]

Prints ``server: SOCKET`` (for CUPS_SERVER / the driver's ``server``), ``queue: NAME``,
``out: DIR`` (where printed PDFs land), then ``ipp:`` and ``control:`` when asked for, and
takes the commands of A4Console one a line on stdin and on the control socket. With a
control socket, end of stdin does not stop it; SIGTERM or SIGINT stop cupsd and remove
its configuration (the PDFs stay).

Wired into drivers/sim_cli.py by ``sim_cli_a4.add_parser(families)``.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import Any

from ..sim_control import (
    ControlServer,
    SimConsole,
    command,
    no_args,
    say,
    start_stdin,
    stop_on_signals,
)
from .sim_cups import Paper, SimCupsError, SimulatedCups

EXIT_USAGE = 2


class A4Console(SimConsole[SimulatedCups]):
    """Command lines -> simulator calls; one ``ok ...`` / ``error ...`` reply each."""

    errors = (ValueError, SimCupsError)

    @command("normal")
    def _normal(self, args: list[str]) -> str:
        no_args(args, "normal")
        self._sim.set_paper(Paper.NORMAL)
        self._sim.set_offline(False)
        return "paper normal, online"

    @command(f"paper {'|'.join(p.value for p in Paper)}")
    def _paper(self, args: list[str]) -> str:
        if len(args) != 1:
            raise ValueError(f"usage: paper {'|'.join(p.value for p in Paper)}")
        self._sim.set_paper(args[0].lower())
        return f"paper {self._sim.paper.value}"

    @command("offline on|off")
    def _offline(self, args: list[str]) -> str:
        if len(args) != 1 or args[0].lower() not in ("on", "off"):
            raise ValueError("usage: offline on|off")
        self._sim.set_offline(args[0].lower() == "on")
        return f"offline {args[0].lower()}"

    @command("delay SECONDS")
    def _delay(self, args: list[str]) -> str:
        if len(args) != 1:
            raise ValueError("usage: delay SECONDS")
        try:
            seconds = float(args[0])
        except ValueError:
            raise ValueError(f"delay {args[0]!r} is not a number") from None
        self._sim.set_print_delay(seconds)
        return f"delay {seconds:g}s"

    @command("status")
    def _status(self, args: list[str]) -> str:
        no_args(args, "status")
        return self._sim.describe()


HELP = A4Console.help_line()


def add_parser(families: Any) -> argparse.ArgumentParser:
    """Add the ``a4`` subcommand to kiosk-sim's subparsers (``families``)."""
    a4: argparse.ArgumentParser = families.add_parser(
        "a4", help="A4 printer: a private cupsd with a cups-pdf queue whose paper can run out"
    )
    a4.add_argument("--root", type=Path, required=True, metavar="DIR",
                    help="the simulator's own directory (created; PDFs land in DIR/out)")
    a4.add_argument("--queue", default="tongban-a4", metavar="NAME", help="CUPS queue name")
    a4.add_argument("--port", type=int, metavar="N",
                    help="also serve IPP on 127.0.0.1:N (0: any free port)")
    a4.add_argument("--delay", type=float, default=0.0, metavar="S",
                    help="seconds each job prints before its PDF is written")
    a4.add_argument("--control", type=Path, metavar="SOCKET", help="unix socket taking commands")
    a4.set_defaults(run=run)
    return a4


def run(args: argparse.Namespace) -> int:
    if args.delay < 0:
        return _fail("--delay must not be negative")
    if args.port is not None and not 0 <= args.port <= 65535:
        return _fail("--port must be 0..65535")
    stop = threading.Event()
    sim = SimulatedCups(args.root, queue=args.queue, port=args.port, print_delay=args.delay)
    console = A4Console(sim, on_quit=stop.set)
    server = ControlServer(args.control, console.execute) if args.control else None
    stop_on_signals(stop)
    try:
        try:
            sim.start()
            if server is not None:
                server.start()
        except (SimCupsError, OSError) as err:
            return _fail(str(err))
        say(f"server: {sim.server}")
        say(f"queue: {sim.queue}")
        say(f"out: {sim.out_dir}")
        if sim.port:
            say(f"ipp: ipp://127.0.0.1:{sim.port}/printers/{sim.queue}")
        if server is not None:
            say(f"control: {server.path}")
        start_stdin(console.execute, stop, server is None, "kiosk-sim a4 stdin")
        while not stop.wait(0.2):
            if not sim.running:
                return _fail("cupsd stopped unexpectedly")
    finally:
        stop.set()
        if server is not None:
            server.close()
        sim.stop()
    return 0


def _fail(message: str) -> int:
    print(f"kiosk-sim: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    """``python -m drivers.a4.sim_cli_a4 a4 ...``: the same as ``kiosk-sim a4 ...``."""
    parser = argparse.ArgumentParser(prog="kiosk-sim", description="Device simulators.")
    add_parser(parser.add_subparsers(dest="family", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
