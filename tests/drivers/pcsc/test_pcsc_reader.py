"""PcscCardReader over a fake resource manager: insertions, removals, pcscd restarts,
readers unplugged, fast taps, cards pulled mid-read and PIN prompts."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from driver_helpers import EventRecorder
from pcsc_fakes import PAN, FakePcsc, ScriptedCard, bank_card, id_with_check, ssse_card

from drivers.errors import DeviceTimeout, DeviceUnavailable, ErrorCode
from drivers.events import (
    CardInserted,
    DeviceEvent,
    ReadFailed,
    SmartCardRead,
    SmartCardRemoved,
    StatusChanged,
)
from drivers.pcsc.model import CardData, CardKind
from drivers.pcsc.pinpad import PromptPinPad
from drivers.pcsc.reader import PcscCardReader
from drivers.status import DeviceState

READER = "ACS ACR1281 1S Dual Reader PICC 00 00"
FAST = {"poll": 0.05, "reconnect_interval": 0.02, "max_backoff": 0.1}


@pytest.fixture
def pcsc() -> FakePcsc:
    return FakePcsc(READER)


@pytest.fixture
def opened(pcsc: FakePcsc) -> Iterator[list[PcscCardReader]]:
    readers: list[PcscCardReader] = []
    yield readers
    for reader in readers:
        reader.close()


def make(pcsc: FakePcsc, opened: list[PcscCardReader], **options: object) -> tuple[PcscCardReader, EventRecorder]:
    settings: dict[str, object] = {**FAST, **options}
    reader = PcscCardReader("card_reader", api=pcsc, connect=pcsc.connect, **settings)  # type: ignore[arg-type]
    events = EventRecorder(reader.events)
    opened.append(reader)
    reader.open()
    return reader, events


def kinds(events: EventRecorder, since: int = 0) -> list[str]:
    relevant = (CardInserted, SmartCardRead, ReadFailed, SmartCardRemoved)
    return [type(e).__name__ for e in events.events[since:] if isinstance(e, relevant)]


def settle(seconds: float = 0.3) -> None:
    time.sleep(seconds)   # several monitor polls: whatever would happen twice has happened


def test_a_card_already_on_the_reader_is_read_once(pcsc: FakePcsc, opened: list[PcscCardReader]) -> None:
    pcsc.insert(READER, bank_card())
    reader, events = make(pcsc, opened)
    read = events.wait_for(SmartCardRead)
    assert isinstance(read.card, CardData) and read.card.kind is CardKind.BANK
    assert read.card.pan == bytearray(PAN.encode()) and read.reader == READER
    assert reader.status().state is DeviceState.ONLINE
    settle()
    assert kinds(events) == ["CardInserted", "SmartCardRead"]


def test_removal_and_a_new_card(pcsc: FakePcsc, opened: list[PcscCardReader]) -> None:
    _reader, events = make(pcsc, opened)
    events.wait_state(DeviceState.ONLINE)
    pcsc.insert(READER, ssse_card())
    events.wait_for(SmartCardRead)
    pcsc.remove(READER)
    events.wait_for(SmartCardRemoved)
    pcsc.insert(READER, bank_card())
    second = events.wait_for(SmartCardRead, where=lambda e: e.card.kind is CardKind.BANK)  # type: ignore[attr-defined]
    assert second.reader == READER
    assert kinds(events) == ["CardInserted", "SmartCardRead", "SmartCardRemoved",
                             "CardInserted", "SmartCardRead"]


def test_pcscd_restart_with_the_card_still_there_is_not_a_new_insertion(
    pcsc: FakePcsc, opened: list[PcscCardReader]
) -> None:
    pcsc.insert(READER, bank_card())
    reader, events = make(pcsc, opened)
    events.wait_for(SmartCardRead)
    mark = events.mark()
    pcsc.stop()
    down = events.wait_state(DeviceState.OFFLINE, since=mark)
    assert down.status.fault == "pcsc_unavailable"
    pcsc.start()
    events.wait_state(DeviceState.ONLINE, since=mark)
    settle()
    assert kinds(events, mark) == []
    pcsc.remove(READER)
    events.wait_for(SmartCardRemoved, since=mark)
    assert reader.status().state is DeviceState.ONLINE


def test_after_a_restart_a_card_seen_again_late_is_still_the_same_insertion(
    pcsc: FakePcsc, opened: list[PcscCardReader]
) -> None:
    card = bank_card()
    pcsc.insert(READER, card)
    _reader, events = make(pcsc, opened, carry_grace=1.0)
    events.wait_for(SmartCardRead)
    mark = events.mark()
    pcsc.stop()
    events.wait_state(DeviceState.OFFLINE, since=mark)
    pcsc.remove(READER)                  # the restarted pcscd has not polled the card yet
    pcsc.start()
    events.wait_state(DeviceState.ONLINE, since=mark)
    time.sleep(0.2)
    pcsc.insert(READER, card)            # ... and now it has: same ATR
    settle(1.2)
    assert kinds(events, mark) == []


def test_after_a_restart_a_card_that_never_shows_again_is_removed_after_the_grace(
    pcsc: FakePcsc, opened: list[PcscCardReader]
) -> None:
    pcsc.insert(READER, bank_card())
    _reader, events = make(pcsc, opened, carry_grace=0.5)
    events.wait_for(SmartCardRead)
    mark = events.mark()
    pcsc.stop()
    pcsc.remove(READER)
    pcsc.start()
    removed_at = time.monotonic()
    events.wait_for(SmartCardRemoved, since=mark)
    assert time.monotonic() - removed_at >= 0.4
    assert kinds(events, mark) == ["SmartCardRemoved"]


def test_pcscd_restart_with_another_card_reads_the_new_one(
    pcsc: FakePcsc, opened: list[PcscCardReader]
) -> None:
    pcsc.insert(READER, bank_card(), atr=b"\x3b\x01")
    _reader, events = make(pcsc, opened)
    events.wait_for(SmartCardRead)
    mark = events.mark()
    pcsc.stop()
    events.wait_state(DeviceState.OFFLINE, since=mark)
    pcsc.insert(READER, ssse_card(), atr=b"\x3b\x02")
    pcsc.start()
    read = events.wait_for(SmartCardRead, since=mark)
    assert read.card.kind is CardKind.SOCIAL_SECURITY  # type: ignore[attr-defined]
    assert kinds(events, mark) == ["SmartCardRemoved", "CardInserted", "SmartCardRead"]


def test_pcscd_down_at_open_is_offline_then_recovers(pcsc: FakePcsc, opened: list[PcscCardReader]) -> None:
    pcsc.stop()
    reader, events = make(pcsc, opened)
    events.wait_state(DeviceState.OFFLINE)
    assert reader.status().fault == "pcsc_unavailable"
    with pytest.raises(DeviceUnavailable) as info:
        reader.wait_card(1.0)
    assert info.value.code is ErrorCode.PCSC_UNAVAILABLE
    pcsc.start()
    events.wait_state(DeviceState.ONLINE)


def test_reader_unplugged_with_a_card_then_plugged_back(pcsc: FakePcsc, opened: list[PcscCardReader]) -> None:
    pcsc.insert(READER, bank_card())
    reader, events = make(pcsc, opened)
    events.wait_for(SmartCardRead)
    mark = events.mark()
    pcsc.unplug(READER)
    events.wait_for(SmartCardRemoved, since=mark)
    gone = events.wait_state(DeviceState.NO_DEVICE, since=mark)
    assert gone.status.fault == "no_device"
    pcsc.plug(READER)
    events.wait_state(DeviceState.ONLINE, since=mark)
    pcsc.insert(READER, ssse_card())
    events.wait_for(SmartCardRead, since=mark)
    assert reader.status().state is DeviceState.ONLINE


def test_without_pnp_notifications_a_plugged_reader_is_found_by_polling(
    opened: list[PcscCardReader]
) -> None:
    pcsc = FakePcsc(pnp=False)
    _reader, events = make(pcsc, opened)
    events.wait_state(DeviceState.NO_DEVICE)
    pcsc.plug(READER)
    events.wait_state(DeviceState.ONLINE)
    pcsc.insert(READER, bank_card())
    events.wait_for(SmartCardRead)


def test_no_reader_at_all_is_no_device_and_wait_card_says_so(
    opened: list[PcscCardReader]
) -> None:
    pcsc = FakePcsc()
    reader, events = make(pcsc, opened)
    events.wait_state(DeviceState.NO_DEVICE)
    with pytest.raises(DeviceUnavailable) as info:
        reader.wait_card(1.0)
    assert info.value.code is ErrorCode.NO_DEVICE


def test_only_readers_matching_the_filter_are_used(opened: list[PcscCardReader]) -> None:
    pcsc = FakePcsc("Virtual PCD 00 00", READER)
    reader, events = make(pcsc, opened, readers=["PICC"])
    events.wait_state(DeviceState.ONLINE)
    pcsc.insert("Virtual PCD 00 00", bank_card())
    pcsc.insert(READER, ssse_card())
    read = events.wait_for(SmartCardRead)
    settle()
    assert read.reader == READER and len(events.of(SmartCardRead)) == 1
    assert reader.status().detail == READER


def test_a_fast_tap_between_two_waits_is_a_removal_and_a_new_read(
    pcsc: FakePcsc, opened: list[PcscCardReader]
) -> None:
    pcsc.insert(READER, bank_card())
    _reader, events = make(pcsc, opened)
    events.wait_for(SmartCardRead)
    mark = events.mark()
    pcsc.tap(READER, ssse_card())
    read = events.wait_for(SmartCardRead, since=mark)
    assert read.card.kind is CardKind.SOCIAL_SECURITY  # type: ignore[attr-defined]
    assert kinds(events, mark) == ["SmartCardRemoved", "CardInserted", "SmartCardRead"]


def test_a_card_pulled_mid_read_fails_with_card_removed_then_is_removed(
    pcsc: FakePcsc, opened: list[PcscCardReader]
) -> None:
    card = bank_card()
    card.removed_after = 3

    class Pulling(ScriptedCard):
        def transmit(self, apdu: bytes) -> bytearray:
            if len(card.sent) == 2:
                pcsc.remove(READER)       # the hand leaves while the reader still talks
            return card.transmit(apdu)

    pcsc.insert(READER, Pulling({}))
    reader, events = make(pcsc, opened)
    failed = events.wait_for(ReadFailed)
    assert failed.error.code is ErrorCode.CARD_REMOVED
    events.wait_for(SmartCardRemoved)
    settle()
    assert kinds(events) == ["CardInserted", "ReadFailed", "SmartCardRemoved"]
    assert reader.status().state is DeviceState.ONLINE


def test_a_removal_while_the_pin_pad_waits_cancels_the_prompt(
    pcsc: FakePcsc, opened: list[PcscCardReader]
) -> None:
    asked = threading.Event()
    pad = PromptPinPad(lambda tries: asked.set(), timeout=30)
    pcsc.insert(READER, ssse_card(pin="123456"))
    _reader, events = make(pcsc, opened, pin_pad=pad, ssse_pin_required=True)
    assert asked.wait(5)
    pcsc.remove(READER)
    failed = events.wait_for(ReadFailed)
    assert failed.error.code is ErrorCode.CANCELLED
    events.wait_for(SmartCardRemoved)
    assert kinds(events) == ["CardInserted", "ReadFailed", "SmartCardRemoved"]


def test_the_pin_pad_answer_completes_the_read(pcsc: FakePcsc, opened: list[PcscCardReader]) -> None:
    pad = PromptPinPad(lambda tries: threading.Timer(0.05, pad.answer, ("123456",)).start())
    fake = ssse_card(pin="123456")
    pcsc.insert(READER, fake)
    _reader, events = make(pcsc, opened, pin_pad=pad, ssse_pin_required=True)
    read = events.wait_for(SmartCardRead)
    assert read.card.id_number == id_with_check("14050219800101001")  # type: ignore[attr-defined]
    assert fake.disconnected == [True]   # reset: the verified PIN does not outlive the read


def test_close_during_a_pin_prompt_returns_promptly(pcsc: FakePcsc, opened: list[PcscCardReader]) -> None:
    asked = threading.Event()
    pad = PromptPinPad(lambda tries: asked.set(), timeout=30)
    pcsc.insert(READER, ssse_card(pin="123456"))
    reader, events = make(pcsc, opened, pin_pad=pad, ssse_pin_required=True)
    assert asked.wait(5)
    started = time.monotonic()
    reader.close()
    assert time.monotonic() - started < 2.0
    assert reader.status().state is DeviceState.OFFLINE
    assert events.of(ReadFailed) == []   # closing is not a failed read


def test_an_unknown_card_is_read_as_kind_unknown(pcsc: FakePcsc, opened: list[PcscCardReader]) -> None:
    pcsc.insert(READER, ScriptedCard({}), atr=bytes.fromhex("3B8F8001"))
    _reader, events = make(pcsc, opened)
    read = events.wait_for(SmartCardRead)
    assert read.card.kind is CardKind.UNKNOWN and read.card.atr == "3B8F8001"  # type: ignore[attr-defined]


def test_a_staff_badge_by_uid(pcsc: FakePcsc, opened: list[PcscCardReader]) -> None:
    pcsc.insert(READER, ScriptedCard({"FFCA000000": "04A1B2C39000"}, default="6A81"))
    _reader, events = make(pcsc, opened, staff_uids=["04:A1:B2:C3"])
    read = events.wait_for(SmartCardRead)
    assert read.card.kind is CardKind.STAFF and read.card.uid == "04A1B2C3"  # type: ignore[attr-defined]


def test_wait_card_returns_the_card_on_the_reader(pcsc: FakePcsc) -> None:
    pcsc.insert(READER, bank_card())
    reader = PcscCardReader("card_reader", api=pcsc, connect=pcsc.connect, **FAST)  # type: ignore[arg-type]
    card = reader.wait_card(5.0)     # opens and closes the reader itself
    try:
        assert card.kind is CardKind.BANK
    finally:
        card.wipe()
    assert reader.status().state is DeviceState.OFFLINE


def test_wait_card_times_out_with_no_card(pcsc: FakePcsc, opened: list[PcscCardReader]) -> None:
    reader, _events = make(pcsc, opened)
    with pytest.raises(DeviceTimeout) as info:
        reader.wait_card(0.3)
    assert info.value.code is ErrorCode.NO_CARD


def test_wait_card_raises_the_reads_error(pcsc: FakePcsc) -> None:
    pcsc.insert(READER, ssse_card(pin="123456"))
    reader = PcscCardReader("card_reader", api=pcsc, connect=pcsc.connect, **FAST)  # type: ignore[arg-type]
    with pytest.raises(Exception) as info:
        reader.wait_card(5.0)
    assert getattr(info.value, "code", None) is ErrorCode.PIN_REQUIRED


def test_status_changes_are_published_once_each(pcsc: FakePcsc, opened: list[PcscCardReader]) -> None:
    _reader, events = make(pcsc, opened)
    events.wait_state(DeviceState.ONLINE)
    settle()
    states = [e.status.state for e in events.of(StatusChanged)]
    assert states == [DeviceState.ONLINE]


def _names(events: list[DeviceEvent]) -> list[str]:
    return [type(e).__name__ for e in events]
