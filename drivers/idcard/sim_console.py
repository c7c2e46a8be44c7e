"""Text commands for the ID card simulator (stdin and control socket of ``kiosk-sim``).

Each command gets one reply line, ``ok ...`` or ``error ...``. Replies name card keys and
types, never card content.
"""

from __future__ import annotations

from ..sim_control import CommandError, SimConsole, command, no_args
from .sim_reader import FAULT_TARGETS, Fault, UnknownCardError
from .simulator import IdCardSimulator

_COUNTED = (Fault.CHECKSUM, Fault.SILENT, Fault.GARBAGE, Fault.TRUNCATED)


class IdCardConsole(SimConsole[IdCardSimulator]):
    """Turns command lines into simulator calls; safe to call from several threads."""

    # -- commands -----------------------------------------------------------------------

    @command("place KEY")
    def _place(self, args: list[str]) -> str:
        key = _one(args, "place KEY")
        try:
            self._sim.place(key)
        except UnknownCardError:
            raise CommandError(
                f"unknown card {key!r} (cards: {' '.join(self._sim.card_keys)})"
            ) from None
        return f"placed {key}"

    @command("remove")
    def _remove(self, args: list[str]) -> str:
        no_args(args, "remove")
        was = self._sim.placed_key
        self._sim.remove()
        return f"removed {was}" if was else "no card was placed"

    @command("cards")
    def _cards(self, args: list[str]) -> str:
        no_args(args, "cards")
        return " ".join(f"{key}:{kind}" for key, kind in self._sim.card_types().items())

    @command("status")
    def _status(self, args: list[str]) -> str:
        no_args(args, "status")
        sim = self._sim
        return " ".join(
            [
                f"plugged={'yes' if sim.plugged else 'no'}",
                f"port={sim.port_path or '-'}",
                f"link={sim.link_path or '-'}",
                f"placed={sim.placed_key or '-'}",
                f"sam={'failed' if sim.sam_failed else 'ok'}",
                f"faults={','.join(sim.pending_faults()) or '-'}",
            ]
        )

    @command("fault checksum|silent|garbage|truncated [COUNT]",
             f"fault sw3 XX [COUNT] [{'|'.join(FAULT_TARGETS)}]", "fault sam")
    def _fault(self, args: list[str]) -> str:
        if not args:
            raise CommandError("usage: fault KIND ... (try help)")
        try:
            kind = Fault(args[0].lower())
        except ValueError:
            raise CommandError(f"unknown fault {args[0]!r} (try help)") from None
        rest = args[1:]
        if kind is Fault.SAM:
            no_args(rest, "fault sam")
            self._sim.inject(kind)
            return "sam failing until clear"
        if kind is Fault.SW3:
            if not 1 <= len(rest) <= 3:
                raise CommandError("usage: fault sw3 XX [COUNT] [find|select|read]")
            sw3 = _hex_byte(rest[0])
            extra = rest[1:]
            # As the help reads, the count may be left out before the target: "fault sw3 6A find".
            on = extra.pop().lower() if extra and extra[-1].lower() in FAULT_TARGETS else None
            if len(extra) > 1:
                raise CommandError("usage: fault sw3 XX [COUNT] [find|select|read]")
            count = _count(extra[0]) if extra else 1
            self._sim.inject(kind, sw3, count, on)
            return f"sw3 {sw3:02X} x{count}" + (f" on {on}" if on else "")
        if kind in _COUNTED:
            if len(rest) > 1:
                raise CommandError(f"usage: fault {kind.value} [COUNT]")
            count = _count(rest[0]) if rest else 1
            self._sim.inject(kind, count=count)
            return f"{kind.value} x{count}"
        raise CommandError(f"unknown fault {args[0]!r}")  # pragma: no cover

    @command("clear")
    def _clear(self, args: list[str]) -> str:
        no_args(args, "clear")
        self._sim.clear_faults()
        return "faults cleared"

    @command("unplug")
    def _unplug(self, args: list[str]) -> str:
        no_args(args, "unplug")
        self._sim.unplug()
        return "unplugged"

    @command("replug")
    def _replug(self, args: list[str]) -> str:
        no_args(args, "replug")
        self._sim.replug()
        return f"device {self._sim.port_path}"


HELP = IdCardConsole.help_line()


def _one(args: list[str], usage: str) -> str:
    if len(args) != 1:
        raise CommandError(f"usage: {usage}")
    return args[0]


def _count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise CommandError(f"count {text!r} is not a number") from None
    if count < 1:
        raise CommandError("count must be at least 1")
    return count


def _hex_byte(text: str) -> int:
    try:
        value = int(text, 16)
    except ValueError:
        raise CommandError(f"SW3 {text!r} is not a hex byte") from None
    if not 0 <= value <= 0xFF:
        raise CommandError(f"SW3 {text!r} is not a hex byte")
    return value
