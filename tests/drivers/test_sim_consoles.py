"""The simulators' consoles say what they accept and accept what they say (issue 11 §4):
every form each console's help lists, and every simulator command the demo's help shows
(deploy/demo.sh), is run against the real simulator and answered ``ok``."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from drivers.a4.sim_cli_a4 import A4Console
from drivers.a4.sim_cups import SimulatedCups
from drivers.idcard.sim_cards import load_cards
from drivers.idcard.sim_console import IdCardConsole
from drivers.idcard.simulator import IdCardSimulator
from drivers.pcsc.vcard_card import VirtualCard
from drivers.pcsc.vcard_console import CardConsole
from drivers.receipt.sim_console import PrinterConsole
from drivers.receipt.simulator import PrinterSimulator
from drivers.sim_control import SimConsole

REPO = Path(__file__).resolve().parents[2]

# What an UPPERCASE word of a form stands for, per console.
SAMPLES: dict[str, dict[str, str]] = {
    "idcard": {"KEY": "zhang_san", "COUNT": "2", "XX": "6A"},
    "printer": {"ROWS": "200"},
    "a4": {"SECONDS": "0.5"},
    "card": {"KEY": "liu_fang_ssse", "N": "2", "XXXX": "6A82"},
}


@contextmanager
def _idcard(tmp: Path) -> Iterator[IdCardConsole]:
    sim = IdCardSimulator(load_cards(None))
    sim.start()
    try:
        yield IdCardConsole(sim, on_quit=lambda: None)
    finally:
        sim.stop()


@contextmanager
def _printer(tmp: Path) -> Iterator[PrinterConsole]:
    sim = PrinterSimulator(tmp / "out", port=0, speed_mm_s=0)
    sim.start()
    try:
        yield PrinterConsole(sim, on_quit=lambda: None)
    finally:
        sim.stop()


@contextmanager
def _a4(tmp: Path) -> Iterator[A4Console]:
    # The console's commands change the queue's state files; cupsd itself is not needed.
    (tmp / "cups").mkdir(exist_ok=True)
    yield A4Console(SimulatedCups(tmp / "cups"), on_quit=lambda: None)


@contextmanager
def _card(tmp: Path) -> Iterator[CardConsole]:
    card = VirtualCard("social_security", port=9, retry_s=0.05)   # nothing listens on 9
    card.start()
    try:
        yield CardConsole(card, on_quit=lambda: None)
    finally:
        card.stop()


CONSOLES: dict[str, tuple[type[SimConsole[Any]], Callable[[Path], Any]]] = {
    "idcard": (IdCardConsole, _idcard), "printer": (PrinterConsole, _printer),
    "a4": (A4Console, _a4), "card": (CardConsole, _card),
}


def _prelude(family: str, line: str) -> list[str]:
    """What must be true before ``line`` can be done: a replug follows an unplug; a card
    command needs a card in the reader."""
    name = line.split()[0]
    if name == "replug":
        return ["unplug"]
    if family == "card" and name not in ("insert", "cards", "status", "help", "quit"):
        return ["insert"]
    return []


def expand(form: str, samples: dict[str, str]) -> list[str]:
    """Every way to type ``form``: a|b alternatives, [optional] parts left out and put in,
    UPPERCASE placeholders filled from ``samples``."""
    choices: list[list[str]] = []
    for word in form.split():
        optional = word.startswith("[") and word.endswith("]")
        word = word.strip("[]")
        options = [samples[w] if w.isupper() else w for w in word.split("|")]
        choices.append([*options, ""] if optional else options)
    return sorted({" ".join(w for w in combo if w) for combo in itertools.product(*choices)})


def _help_forms(help_line: str) -> list[str]:
    assert help_line.startswith("commands: ")
    return help_line.removeprefix("commands: ").split(" | ")


def _cases() -> list[tuple[str, str]]:
    cases: list[tuple[str, str]] = []
    for family, (console, _) in CONSOLES.items():
        for form in _help_forms(console.help_line()):
            cases.extend((family, line) for line in expand(form, SAMPLES[family]))
    return cases


def _run(family: str, line: str, tmp_path: Path) -> str:
    _, make = CONSOLES[family]
    with make(tmp_path) as console:
        assert console.execute("help") == f"ok {console.help_line()}"
        for before in _prelude(family, line):
            assert console.execute(before).startswith("ok"), before
        reply: str = console.execute(line)
        return reply


@pytest.mark.parametrize(("family", "line"), _cases())
def test_every_command_the_help_lists_is_accepted(family: str, line: str, tmp_path: Path) -> None:
    reply = _run(family, line, tmp_path)
    assert reply.startswith("ok"), f"{family} {line!r}: {reply}"


def test_the_help_is_made_from_the_commands() -> None:
    for family, (console, _) in CONSOLES.items():
        forms = _help_forms(console.help_line())
        assert forms[-2:] == ["help", "quit"], family
        assert len(forms) == len(set(forms)) > 3, family


def _demo_examples() -> list[tuple[str, str]]:
    """The simulator commands the demo's own help (deploy/demo.sh usage) shows."""
    text = (REPO / "deploy" / "demo.sh").read_text(encoding="utf-8")
    usage = text[text.index("cat <<'HELP'"):text.index("\nHELP\n")]
    word = r"(?:[a-z0-9_\-]+(?:\|[a-z0-9_\-]+)*|[A-Z]+)"
    # An example starts a column or follows ", " "; " "/ " ": " (prose like "take the card
    # away" does not).
    found = re.findall(rf"(?:^ *|  |[,;/:] )(printer|a4|card) ({word}(?: {word})*)", usage, re.M)
    return sorted(set(found))


def test_the_demo_help_shows_commands_for_each_simulator() -> None:
    families = {family for family, _ in _demo_examples()}
    assert families == {"printer", "a4", "card"}
    assert ("printer", "normal") in _demo_examples()


@pytest.mark.parametrize(("family", "example"), _demo_examples())
def test_every_simulator_command_in_the_demo_help_is_accepted(family: str, example: str, tmp_path: Path) -> None:
    for line in expand(example, SAMPLES[family]):
        reply = _run(family, line, tmp_path)
        assert reply.startswith("ok"), f"demo help: {family} {line!r}: {reply}"


def test_printer_normal_and_printer_paper_normal_both_work(tmp_path: Path) -> None:
    with _printer(tmp_path) as console:
        assert console.execute("paper out") == "ok paper out"
        assert console.execute("cover open").startswith("ok")
        assert console.execute("normal").startswith("ok")
        status = console.execute("status")
        assert "paper=normal" in status and "cover=closed" in status and "fault=-" in status
        assert console.execute("out") == "ok paper out"
        assert console.execute("paper normal") == "ok paper normal"
        assert console.execute("paper sideways").startswith("error")
