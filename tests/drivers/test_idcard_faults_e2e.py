"""A misbehaving reader: every simulated fault is recovered from or reported precisely.

GIVEN the driver online on a simulated reader,
WHEN the reader garbles, drops, cuts or refuses replies, or its SAM fails,
THEN the driver retries what a retry can fix and reports the rest with a stable code.
"""

from __future__ import annotations

import time

import pytest
from driver_helpers import EventRecorder, ReaderFactory

from drivers.errors import CardDataError, DeviceStatusError, ErrorCode, ProtocolError
from drivers.events import CardRemoved, IdentityRead, ReadFailed, StatusChanged
from drivers.idcard.reader import SamSerialReader
from drivers.idcard.simulator import IdCardSimulator
from drivers.status import DeviceState, FaultAction

Online = tuple[SamSerialReader, EventRecorder]
LINE_FAULTS = ["checksum", "silent", "garbage", "truncated"]


@pytest.mark.parametrize("fault", LINE_FAULTS)
def test_line_fault_during_the_read_is_retried_and_the_card_read(
    online_reader: Online, sim: IdCardSimulator, fault: str
) -> None:
    reader, events = online_reader
    sim.inject(fault, on="read")
    sim.place("zhang_san")
    card = events.wait_for(IdentityRead).card
    assert card.name == "张三"
    assert not events.of(ReadFailed)
    assert reader.status().state is DeviceState.ONLINE


@pytest.mark.parametrize("fault", LINE_FAULTS)
def test_line_fault_while_idle_is_retried_without_a_status_change(
    online_reader: Online, sim: IdCardSimulator, fault: str
) -> None:
    reader, events = online_reader
    mark = events.mark()
    sim.inject(fault)
    time.sleep(0.5)  # long enough for a timeout and its retry
    assert sim.pending_faults() == []
    assert events.of(StatusChanged, since=mark) == []
    sim.place("li_si")
    events.wait_for(IdentityRead, since=mark)


def test_line_fault_beyond_the_retries_fails_the_read_with_its_code(
    online_reader: Online, sim: IdCardSimulator
) -> None:
    reader, events = online_reader
    sim.inject("checksum", count=3, on="read")  # first try and both retries
    sim.place("zhang_san")
    failed = events.wait_for(ReadFailed)
    assert isinstance(failed.error, ProtocolError) and failed.error.code is ErrorCode.CHECKSUM
    time.sleep(0.2)
    assert not events.of(IdentityRead)  # read once per placement, even a failed read
    sim.remove()
    events.wait_for(CardRemoved)
    mark = events.mark()
    sim.place("zhang_san")
    events.wait_for(IdentityRead, since=mark)


def test_repeated_poll_failures_show_briefly_in_the_status_fault(
    online_reader: Online, sim: IdCardSimulator
) -> None:
    reader, events = online_reader
    mark = events.mark()
    sim.inject("checksum", count=3)
    flagged = events.wait_for(StatusChanged, where=lambda e: e.status.fault != "", since=mark)
    assert flagged.status.state is DeviceState.ONLINE
    assert (flagged.status.fault, flagged.status.action) == ("checksum", FaultAction.RETRY)
    after = events.events.index(flagged) + 1
    events.wait_for(StatusChanged, where=lambda e: e.status.fault == "", since=after)
    assert reader.status().fault == ""


def test_reader_that_stops_answering_goes_offline_and_comes_back(
    make_reader: ReaderFactory, sim: IdCardSimulator
) -> None:
    reader, events = make_reader(timeout=0.05)
    events.wait_state(DeviceState.ONLINE)
    mark = events.mark()
    sim.inject("silent", count=1000)
    offline = events.wait_state(DeviceState.OFFLINE, since=mark).status
    assert offline.fault == "timeout" and offline.action is FaultAction.WAIT
    sim.clear_faults()
    events.wait_state(DeviceState.ONLINE, since=mark)


def test_sw3_41_during_read_is_a_read_failure(online_reader: Online, sim: IdCardSimulator) -> None:
    reader, events = online_reader
    sim.inject("sw3", 0x41, on="read")
    sim.place("zhang_san")
    failed = events.wait_for(ReadFailed)
    assert isinstance(failed.error, DeviceStatusError)
    assert failed.error.code is ErrorCode.READ_FAILED


def test_select_refused_is_a_select_failure(online_reader: Online, sim: IdCardSimulator) -> None:
    reader, events = online_reader
    sim.inject("sw3", 0x81, on="select")
    sim.place("zhang_san")
    assert events.wait_for(ReadFailed).error.code is ErrorCode.SELECT_FAILED


def test_card_failing_authentication_is_a_card_error(online_reader: Online, sim: IdCardSimulator) -> None:
    reader, events = online_reader
    sim.inject("sw3", 0x31, on="read")
    sim.place("zhang_san")
    error = events.wait_for(ReadFailed).error
    assert isinstance(error, CardDataError) and error.code is ErrorCode.CARD_AUTH


def test_status_error_on_find_is_transient(online_reader: Online, sim: IdCardSimulator) -> None:
    reader, events = online_reader
    sim.inject("sw3", 0x41)  # hits the next find, not the read
    sim.place("wang_wu")
    events.wait_for(IdentityRead)
    assert not events.of(ReadFailed)


def test_sam_failure_is_a_hardware_error_until_it_clears(
    online_reader: Online, sim: IdCardSimulator
) -> None:
    reader, events = online_reader
    mark = events.mark()
    sim.inject("sam")
    status = events.wait_state(DeviceState.HARDWARE_ERROR, since=mark).status
    assert (status.fault, status.action) == ("sam_failure", FaultAction.MAINTENANCE)
    assert not status.ready
    sim.clear_faults()
    events.wait_state(DeviceState.ONLINE, since=mark)
    sim.place("mary_2023")
    events.wait_for(IdentityRead, since=mark)


def test_sam_failing_at_start_fails_wait_identity_at_once(
    make_reader: ReaderFactory, sim: IdCardSimulator
) -> None:
    sim.inject("sam")
    reader, _ = make_reader()
    started = time.monotonic()
    with pytest.raises(DeviceStatusError) as caught:
        reader.wait_identity(timeout=10.0)
    assert caught.value.code is ErrorCode.SAM_FAILURE
    assert time.monotonic() - started < 1.0
    assert reader.status().state is DeviceState.HARDWARE_ERROR
