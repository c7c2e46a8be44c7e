"""`kiosk read-card` against virtual cards in a private pcscd: what a technician sees."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from drivers.pcsc.vcard_card import VirtualCard
from kiosk.cli import build_parser
from kiosk.cli import cards as cli_cards
from tests.support.pcsc import Pcscd, pcscd_fixture, wait_card_state

KIOSK = shutil.which("kiosk", path=os.path.dirname(sys.executable)) or "kiosk"
WIRED = "read-card" in build_parser().format_help()


@pytest.fixture(scope="module")
def pcscd() -> Iterator[Pcscd]:
    yield from pcscd_fixture()


@pytest.fixture(scope="module")
def slot(pcscd: Pcscd) -> Iterator[VirtualCard]:
    card = VirtualCard(None, port=pcscd.ports[0], retry_s=0.05)
    card.start()
    try:
        yield card
    finally:
        card.stop()


@pytest.fixture
def insert(slot: VirtualCard, pcscd: Pcscd) -> Iterator[VirtualCard]:
    """The slot, emptied after the test."""
    yield slot
    if slot.remove() is not None:
        wait_card_state(pcscd.reader_names[0], present=False)


def read_card(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="kiosk")
    cli_cards.add_parsers(parser.add_subparsers(dest="command"))
    code = cli_cards.run(None, parser.parse_args(["read-card", *argv]))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_bank_card_as_json_is_masked(insert: VirtualCard, capsys: pytest.CaptureFixture[str]) -> None:
    insert.insert("zhang_san_qpboc")
    code, out, err = read_card(capsys, "--json", "--timeout", "10")
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "bank" and data["pan"] == "622202*********0128"
    assert data["holder_id_number"] == "1101**********1233"
    assert "6222021234567890128" not in out and "110101199003071233" not in out


def test_a_social_security_card_in_text_names_its_kind(
    insert: VirtualCard, capsys: pytest.CaptureFixture[str]
) -> None:
    insert.insert("zhang_san_ssse")
    code, out, err = read_card(capsys, "--timeout", "10")
    assert code == 0, err
    assert "社会保障卡" in out and "张*" in out and "1101**********1233" in out
    assert "张三" not in out and "110101199003071233" not in out


def test_unmask_shows_the_id_number(insert: VirtualCard, capsys: pytest.CaptureFixture[str]) -> None:
    insert.insert("zhang_san_ssse")
    code, out, _ = read_card(capsys, "--json", "--unmask", "--timeout", "10")
    data = json.loads(out)
    assert code == 0 and data["id_number"] == "110101199003071233" and data["name"] == "张三"


def test_a_staff_card_is_kind_staff(insert: VirtualCard, capsys: pytest.CaptureFixture[str]) -> None:
    insert.insert("staff_hall")
    code, out, err = read_card(capsys, "--json", "--timeout", "10")
    assert code == 0, err
    data = json.loads(out)
    assert (data["kind"], data["staff_number"], data["staff_role"]) == ("staff", "S0102", "hall_staff")


def test_pin_card_with_a_wrong_pin_exits_3_naming_pin_wrong(
    insert: VirtualCard, capsys: pytest.CaptureFixture[str]
) -> None:
    insert.insert("liu_fang_ssse")
    code, out, err = read_card(capsys, "--pin", "654321", "--timeout", "10")
    assert code == 3 and out == ""
    assert "pin_wrong" in err and "2 tries left" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 2   # the waiting hint and the one-line cause


def test_pin_card_with_the_right_pin(insert: VirtualCard, capsys: pytest.CaptureFixture[str]) -> None:
    insert.insert("liu_fang_ssse")
    code, out, err = read_card(capsys, "--pin", "123456", "--json", "--timeout", "10")
    assert code == 0, err
    assert json.loads(out)["id_number"] == "1405**********0022"


def test_pin_card_without_a_pin_or_terminal_is_pin_required(
    insert: VirtualCard, capsys: pytest.CaptureFixture[str]
) -> None:
    insert.insert("liu_fang_ssse")
    code, _, err = read_card(capsys, "--timeout", "10")
    assert code == 3 and "pin_required" in err


def test_no_card_in_time_exits_2(slot: VirtualCard, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = read_card(capsys, "--timeout", "1")
    assert code == 2 and out == "" and "no card within 1 s" in err


def test_a_reader_that_is_not_there_exits_3_no_device(capsys: pytest.CaptureFixture[str], pcscd: Pcscd) -> None:
    code, _, err = read_card(capsys, "--reader", "No Such Reader", "--timeout", "5")
    assert code == 3 and "no_device" in err and "No Such Reader" in err


def test_pcscd_down_exits_3_pcsc_unavailable(capsys: pytest.CaptureFixture[str], pcscd: Pcscd) -> None:
    pcscd.stop()
    try:
        code, _, err = read_card(capsys, "--timeout", "5")
    finally:
        pcscd.start()
    assert code == 3 and "pcsc_unavailable" in err and "Traceback" not in err


@pytest.mark.skipif(not WIRED, reason="kiosk/cli/ does not dispatch read-card yet")
def test_the_kiosk_command_reads_a_card(insert: VirtualCard, pcscd: Pcscd) -> None:
    threading.Timer(0.5, insert.insert, ("zhang_san_pboc",)).start()
    result = subprocess.run([KIOSK, "read-card", "--json", "--timeout", "10"],
                            capture_output=True, text=True, timeout=30,
                            env={**os.environ, **pcscd.env})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["kind"] == "bank"
