"""Bank cards through a real pcscd and vpcd, read the way a PBOC terminal reads them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.pcsc import CardSession, CardSlot, Pcscd, find_tag, pcscd_fixture

SELECT_PPSE = "00A404000E325041592E5359532E444446303100"
SELECT_PSE = "00A404000E315041592E5359532E444446303100"


@pytest.fixture(scope="module")
def pcscd() -> Iterator[Pcscd]:
    yield from pcscd_fixture()


@pytest.fixture(scope="module")
def slot(pcscd: Pcscd) -> Iterator[CardSlot]:
    """Reader 0 takes the contactless cards, reader 1 the contact ones: fewer card swaps."""
    slot = CardSlot(pcscd, reader=0)
    try:
        yield slot
    finally:
        slot.close()


@pytest.fixture(scope="module")
def contact_slot(pcscd: Pcscd) -> Iterator[CardSlot]:
    slot = CardSlot(pcscd, reader=1)
    try:
        yield slot
    finally:
        slot.close()


def select(card: CardSession, name: bytes) -> tuple[bytes, int]:
    return card.send(bytes([0x00, 0xA4, 0x04, 0x00, len(name)]) + name + b"\x00")


def follow(card: CardSession, reply: tuple[bytes, int]) -> tuple[bytes, int]:
    """What a driver does with 61xx and 6Cxx (pyscard does neither)."""
    data, sw = reply
    if sw >> 8 == 0x61:
        return card.send(bytes([0x00, 0xC0, 0x00, 0x00, sw & 0xFF]))
    return data, sw


def read_afl(card: CardSession, afl: bytes) -> bytes:
    records = b""
    for i in range(0, len(afl), 4):
        sfi, first, last = afl[i] >> 3, afl[i + 1], afl[i + 2]
        for number in range(first, last + 1):
            data, sw = card.send(bytes([0x00, 0xB2, number, sfi << 3 | 4, 0x00]))
            if sw >> 8 == 0x6C:
                data, sw = card.send(bytes([0x00, 0xB2, number, sfi << 3 | 4, sw & 0xFF]))
            assert sw == 0x9000, f"SFI {sfi} record {number}: {sw:04X}"
            records += data
    return records


def pdol_data(fci: bytes) -> bytes:
    pdol = find_tag(fci, 0x9F38) or b""
    size, pos = 0, 0
    while pos < len(pdol):
        pos += 2 if pdol[pos] & 0x1F == 0x1F else 1
        size += pdol[pos]
        pos += 1
    return bytes([0x83, size]) + b"\x00" * size


def test_contactless_card_gives_pan_and_holder_id_through_ppse_gpo_and_records(
    slot: CardSlot,
) -> None:
    with slot.session("zhang_san_qpboc") as card:
        assert card.atr[:4] == bytes.fromhex("3B888001")
        ppse, sw = select(card, b"2PAY.SYS.DDF01")
        assert sw == 0x9000
        aid = find_tag(ppse, 0x4F)
        assert aid == bytes.fromhex("A000000333010101")
        fci, sw = select(card, aid)
        assert sw == 0x9000 and find_tag(fci, 0x9F38) == bytes.fromhex("9F66049F02069F37045F2A02")
        gpo_data = pdol_data(fci)
        gpo, sw = card.send(bytes([0x80, 0xA8, 0, 0, len(gpo_data)]) + gpo_data + b"\x00")
        assert sw == 0x9000 and gpo[0] == 0x77
        records = read_afl(card, find_tag(gpo, 0x94) or b"")
        assert (find_tag(records, 0x5A) or b"").hex().rstrip("f") == "6222021234567890128"
        assert find_tag(records, 0x9F61) == b"110101199003071233"
        assert find_tag(records, 0x9F62) == b"\x00"
        assert find_tag(records, 0x5F24) == bytes.fromhex("300630")
        assert (find_tag(records, 0x57) or b"").hex().startswith("6222021234567890128d3006")


def test_card_refuses_bad_commands_with_the_standard_status_words(slot: CardSlot) -> None:
    with slot.session("zhang_san_qpboc") as card:
        assert card.send("80A8000002830000")[1] == 0x6985  # GPO before SELECT AID
        select(card, bytes.fromhex("A000000333010101"))
        assert card.send("80A8000002830000")[1] == 0x6700  # the card has a 16-byte PDOL
        assert card.send("80A8010002830000")[1] == 0x6A86
        assert card.send("00B2010000")[1] == 0x6A86  # READ RECORD without SFI
        assert card.send("00B2014C00")[1] == 0x6A82  # SFI 9 does not exist
        assert card.send("00EE000000")[1] == 0x6D00
        assert select(card, bytes.fromhex("A000000333010199"))[1] == 0x6A82


def test_contactless_card_has_a_uid_and_a_contact_card_has_none(
    slot: CardSlot, contact_slot: CardSlot
) -> None:
    with slot.session("zhang_san_qpboc") as card:
        uid, sw = card.send("FFCA000000")
        assert sw == 0x9000 and uid == bytes.fromhex(slot.card.cards["zhang_san_qpboc"].uid)
    with contact_slot.session("wang_wu_pboc") as card:
        assert card.send("FFCA000000")[1] == 0x6E00


def test_older_card_without_holder_id_still_gives_its_pan(contact_slot: CardSlot) -> None:
    with contact_slot.session("wang_wu_pboc") as card:
        follow(card, select(card, bytes.fromhex("A000000333010101")))
        gpo, _ = follow(card, card.send("80A8000002830000"))
        records = read_afl(card, gpo[4:])
        assert (find_tag(records, 0x5A) or b"").hex().rstrip("f") == "6230661122334455663"
        assert find_tag(records, 0x9F61) is None
        assert find_tag(records, 0x5F20) == b"WANG WU"

def test_contact_card_has_no_ppse_and_goes_through_pse_with_get_response(
    contact_slot: CardSlot,
) -> None:
    with contact_slot.session("zhang_san_pboc") as card:
        assert card.atr == bytes.fromhex("3B6D000080318065B0894001F183009000")
        assert card.send(SELECT_PPSE)[1] == 0x6A82
        reply = card.send(SELECT_PSE)
        assert reply[1] >> 8 == 0x61
        pse, sw = follow(card, reply)
        assert sw == 0x9000
        sfi = (find_tag(pse, 0x88) or b"\x00")[0]
        directory, sw = card.send(bytes([0x00, 0xB2, 0x01, sfi << 3 | 4, 0x00]))
        assert sw == 0x9000
        assert card.send(bytes([0x00, 0xB2, 0x02, sfi << 3 | 4, 0x00]))[1] == 0x6A83
        aid = find_tag(directory, 0x4F) or b""
        _, sw = follow(card, select(card, aid))
        assert sw == 0x9000
        gpo, sw = follow(card, card.send("80A8000002830000"))
        assert sw == 0x9000 and gpo[0] == 0x80  # format 1: AIP then AFL
        records = read_afl(card, gpo[4:])
        assert (find_tag(records, 0x5A) or b"").hex().rstrip("f") == "6217009876543210981"
        assert find_tag(records, 0x9F61) == b"110101199003071233"


def test_strict_card_answers_6cxx_to_le_00_and_the_data_to_the_exact_le(
    contact_slot: CardSlot,
) -> None:
    with contact_slot.session("li_si_pboc") as card:
        follow(card, select(card, bytes.fromhex("A000000333010101")))
        data, sw = card.send("00B2010C00")
        assert data == b"" and sw >> 8 == 0x6C
        data, sw = card.send(bytes([0x00, 0xB2, 0x01, 0x0C, sw & 0xFF]))
        assert sw == 0x9000 and data[0] == 0x70
