"""The driver end to end: virtual cards in vpcd readers of a private pcscd.

Each demo card (drivers/pcsc/vcards.toml) is read through pcscd as a kiosk would; pcscd is
restarted under an open reader; a card is pulled in the middle of a read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from driver_helpers import EventRecorder

from drivers.errors import ErrorCode
from drivers.events import CardInserted, ReadFailed, SmartCardRead, SmartCardRemoved
from drivers.pcsc.model import CardData, CardKind
from drivers.pcsc.pinpad import PromptPinPad
from drivers.pcsc.reader import PcscCardReader
from drivers.pcsc.vcard_card import VirtualCard
from drivers.status import DeviceState
from tests.support.pcsc import Pcscd, pcscd_fixture, wait_card_state


@pytest.fixture(scope="module")
def pcscd() -> Iterator[Pcscd]:
    yield from pcscd_fixture()


@pytest.fixture(scope="module")
def card(pcscd: Pcscd) -> Iterator[VirtualCard]:
    virtual = VirtualCard(None, port=pcscd.ports[0], retry_s=0.05)
    virtual.start()
    try:
        yield virtual
    finally:
        virtual.stop()


class Pin:
    """The PIN the 'citizen' types (None: cancels); answered from a timer like a UI would."""

    def __init__(self) -> None:
        self.value: str | None = "123456"
        self.asked: list[int | None] = []
        self.pad = PromptPinPad(self._asked, timeout=5)

    def _asked(self, tries: int | None) -> None:
        self.asked.append(tries)
        value = self.value
        threading.Timer(0.02, self.pad.answer if value else self.pad.cancel,
                        (value,) if value else ()).start()


@pytest.fixture(scope="module")
def pin() -> Pin:
    return Pin()


@pytest.fixture(scope="module")
def reader(pcscd: Pcscd, card: VirtualCard, pin: Pin) -> Iterator[tuple[PcscCardReader, EventRecorder]]:
    driver = PcscCardReader(
        "card_reader", readers=[pcscd.reader_names[0]], staff_uids=["C4D2E6F8"],
        ssse_pin_required=True, pin_pad=pin.pad, poll=0.3, reconnect_interval=0.1,
    )
    events = EventRecorder(driver.events)
    driver.open()
    events.wait_state(DeviceState.ONLINE)
    try:
        yield driver, events
    finally:
        driver.close()


@pytest.fixture
def empty_after(
    card: VirtualCard, pcscd: Pcscd, pin: Pin, reader: tuple[PcscCardReader, EventRecorder]
) -> Iterator[None]:
    yield
    pin.value, pin.asked[:] = "123456", []
    card.clear_faults()
    mark = reader[1].mark()
    if card.remove() is not None:
        wait_card_state(pcscd.reader_names[0], present=False)
        # ... and the driver has said so: a late removal must not land in the next test.
        reader[1].wait_for(SmartCardRemoved, since=mark)


def read(card: VirtualCard, events: EventRecorder, key: str) -> CardData:
    mark = events.mark()
    card.insert(key)
    event = events.wait_for(SmartCardRead, since=mark)
    assert isinstance(event.card, CardData)
    return event.card


@pytest.mark.usefixtures("empty_after")
@pytest.mark.parametrize(
    ("key", "pan", "expiry", "holder_id"),
    [
        ("zhang_san_qpboc", "6222021234567890128", "2030-06", "110101199003071233"),  # PPSE, PDOL
        ("zhang_san_pboc", "6217009876543210981", "2028-11", "110101199003071233"),   # PSE, T=0 61xx
        ("li_si_pboc", "6228480011223344554", "2029-04", "31010419880512006X"),       # 6Cxx
    ],
)
def test_bank_cards_are_read_through_pcscd(
    card: VirtualCard, reader: tuple[PcscCardReader, EventRecorder],
    key: str, pan: str, expiry: str, holder_id: str,
) -> None:
    data = read(card, reader[1], key)
    try:
        assert data.kind is CardKind.BANK and data.pan == bytearray(pan.encode())
        assert data.pan_masked == pan[:6] + "*********" + pan[-4:]
        assert data.expiry == expiry and data.holder_id_number == holder_id
        assert data.aid == "A000000333010101" and data.product == "debit"
    finally:
        data.wipe()


@pytest.mark.usefixtures("empty_after")
def test_a_social_security_card_is_read_through_pcscd(
    card: VirtualCard, reader: tuple[PcscCardReader, EventRecorder], pin: Pin
) -> None:
    data = read(card, reader[1], "zhang_san_ssse")
    assert data.kind is CardKind.SOCIAL_SECURITY and data.card_number == "A12345678"
    assert (data.id_number, data.name, data.gender, data.nation, data.birth_date) == (
        "110101199003071233", "张三", "男", "汉", "1990-03-07")
    assert pin.asked == []   # this region's card does not want the PIN


@pytest.mark.usefixtures("empty_after")
def test_a_pin_protected_card_asks_for_the_pin(
    card: VirtualCard, reader: tuple[PcscCardReader, EventRecorder], pin: Pin
) -> None:
    events = reader[1]
    mark = events.mark()
    data = read(card, events, "liu_fang_ssse")
    assert data.id_number == "140502198507150022" and data.name == "刘芳"
    assert pin.asked == [None]
    time.sleep(1.0)   # the driver reset the card after the read: that is not a new insertion
    assert len(events.of(SmartCardRead, mark)) == 1 and events.of(CardInserted, mark)[1:] == []


@pytest.mark.usefixtures("empty_after")
def test_a_wrong_pin_then_cancel_ends_as_pin_wrong(
    card: VirtualCard, reader: tuple[PcscCardReader, EventRecorder], pin: Pin
) -> None:
    events = reader[1]
    answers = iter(["654321", None])
    pin.pad.on_request = lambda tries: (pin.asked.append(tries), _answer(pin, next(answers)))
    try:
        mark = events.mark()
        card.insert("liu_fang_ssse")
        failed = events.wait_for(ReadFailed, since=mark)
    finally:
        pin.pad.on_request = pin._asked
    assert failed.error.code is ErrorCode.PIN_WRONG
    assert pin.asked == [None, 2]


def _answer(pin: Pin, value: str | None) -> None:
    if value is None:
        threading.Timer(0.02, pin.pad.cancel).start()
    else:
        threading.Timer(0.02, pin.pad.answer, (value,)).start()


@pytest.mark.usefixtures("empty_after")
@pytest.mark.parametrize(("key", "number", "role"), [("staff_tech", "T0001", "technician"),
                                                     ("staff_badge", "", "")])
def test_staff_cards_by_application_and_by_uid(
    card: VirtualCard, reader: tuple[PcscCardReader, EventRecorder], key: str, number: str,
    role: str,
) -> None:
    data = read(card, reader[1], key)
    assert data.kind is CardKind.STAFF and (data.staff_number, data.staff_role) == (number, role)


@pytest.mark.usefixtures("empty_after")
def test_one_insertion_is_one_read_and_one_removal(
    card: VirtualCard, pcscd: Pcscd, reader: tuple[PcscCardReader, EventRecorder]
) -> None:
    events = reader[1]
    mark = events.mark()
    read(card, events, "zhang_san_qpboc")
    card.remove()
    events.wait_for(SmartCardRemoved, since=mark)
    names = [type(e).__name__ for e in events.events[mark:]
             if isinstance(e, CardInserted | SmartCardRead | ReadFailed | SmartCardRemoved)]
    assert names == ["CardInserted", "SmartCardRead", "SmartCardRemoved"]


@pytest.mark.usefixtures("empty_after")
def test_a_card_pulled_mid_read_fails_with_card_removed(
    card: VirtualCard, reader: tuple[PcscCardReader, EventRecorder]
) -> None:
    events = reader[1]
    mark = events.mark()
    card.insert("zhang_san_pboc")
    card.pull_after(4)
    failed = events.wait_for(ReadFailed, since=mark)
    assert failed.error.code is ErrorCode.CARD_REMOVED
    events.wait_for(SmartCardRemoved, since=mark)
    assert reader[0].status().state is DeviceState.ONLINE


@pytest.mark.usefixtures("empty_after")
def test_pcscd_restarted_under_an_open_reader(
    card: VirtualCard, pcscd: Pcscd, reader: tuple[PcscCardReader, EventRecorder]
) -> None:
    driver, events = reader
    read(card, events, "zhang_san_ssse")
    mark = events.mark()
    pcscd.restart()
    events.wait_state(DeviceState.OFFLINE, since=mark)
    events.wait_state(DeviceState.ONLINE, timeout=10, since=mark)
    # The card lay there all along: not a new insertion, not a removal.
    wait_card_state(pcscd.reader_names[0], present=True)
    assert events.of(SmartCardRead, mark) == [] and events.of(SmartCardRemoved, mark) == []
    card.remove()
    events.wait_for(SmartCardRemoved, since=mark)
    second = read(card, events, "zhang_san_qpboc")
    assert second.kind is CardKind.BANK and driver.status().state is DeviceState.ONLINE
