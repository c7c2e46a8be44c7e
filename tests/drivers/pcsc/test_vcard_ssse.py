"""Social security cards through a real pcscd and vpcd: the SSSE records and the PIN."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.pcsc import CardSession, CardSlot, Pcscd, pcscd_fixture

SELECT_SSSE = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF"
SELECT_EF05 = "00A4020002EF05"
SELECT_EF06 = "00A4020002EF06"


@pytest.fixture(scope="module")
def pcscd() -> Iterator[Pcscd]:
    yield from pcscd_fixture()


@pytest.fixture(scope="module")
def slot(pcscd: Pcscd) -> Iterator[CardSlot]:
    slot = CardSlot(pcscd, reader=0)
    try:
        yield slot
    finally:
        slot.close()


def record(card: CardSession, number: int) -> tuple[bytes, int]:
    """READ RECORD by identifier as hall readers send it (Le 00), following 6Cxx."""
    data, sw = card.send(bytes([0x00, 0xB2, number, 0x00, 0x00]))
    if sw >> 8 == 0x6C:
        data, sw = card.send(bytes([0x00, 0xB2, number, 0x00, sw & 0xFF]))
    if sw == 0x9000:
        assert data[0] == number and data[1] == len(data) - 2  # <id> <len> <value>
        return data[2:], sw
    return data, sw


def open_ef06(card: CardSession) -> None:
    _, sw = card.send(SELECT_SSSE)
    if sw >> 8 == 0x61:
        _, sw = card.send(bytes([0x00, 0xC0, 0x00, 0x00, sw & 0xFF]))
    assert sw == 0x9000
    assert card.send(SELECT_EF06)[1] == 0x9000


def test_t0_card_gives_card_number_and_holder_in_gbk(slot: CardSlot) -> None:
    with slot.session("zhang_san_ssse") as card:
        _, sw = card.send(SELECT_SSSE)
        assert sw >> 8 == 0x61  # T=0: the FCI waits for GET RESPONSE
        fci, sw = card.send(bytes([0x00, 0xC0, 0x00, 0x00, sw & 0xFF]))
        assert sw == 0x9000 and fci[:2] == bytes.fromhex("6F11")
        assert card.send(SELECT_EF05)[1] == 0x9000
        assert record(card, 0x07) == (b"A12345678", 0x9000)
        assert card.send(SELECT_EF06)[1] == 0x9000
        assert record(card, 0x08) == (b"110101199003071233", 0x9000)
        name, _ = record(card, 0x09)
        assert len(name) == 30 and name.rstrip(b"\x00").decode("gbk") == "张三"
        assert record(card, 0x0A)[0] == b"1"
        assert record(card, 0x0B)[0] == b"\x01"
        assert record(card, 0x0D)[0] == bytes.fromhex("19900307")


def test_records_need_their_file_selected(slot: CardSlot) -> None:
    with slot.session("zhang_san_ssse") as card:
        assert card.send("00B2070000")[1] == 0x6986  # no current EF
        assert card.send(SELECT_EF05)[1] == 0x6A82  # EF05 lives in the SSSE application
        open_ef06(card)
        assert card.send("00B2070000")[1] == 0x6A83  # record 07 is in EF05


def test_pin_protected_card_answers_6982_until_verify(slot: CardSlot) -> None:
    with slot.session("liu_fang_ssse") as card:
        assert card.atr == bytes.fromhex("3B98968131FE450073C84013009000") + b"\x7D"
        open_ef06(card)
        assert record(card, 0x09) == (b"", 0x6982)
        assert card.send("0020000003123456")[1] == 0x9000
        name, sw = record(card, 0x09)
        assert sw == 0x9000 and name.rstrip(b" ").decode("gbk") == "刘芳"


def test_wrong_pins_count_down_then_block_for_good(slot: CardSlot) -> None:
    with slot.session("liu_fang_ssse") as card:
        open_ef06(card)
        assert card.send("0020000003111111")[1] == 0x63C2
        assert card.send("0020000003222222")[1] == 0x63C1
        assert card.send("0020000003333333")[1] == 0x6983
        assert card.send("0020000003123456")[1] == 0x6983
        assert slot.card.status().pin == "blocked"
    with slot.session("liu_fang_ssse") as card:  # a new session: the card keeps its counter
        open_ef06(card)
        assert card.send("0020000003123456")[1] == 0x6983
        assert record(card, 0x09)[1] == 0x6982


def test_pin_requirement_switches_on_and_off_on_demand(slot: CardSlot) -> None:
    with slot.session("zhang_san_ssse") as card:
        slot.card.set_pin_required(True)
        open_ef06(card)
        assert record(card, 0x08)[1] == 0x6982
        assert card.send("0020000003123456")[1] == 0x9000
        assert record(card, 0x08)[1] == 0x9000
        slot.card.set_pin_required(False)
    with slot.session("zhang_san_ssse") as card:
        slot.card.block_pin()
        open_ef06(card)
        assert record(card, 0x08)[1] == 0x9000  # no PIN asked: a blocked PIN does not matter
        assert card.send("0020000003123456")[1] == 0x6983
