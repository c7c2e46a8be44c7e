"""Reading UnionPay cards (EMV / PBOC) from scripted card answers."""

from __future__ import annotations

import tracemalloc

import pytest
from pcsc_fakes import (
    HOLDER_ID,
    PAN,
    PPSE_SELECT,
    PSE_SELECT,
    UNIONPAY_CREDIT,
    UNIONPAY_DEBIT,
    ScriptedCard,
    bank_card,
    bank_records,
    directory_entry,
    luhn_complete,
    ok,
    select_aid,
)

from drivers.errors import CardDataError, ErrorCode, ProtocolError
from drivers.pcsc.apdu import CardChannel
from drivers.pcsc.bank import bcd_digits, candidates, luhn_ok, read_bank
from drivers.pcsc.model import CardKind
from drivers.pcsc.sw import CardStatusError
from drivers.pcsc.tlv import encode


def test_contactless_card_is_read_through_ppse_pdol_and_afl() -> None:
    card = bank_card()
    data = read_bank(CardChannel(card))
    assert data is not None and data.kind is CardKind.BANK
    assert data.pan == bytearray(PAN.encode()) and data.pan_masked == PAN[:6] + "*********" + PAN[-4:]
    assert data.expiry == "2030-12" and data.product == "debit" and data.label == "PBOC DEBIT"
    assert data.holder_id_number == HOLDER_ID and data.holder_id_type == "id_card"
    assert data.holder_name == "ZHANG/SAN"
    sent = card.sent_hex()
    gpo = next(c for c in sent if c.startswith("80A8"))
    # 83 + the PDOL's 33 bytes: TTQ 26000000, amounts 0, country 0156 ...
    assert gpo[8:14] == "238321" and gpo[14:22] == "26000000"
    assert sent[-3:] == ["00B2010C00", "00B2020C00", "00B2011400"]


def test_debit_is_chosen_over_a_credit_app_with_higher_card_priority() -> None:
    card = bank_card()
    read_bank(CardChannel(card))
    assert select_aid(UNIONPAY_DEBIT) in card.sent_hex()
    assert select_aid(UNIONPAY_CREDIT) not in card.sent_hex()


def test_other_applications_are_ordered_by_their_priority_indicator() -> None:
    other_a, other_b = bytes.fromhex("A0000000031010"), bytes.fromhex("A0000000041010")
    ppse = encode(0x6F, encode(0xA5, encode(0xBF0C,
        directory_entry(other_a, "A", 2) + directory_entry(other_b, "B", 1)
        + directory_entry(UNIONPAY_CREDIT, "C", 3))))
    found = candidates(CardChannel(ScriptedCard({PPSE_SELECT: ok(ppse)})))
    assert [c.aid for c in found] == [UNIONPAY_CREDIT, other_b, other_a]


def contact_card() -> ScriptedCard:
    """Contact T=0: no PPSE, PSE directory in SFI 1, 61xx answers, GPO format 1, no PDOL."""
    pse = encode(0x6F, encode(0x84, b"1PAY.SYS.DDF01") + encode(0xA5, encode(0x88, b"\x01")))
    directory = encode(0x70, directory_entry(UNIONPAY_DEBIT, "PBOC DEBIT", 1))
    fci = encode(0x6F, encode(0x84, UNIONPAY_DEBIT) + encode(0xA5, encode(0x50, b"PBOC DEBIT")))
    gpo = encode(0x80, bytes.fromhex("7C00" "08010200" "10010100"))
    records = bank_records()
    t0 = lambda data: [f"61{len(data):02X}"]  # noqa: E731
    return ScriptedCard({
        PPSE_SELECT: "6A82",
        PSE_SELECT: t0(pse)[0], f"00C00000{len(pse):02X}": ok(pse),
        "00B2010C00": [ok(directory), ok(records[0])],
        "00B2020C00": ["6A83", ok(records[1])],
        select_aid(UNIONPAY_DEBIT): t0(fci)[0], f"00C00000{len(fci):02X}": ok(fci),
        "80A8000002830000": t0(gpo)[0], f"00C00000{len(gpo):02X}": ok(gpo),
        "00B2011400": ok(records[2]),
    })


def test_contact_card_is_read_through_pse_and_get_response() -> None:
    card = contact_card()
    data = read_bank(CardChannel(card))
    assert data is not None and data.pan == bytearray(PAN.encode()) and data.expiry == "2030-12"
    assert "80A8000002830000" in card.sent_hex()   # no PDOL: GPO with 83 00


def test_without_5a_the_pan_and_expiry_come_from_track_2() -> None:
    data = read_bank(CardChannel(bank_card(with_pan=False)))
    assert data is not None and data.pan == bytearray(PAN.encode()) and data.expiry == "2030-12"


def test_a_pan_failing_luhn_is_invalid_card_data() -> None:
    bad = PAN[:-1] + str((int(PAN[-1]) + 1) % 10)
    with pytest.raises(CardDataError) as info:
        read_bank(CardChannel(bank_card(pan=bad)))
    assert info.value.code is ErrorCode.INVALID_CARD_DATA


def test_a_card_without_payment_application_is_not_a_bank_card() -> None:
    card = ScriptedCard({})
    assert read_bank(CardChannel(card)) is None
    assert PPSE_SELECT in card.sent_hex() and PSE_SELECT in card.sent_hex()


def test_a_card_whose_applications_are_blocked_says_so() -> None:
    card = ScriptedCard({select_aid(UNIONPAY_DEBIT): "6283"})
    with pytest.raises(CardStatusError) as info:
        read_bank(CardChannel(card))
    assert info.value.code is ErrorCode.CARD_REFUSED


def test_a_failing_record_read_raises_its_status() -> None:
    card = bank_card()
    card.table["00B2020C00"] = "6A83"
    with pytest.raises(CardStatusError) as info:
        read_bank(CardChannel(card))
    assert info.value.code is ErrorCode.RECORD_NOT_FOUND


def test_bcd_digits_stop_at_padding_and_track2_separator() -> None:
    assert bcd_digits(bytes.fromhex("621700123F")) == bytearray(b"621700123")
    assert bcd_digits(bytes.fromhex("6217D301"), stop_at_separator=True) == bytearray(b"6217")
    with pytest.raises(CardDataError):
        bcd_digits(bytes.fromhex("62A7"))


def test_luhn() -> None:
    assert luhn_ok(bytearray(luhn_complete("622202123456789").encode()))
    assert not luhn_ok(bytearray(b"6222021234567891"))


def hostile_pdol_card(pdol: bytes) -> ScriptedCard:
    card = bank_card()
    fci = encode(0x6F, encode(0x84, UNIONPAY_DEBIT) + encode(0xA5,
        encode(0x50, b"PBOC DEBIT") + encode(0x87, b"\x01") + encode(0x9F38, pdol)))
    card.table[select_aid(UNIONPAY_DEBIT)] = ok(fci)
    return card


def test_a_pdol_asking_for_megabytes_is_refused_before_anything_is_allocated() -> None:
    # issue 10: each DF0x 83 FFFFFF entry asks for 16 MB; the filler used to allocate them
    # all (a 250-byte FCI: 1.3 GB) before the APDU was refused. Four entries: 64 MB.
    pdol = b"".join(bytes([0xDF, i, 0x83, 0xFF, 0xFF, 0xFF]) for i in range(1, 5))
    tracemalloc.start()
    try:
        with pytest.raises(ProtocolError):
            read_bank(CardChannel(hostile_pdol_card(pdol)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_a_pdol_longer_than_one_apdu_is_a_card_error_not_value_error() -> None:
    pdol = b"".join(bytes([0xDF, i, 0x40]) for i in range(1, 5))   # 4 x 64 = 256 bytes
    with pytest.raises(ProtocolError):
        read_bank(CardChannel(hostile_pdol_card(pdol)))
    fits = b"".join(bytes([0xDF, i, 0x3F]) for i in range(1, 5))    # 252 bytes: fits
    assert read_bank(CardChannel(hostile_pdol_card(fits))) is not None
