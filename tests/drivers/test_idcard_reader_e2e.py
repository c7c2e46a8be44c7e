"""The driver and the simulator over a real pseudo-terminal: what a citizen's card does.

GIVEN a simulated reader on a pty and SamSerialReader on its stable link,
WHEN cards are placed, left, removed, or the reader is unplugged,
THEN the driver publishes what the kiosk needs, once per placement.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from driver_helpers import EventRecorder, ReaderFactory

from drivers.contracts import IdReader
from drivers.errors import CardDataError, DeviceTimeout, DeviceUnavailable, ErrorCode
from drivers.events import CardPlaced, CardRemoved, IdentityRead, ReadFailed
from drivers.idcard.model import IdentityCard
from drivers.idcard.reader import SamSerialReader
from drivers.idcard.simulator import IdCardSimulator, pseudo_blob
from drivers.status import DeviceState, FaultAction

Online = tuple[SamSerialReader, EventRecorder]


def test_reader_implements_the_id_reader_contract(online_reader: Online) -> None:
    reader, _ = online_reader
    assert isinstance(reader, IdReader)
    assert reader.status().state is DeviceState.ONLINE and reader.status().ready


def test_connecting_reads_the_sam_id(online_reader: Online) -> None:
    reader, _ = online_reader
    assert reader.sam_id == "5.2-20240101-1017-3141592653"


@pytest.mark.parametrize(
    "key", ["zhang_san", "li_si", "wang_wu", "chen_hk", "smith_2017", "mary_2023"]
)
def test_each_card_type_is_read(
    online_reader: Online, sim: IdCardSimulator, demo_cards: dict[str, IdentityCard], key: str
) -> None:
    reader, events = online_reader
    sim.place(key)
    events.wait_for(CardPlaced)
    card = events.wait_for(IdentityRead).card
    assert card.as_dict() == demo_cards[key].as_dict()
    assert card.photo_wlt == pseudo_blob(key, "wlt", 1024)
    assert card.fingerprint == bytearray()


def test_fingerprint_reader_also_gets_the_fingerprint(
    make_reader: ReaderFactory, sim: IdCardSimulator
) -> None:
    _, events = make_reader(fingerprint=True)
    sim.place("li_si")
    card = events.wait_for(IdentityRead).card
    assert card.fingerprint == pseudo_blob("li_si", "fingerprint", 1024)
    assert card.id_number.endswith("X")


def test_card_left_on_the_reader_is_read_once(online_reader: Online, sim: IdCardSimulator) -> None:
    reader, events = online_reader
    sim.place("zhang_san")
    events.wait_for(IdentityRead)
    time.sleep(0.4)  # many presence checks and would-be polls
    assert len(events.of(IdentityRead)) == 1
    assert len(events.of(CardPlaced)) == 1
    assert not events.of(CardRemoved)


def test_removing_and_placing_again_reads_again(online_reader: Online, sim: IdCardSimulator) -> None:
    reader, events = online_reader
    sim.place("zhang_san")
    events.wait_for(IdentityRead)
    sim.remove()
    removed = events.wait_for(CardRemoved)
    mark = events.mark()
    sim.place("chen_hk")
    second = events.wait_for(IdentityRead, since=mark).card
    assert second.card_type.value == "hmt_permit"
    kinds = [type(e).__name__ for e in events.events if not type(e).__name__.startswith("Status")]
    assert kinds == ["CardPlaced", "IdentityRead", "CardRemoved", "CardPlaced", "IdentityRead"]
    assert removed.device == "id_reader"


def test_bad_check_digit_card_is_a_read_failure_never_an_identity(
    online_reader: Online, sim: IdCardSimulator
) -> None:
    reader, events = online_reader
    sim.place("bad_checksum")
    failed = events.wait_for(ReadFailed)
    assert isinstance(failed.error, CardDataError)
    assert failed.error.code is ErrorCode.INVALID_CARD_DATA
    time.sleep(0.2)
    assert not events.of(IdentityRead)
    assert reader.status().state is DeviceState.ONLINE


def test_wait_identity_returns_the_card(online_reader: Online, sim: IdCardSimulator) -> None:
    reader, _ = online_reader
    sim.place("wang_wu")
    card = reader.wait_identity(timeout=3.0)
    assert card.valid_until == "长期"


def test_wait_identity_raises_the_read_error(online_reader: Online, sim: IdCardSimulator) -> None:
    reader, _ = online_reader
    sim.place("bad_checksum")
    with pytest.raises(CardDataError):
        reader.wait_identity(timeout=3.0)


def test_wait_identity_without_a_card_times_out_with_no_card(online_reader: Online) -> None:
    reader, _ = online_reader
    started = time.monotonic()
    with pytest.raises(DeviceTimeout) as caught:
        reader.wait_identity(timeout=0.3)
    assert caught.value.code is ErrorCode.NO_CARD
    assert 0.25 < time.monotonic() - started < 1.5


def test_missing_port_fails_fast_and_names_the_port(
    make_reader: ReaderFactory, tmp_path: Path
) -> None:
    missing = str(tmp_path / "ttyUSB9")
    reader, events = make_reader(port=missing)
    started = time.monotonic()
    with pytest.raises(DeviceUnavailable) as caught:
        reader.wait_identity(timeout=10.0)
    assert time.monotonic() - started < 1.0
    assert caught.value.code is ErrorCode.NO_DEVICE
    status = reader.status()
    assert status.state is DeviceState.NO_DEVICE and status.action is FaultAction.MAINTENANCE
    assert missing in status.detail and "ENOENT" in status.detail


def test_open_returns_at_once_and_close_stops_within_a_second(
    make_reader: ReaderFactory, sim: IdCardSimulator
) -> None:
    started = time.monotonic()
    reader, events = make_reader()
    assert time.monotonic() - started < 0.1
    events.wait_state(DeviceState.ONLINE)
    sim.inject("silent", count=1000)  # the thread is now stuck waiting for replies
    time.sleep(0.1)
    started = time.monotonic()
    reader.close()
    assert time.monotonic() - started < 1.0
    assert reader.status().state is DeviceState.OFFLINE


def test_unplug_gives_no_device_and_replug_recovers(
    online_reader: Online, sim: IdCardSimulator
) -> None:
    reader, events = online_reader
    mark = events.mark()
    sim.unplug()
    lost = events.wait_state(DeviceState.NO_DEVICE, since=mark).status
    assert lost.action is FaultAction.MAINTENANCE
    assert str(sim.link_path) in lost.detail and ("EIO" in lost.detail or "ENOENT" in lost.detail
                                                   or "device_io" == lost.fault)
    mark = events.mark()
    sim.replug()
    events.wait_state(DeviceState.ONLINE, since=mark)
    sim.place("smith_2017")
    assert events.wait_for(IdentityRead, since=mark).card.id_number == "USA310085061501"


def test_unplug_with_card_on_reader_ends_the_placement(
    online_reader: Online, sim: IdCardSimulator
) -> None:
    reader, events = online_reader
    sim.place("zhang_san")
    events.wait_for(IdentityRead)
    sim.unplug()
    events.wait_for(CardRemoved)
    mark = events.mark()
    sim.replug()  # a power-cycled reader has forgotten the card: it is read again
    events.wait_for(IdentityRead, since=mark)


def test_no_personal_data_reaches_the_log(
    make_reader: ReaderFactory, sim: IdCardSimulator, caplog: pytest.LogCaptureFixture,
    demo_cards: dict[str, IdentityCard],
) -> None:
    caplog.set_level(logging.DEBUG, logger="drivers")
    _, events = make_reader()
    for key in ("zhang_san", "bad_checksum"):
        mark = events.mark()
        sim.place(key)
        events.wait_for(IdentityRead if key == "zhang_san" else ReadFailed, since=mark)
        sim.remove()
        events.wait_for(CardRemoved, since=mark)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "SW3" in text  # the wire trace did run
    for key in ("zhang_san", "bad_checksum"):
        card = demo_cards[key]
        for value in (card.name, card.id_number, card.address, card.id_number[:6]):
            assert value not in text
