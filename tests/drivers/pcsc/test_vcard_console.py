"""The virtual card's text commands, without pcscd: replies a developer and a test can rely on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.pcsc.vcard_card import VirtualCard
from drivers.pcsc.vcard_console import HELP, CardConsole


@pytest.fixture
def console() -> Iterator[tuple[CardConsole, list[str]]]:
    # Port 9 (discard) on loopback: nothing listens, the card just keeps trying to connect.
    card = VirtualCard("social_security", port=9, retry_s=0.05)
    quits: list[str] = []
    card.start()
    try:
        yield CardConsole(card, on_quit=lambda: quits.append("quit")), quits
    finally:
        card.stop()


def test_insert_defaults_to_the_first_card_of_the_type(console: tuple[CardConsole, list[str]]) -> None:
    run, _ = console
    assert run.execute("insert") == "ok inserted zhang_san_ssse"
    assert run.execute("insert liu_fang_ssse").startswith("error card zhang_san_ssse is in")
    assert run.execute("remove") == "ok removed zhang_san_ssse"
    assert run.execute("remove") == "ok no card was in the reader"


def test_status_names_card_and_faults_but_no_card_content(
    console: tuple[CardConsole, list[str]],
) -> None:
    run, _ = console
    run.execute("insert zhang_san_ssse")
    assert run.execute("fault sw 6a82 2") == "ok sw 6A82 x2"
    assert run.execute("fault pull-after 3") == "ok pulled after 3 more APDUs"
    assert run.execute("pin-required on") == "ok pin-required on"
    status = run.execute("status")
    assert "card=zhang_san_ssse type=social_security connected=no" in status
    assert "faults=sw:6A82x2,pull-after:3 pin=required" in status
    assert "张三" not in status and "110101" not in status
    assert run.execute("pin-blocked") == "ok pin blocked"
    assert run.execute("status").endswith("pin=blocked")
    assert run.execute("clear") == "ok faults cleared"
    assert "faults=-" in run.execute("status")


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("pull", "error no card in the reader"),
        ("pin-blocked", "error no card in the reader"),
        ("fault sw 9000 0", "error count must be at least 1"),
        ("fault sw XYZW", "error status word 'XYZW' is not 4 hex digits 6000..9FFF"),
        ("fault jam", "error usage: fault pull-after N | fault sw XXXX [N]"),
        ("pin-required maybe", "error usage: pin-required on|off"),
        ("insert nope", "error unknown card 'nope' (try cards)"),
        ("dance", "error unknown command 'dance' (try help)"),
        ("insert 'open", "error No closing quotation"),
    ],
)
def test_bad_commands_get_one_error_line(
    console: tuple[CardConsole, list[str]], line: str, reply: str,
) -> None:
    run, _ = console
    assert run.execute(line) == reply


def test_pin_commands_need_a_social_security_card(console: tuple[CardConsole, list[str]]) -> None:
    run, _ = console
    run.execute("insert staff_tech")
    assert run.execute("pin-required on") == "error card staff_tech is not a social security card"


def test_help_cards_and_quit(console: tuple[CardConsole, list[str]]) -> None:
    run, quits = console
    assert run.execute("help") == f"ok {HELP}"
    assert "staff_badge:staff" in run.execute("cards")
    assert run.execute("quit") == "ok bye" and quits == ["quit"]
