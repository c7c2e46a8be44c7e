"""Hostile text blocks end to end: the simulator on a pty serves a card whose ID number
is not ASCII digits; the driver must say "invalid card" to the screen and stay online.

issue 10: an ID number with a superscript digit crashed the check-digit code on the reader
thread, which went to no_device without ever publishing ReadFailed.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from driver_helpers import ReaderFactory

from drivers.errors import CardDataError, ErrorCode
from drivers.events import CardRemoved, IdentityRead, ReadFailed
from drivers.idcard.model import IdentityCard
from drivers.idcard.simulator import IdCardSimulator
from drivers.status import DeviceState

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture
def sim(demo_cards: dict[str, IdentityCard], tmp_path: Path) -> Iterator[IdCardSimulator]:
    """The demo cards plus two hostile ones (the fixture make_reader connects to)."""
    base = demo_cards["zhang_san"]
    cards = dict(demo_cards)
    cards["superscript"] = dataclasses.replace(base, id_number=base.id_number[:16] + "³" + base.id_number[17])
    cards["full_width"] = dataclasses.replace(
        base, id_number=base.id_number[:17].translate(FULL_WIDTH) + base.id_number[17])
    simulator = IdCardSimulator(cards, link=tmp_path / "idreader")
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.mark.parametrize("key", ["superscript", "full_width"])
def test_a_non_ascii_id_number_is_an_invalid_card_and_the_reader_stays_online(
    make_reader: ReaderFactory, sim: IdCardSimulator, key: str
) -> None:
    reader, events = make_reader()
    events.wait_state(DeviceState.ONLINE)
    sim.place(key)
    failed = events.wait_for(ReadFailed)
    assert isinstance(failed.error, CardDataError)
    assert failed.error.code is ErrorCode.INVALID_CARD_DATA
    time.sleep(0.2)
    assert not events.of(IdentityRead)
    assert reader.status().state is DeviceState.ONLINE
    sim.remove()
    events.wait_for(CardRemoved)
    mark = events.mark()
    sim.place("zhang_san")                        # the next citizen's card reads as always
    assert events.wait_for(IdentityRead, since=mark).card.id_number.isascii()


def test_an_unexpected_decoding_error_is_a_read_failure_not_an_offline_reader(
    make_reader: ReaderFactory, sim: IdCardSimulator, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Defence in depth: whatever a future decoding bug raises, the screen is told and the
    # reader stays online; the log names the type, never the card's text.
    def broken(block: bytes) -> IdentityCard:
        raise ValueError("invalid literal for int() with base 10: '张三'")

    monkeypatch.setattr("drivers.idcard.link.decode_text", broken)
    reader, events = make_reader()
    events.wait_state(DeviceState.ONLINE)
    sim.place("zhang_san")
    failed = events.wait_for(ReadFailed)
    assert failed.error.code is ErrorCode.READ_FAILED
    time.sleep(0.2)
    assert reader.status().state is DeviceState.ONLINE
    assert "张三" not in caplog.text
