"""Text commands for the receipt printer simulator (stdin and control socket of ``kiosk-sim``).

Each command gets one reply line, ``ok ...`` or ``error ...``.
"""

from __future__ import annotations

from ..sim_control import CommandError, SimConsole, command, no_args
from .sim_state import Fault, Paper
from .simulator import PrinterSimulator

_ON_OFF = {"on": True, "off": False}
_COVER = {"open": True, "close": False, "closed": False}


class PrinterConsole(SimConsole[PrinterSimulator]):
    """Turns command lines into simulator calls; safe to call from several threads."""

    lower_args = True

    @command("paper normal|near-end|out", "paper out-after ROWS")
    def _paper(self, args: list[str]) -> str:
        if len(args) == 2 and args[0] == "out-after":
            rows = _count(args[1])
            self._sim.paper_out_after(rows)
            return f"paper runs out after {rows} rows"
        if len(args) != 1:
            raise CommandError("usage: paper normal|near-end|out | paper out-after ROWS")
        try:
            paper = Paper(args[0])
        except ValueError:
            raise CommandError(f"unknown paper state {args[0]!r} (normal, near-end, out)") from None
        self._sim.set_paper(paper)
        return f"paper {paper.value}"

    @command("normal")
    def _normal(self, args: list[str]) -> str:
        no_args(args, "normal")
        self._sim.set_paper(Paper.NORMAL)
        self._sim.set_cover(False)
        self._sim.set_fault(None)
        self._sim.set_offline(False)
        return "paper normal, cover closed, no fault, online"

    @command("out")
    def _out(self, args: list[str]) -> str:
        return self._paper(["out", *args])

    @command("near-end")
    def _near_end(self, args: list[str]) -> str:
        return self._paper(["near-end", *args])

    @command("cover open|close")
    def _cover(self, args: list[str]) -> str:
        if len(args) != 1 or args[0] not in _COVER:
            raise CommandError("usage: cover open|close")
        self._sim.set_cover(_COVER[args[0]])
        return f"cover {'open' if _COVER[args[0]] else 'closed'}"

    @command("fault cutter|unrecoverable|clear")
    def _fault(self, args: list[str]) -> str:
        if len(args) != 1:
            raise CommandError("usage: fault cutter|unrecoverable|clear")
        if args[0] == "clear":
            self._sim.set_fault(None)
            return "fault cleared"
        try:
            fault = Fault(args[0])
        except ValueError:
            raise CommandError(
                f"unknown fault {args[0]!r} (cutter, unrecoverable, clear)"
            ) from None
        self._sim.set_fault(fault)
        return f"fault {fault.value}"

    @command("offline on|off")
    def _offline(self, args: list[str]) -> str:
        if len(args) != 1 or args[0] not in _ON_OFF:
            raise CommandError("usage: offline on|off")
        self._sim.set_offline(_ON_OFF[args[0]])
        return f"offline {args[0]}"

    @command("unplug")
    def _unplug(self, args: list[str]) -> str:
        no_args(args, "unplug")
        self._sim.unplug()
        return "unplugged"

    @command("replug")
    def _replug(self, args: list[str]) -> str:
        no_args(args, "replug")
        self._sim.replug()
        host, port = self._sim.address
        device = f" device {self._sim.pty_path}" if self._sim.pty_path else ""
        return f"listen {host}:{port}{device}"

    @command("status")
    def _status(self, args: list[str]) -> str:
        no_args(args, "status")
        sim = self._sim
        now = sim.snapshot()
        host, port = sim.address
        saved = sim.receipts()
        partial = sum(1 for path in saved if path.stem.endswith("-partial"))
        dle_eot = ",".join(f"{sim.status_byte(n) or 0:02x}" for n in (1, 2, 3, 4))
        return " ".join([
            f"plugged={'yes' if sim.plugged else 'no'}",
            f"listen={host}:{port}",
            f"device={sim.pty_path or '-'}",
            f"paper={now.paper.value}",
            f"cover={'open' if now.cover_open else 'closed'}",
            f"fault={now.fault.value if now.fault else '-'}",
            f"offline={'yes' if now.vanished else 'no'}",
            f"stopped={'yes' if now.stopped else 'no'}",
            f"out-after={now.out_after if now.out_after is not None else '-'}",
            f"client={sim.client or '-'}",
            f"receipts={len(saved) - partial}",
            f"partial={partial}",
            f"dle-eot={dle_eot}",
        ])


HELP = PrinterConsole.help_line()


def _count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise CommandError(f"rows {text!r} is not a number") from None
    if count < 0:
        raise CommandError("rows must not be negative")
    return count
