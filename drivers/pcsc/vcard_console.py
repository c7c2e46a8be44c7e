"""Text commands for the virtual card (stdin and control socket of ``kiosk-sim card``).

Each command gets one reply line, ``ok ...`` or ``error ...``. Replies name card keys and
types, never card content.
"""

from __future__ import annotations

from ..sim_control import CommandError, SimConsole, command, no_args
from .vcard_card import CardStateError, UnknownCardError, VirtualCard
from .vcard_data import family_of


class CardConsole(SimConsole[VirtualCard]):
    """Turns command lines into VirtualCard calls; safe to call from several threads."""

    errors = (UnknownCardError, CommandError, CardStateError, ValueError)

    def _describe(self, err: Exception) -> str:
        if isinstance(err, UnknownCardError):
            return f"unknown card {err.args[0]!r} (try cards)"
        return str(err)

    @command("insert [KEY]")
    def _insert(self, args: list[str]) -> str:
        if len(args) > 1:
            raise CommandError("usage: insert [KEY]")
        key = self._sim.insert(args[0] if args else None)
        return f"inserted {key}"

    @command("remove")
    def _remove(self, args: list[str]) -> str:
        no_args(args, "remove")
        key = self._sim.remove()
        return f"removed {key}" if key else "no card was in the reader"

    @command("pull [N]")
    def _pull(self, args: list[str]) -> str:
        if len(args) > 1:
            raise CommandError("usage: pull [N]")
        return self._pull_after(args[0] if args else "0")

    def _pull_after(self, text: str) -> str:
        count = _count(text, minimum=0)
        self._sim.pull_after(count)
        return f"pulled after {count} more APDUs"

    @command("fault pull-after N", "fault sw XXXX [N]")
    def _fault(self, args: list[str]) -> str:
        kind = args[0].lower() if args else ""
        if kind == "pull-after" and len(args) == 2:
            return self._pull_after(args[1])
        if kind == "sw" and len(args) in (2, 3):
            sw = _status_word(args[1])
            count = _count(args[2], minimum=1) if len(args) == 3 else 1
            self._sim.fault_sw(sw, count)
            return f"sw {sw:04X} x{count}"
        raise CommandError("usage: fault pull-after N | fault sw XXXX [N]")

    @command("clear")
    def _clear(self, args: list[str]) -> str:
        no_args(args, "clear")
        self._sim.clear_faults()
        return "faults cleared"

    @command("pin-required on|off")
    def _pin_required(self, args: list[str]) -> str:
        if len(args) != 1 or args[0].lower() not in ("on", "off"):
            raise CommandError("usage: pin-required on|off")
        self._sim.set_pin_required(args[0].lower() == "on")
        return f"pin-required {args[0].lower()}"

    @command("pin-blocked")
    def _pin_blocked(self, args: list[str]) -> str:
        no_args(args, "pin-blocked")
        self._sim.block_pin()
        return "pin blocked"

    @command("cards")
    def _cards(self, args: list[str]) -> str:
        no_args(args, "cards")
        return " ".join(f"{key}:{family_of(card).value}" for key, card in self._sim.cards.items())

    @command("status")
    def _status(self, args: list[str]) -> str:
        no_args(args, "status")
        return self._sim.status().line()


HELP = CardConsole.help_line()


def _count(text: str, minimum: int) -> int:
    try:
        count = int(text)
    except ValueError:
        raise CommandError(f"count {text!r} is not a number") from None
    if count < minimum:
        raise CommandError(f"count must be at least {minimum}")
    return count


def _status_word(text: str) -> int:
    try:
        value = int(text, 16)
    except ValueError:
        value = -1
    if len(text) != 4 or not 0x6000 <= value <= 0x9FFF:
        raise CommandError(f"status word {text!r} is not 4 hex digits 6000..9FFF")
    return value
