"""Card insertion, removal, pulls, faults and pcscd restarts as pcscd sees them; and the
``kiosk-sim card`` command line."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from smartcard.Exceptions import CardConnectionException

from drivers.pcsc.vcard_card import CardStateError, VirtualCard
from drivers.sim_control import send_command
from tests.support.pcsc import CardSession, Pcscd, pcscd_fixture, wait_card_state

REPO = Path(__file__).resolve().parents[3]
SELECT_PPSE = "00A404000E325041592E5359532E444446303100"


@pytest.fixture(scope="module")
def pcscd() -> Iterator[Pcscd]:
    yield from pcscd_fixture()


@pytest.fixture
def card(pcscd: Pcscd) -> Iterator[VirtualCard]:
    virtual = VirtualCard("bank", port=pcscd.ports[0], retry_s=0.05)
    virtual.start()
    try:
        yield virtual
    finally:
        virtual.stop()
        wait_card_state(pcscd.reader_names[0], present=False)


def test_insertion_and_removal_are_seen_by_pcscd(pcscd: Pcscd, card: VirtualCard) -> None:
    reader = pcscd.reader_names[0]
    card.insert("zhang_san_qpboc")
    atr = wait_card_state(reader, present=True)
    assert atr == card.cards["zhang_san_qpboc"].atr_bytes
    assert card.remove() == "zhang_san_qpboc"
    wait_card_state(reader, present=False)
    assert card.status().inserted is None


def test_second_reader_slot_is_the_next_port(pcscd: Pcscd) -> None:
    with VirtualCard("staff", port=pcscd.ports[1]) as staff:
        staff.insert()
        wait_card_state(pcscd.reader_names[1], present=True)
        wait_card_state(pcscd.reader_names[0], present=False, timeout=0.5)
        assert staff.status().inserted == "staff_tech"
    wait_card_state(pcscd.reader_names[1], present=False)


def test_card_pulled_mid_read_fails_the_transmit_and_leaves_the_reader(
    pcscd: Pcscd, card: VirtualCard,
) -> None:
    card.insert("zhang_san_qpboc")
    wait_card_state(pcscd.reader_names[0], present=True)
    session = CardSession(pcscd.reader_names[0])
    try:
        card.pull_after(2)
        assert session.send(SELECT_PPSE)[1] == 0x9000
        assert session.send(SELECT_PPSE)[1] == 0x9000
        with pytest.raises(CardConnectionException):
            session.send(SELECT_PPSE)
    finally:
        session.close()
    wait_card_state(pcscd.reader_names[0], present=False)
    assert card.status().inserted is None
    card.insert("zhang_san_qpboc")  # and it can go back in
    wait_card_state(pcscd.reader_names[0], present=True)


def test_status_word_fault_answers_the_next_commands_then_clears(
    pcscd: Pcscd, card: VirtualCard,
) -> None:
    card.insert("zhang_san_qpboc")
    wait_card_state(pcscd.reader_names[0], present=True)
    session = CardSession(pcscd.reader_names[0])
    try:
        card.fault_sw(0x6F00, 2)
        assert "sw:6F00x2" in card.status().faults
        assert session.send(SELECT_PPSE) == (b"", 0x6F00)
        assert session.send(SELECT_PPSE) == (b"", 0x6F00)
        assert session.send(SELECT_PPSE)[1] == 0x9000
        assert card.status().faults == ()
    finally:
        session.close()


def test_card_reconnects_by_itself_when_pcscd_restarts(pcscd: Pcscd, card: VirtualCard) -> None:
    card.insert("zhang_san_qpboc")
    wait_card_state(pcscd.reader_names[0], present=True)
    connections = card.status().connections
    pcscd.restart()
    wait_card_state(pcscd.reader_names[0], present=True)
    assert card.status().connections > connections
    assert card.status().inserted == "zhang_san_qpboc"
    session = CardSession(pcscd.reader_names[0])
    try:
        assert session.send(SELECT_PPSE)[1] == 0x9000
    finally:
        session.close()


def test_one_card_at_a_time_and_faults_need_a_card(pcscd: Pcscd, card: VirtualCard) -> None:
    with pytest.raises(CardStateError):
        card.pull_after(1)
    card.insert("zhang_san_qpboc")
    with pytest.raises(CardStateError, match="remove it first"):
        card.insert("liu_fang_credit")
    with pytest.raises(CardStateError, match="not a social security card"):
        card.set_pin_required(True)


# -- kiosk-sim card -----------------------------------------------------------------------------


class CardProcess:
    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "drivers.pcsc.sim_cli_card", "card", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=REPO, env=env,
        )
        self._buffer = b""

    def line(self, timeout: float = 5.0) -> str:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise AssertionError(f"no line from kiosk-sim card within {timeout}s")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise AssertionError("kiosk-sim card closed its output")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\n", 1)
        return raw.decode()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(5)
        finally:
            for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()


def test_command_line_card_is_driven_over_its_control_socket(
    pcscd: Pcscd, tmp_path: Path,
) -> None:
    control = tmp_path / "card.sock"
    sim = CardProcess("--type", "social_security", "--port", str(pcscd.ports[0]),
                      "--control", str(control))
    reader = pcscd.reader_names[0]
    try:
        assert sim.line() == f"vpcd: 127.0.0.1:{pcscd.ports[0]}"
        assert sim.line() == "card: zhang_san_ssse"
        assert sim.line() == f"control: {control}"
        wait_card_state(reader, present=True)
        assert "card=zhang_san_ssse type=social_security" in send_command(control, "status")
        assert send_command(control, "insert nope") == "error unknown card 'nope' (try cards)"
        assert send_command(control, "fault sw 6A8 1").startswith("error status word")
        assert send_command(control, "pin-required on") == "ok pin-required on"
        assert send_command(control, "remove") == "ok removed zhang_san_ssse"
        wait_card_state(reader, present=False)
        assert send_command(control, "insert liu_fang_ssse") == "ok inserted liu_fang_ssse"
        wait_card_state(reader, present=True)
        assert send_command(control, "pull 1") == "ok pulled after 1 more APDUs"
        assert "zhang_san_ssse:social_security" in send_command(control, "cards")
    finally:
        assert sim.stop() == 0
    wait_card_state(reader, present=False)
    assert not control.exists()


def test_command_line_refuses_an_unknown_card_in_one_line() -> None:
    sim = CardProcess("--card", "nope", "--port", "1")
    assert sim.proc.wait(5) == 2
    sim.stop()
    sim = CardProcess("--type", "staff", "--card", "zhang_san_qpboc", "--port", "1")
    assert sim.proc.wait(5) == 2
    assert sim.proc.stderr is not None
    assert sim.proc.stderr.read().decode().strip() == (
        "kiosk-sim: error: card 'zhang_san_qpboc' is not a staff card"
    )
    sim.stop()
