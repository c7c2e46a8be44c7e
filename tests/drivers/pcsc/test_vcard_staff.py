"""Staff cards through a real pcscd and vpcd: the TONGBAN application and the UID."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.pcsc import CardSlot, Pcscd, find_tag, pcscd_fixture

SELECT_STAFF = "00A4040009F0544F4E4742414E0100"


@pytest.fixture(scope="module")
def pcscd() -> Iterator[Pcscd]:
    yield from pcscd_fixture()


@pytest.fixture(scope="module")
def slot(pcscd: Pcscd) -> Iterator[CardSlot]:
    slot = CardSlot(pcscd, reader=1)
    try:
        yield slot
    finally:
        slot.close()


def test_staff_card_gives_number_role_and_name_after_select(slot: CardSlot) -> None:
    with slot.session("staff_tech") as card:
        assert card.atr[:4] == bytes.fromhex("3B8B8001")
        assert card.send("00B0000000")[1] == 0x6986  # nothing selected yet
        fci, sw = card.send(SELECT_STAFF)
        assert sw == 0x9000 and find_tag(fci, 0x84) == bytes.fromhex("F0544F4E4742414E01")
        staff_file, sw = card.send("00B0000000")
        assert sw == 0x9000
        assert find_tag(staff_file, 0xDF01) == b"T0001"
        assert find_tag(staff_file, 0xDF02) == b"technician"
        assert (find_tag(staff_file, 0xDF03) or b"").decode("gbk") == "周敏"
        assert card.send("00CADF0200") == (bytes.fromhex("DF020A") + b"technician", 0x9000)
        assert card.send("00CADF0900")[1] == 0x6A88


def test_staff_card_and_badge_identify_by_uid(slot: CardSlot) -> None:
    with slot.session("staff_tech") as card:
        assert card.send("FFCA000000") == (bytes.fromhex("04A1B2C3D4E580"), 0x9000)
    with slot.session("staff_badge") as card:
        assert card.atr == bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")
        assert card.send("FFCA000000") == (bytes.fromhex("C4D2E6F8"), 0x9000)
        assert card.send(SELECT_STAFF)[1] == 0x6A81  # a storage card has no applications


def test_other_cards_do_not_have_the_staff_application(slot: CardSlot) -> None:
    with slot.session("zhang_san_qpboc") as card:
        assert card.send(SELECT_STAFF)[1] == 0x6A82
