"""The virtual cards' transport rules, without pcscd: what a T=0 card, a strict card and a
contactless card answer around their applications."""

from __future__ import annotations

import pytest

from drivers.pcsc.vcard_apdu import SW, Command, MalformedCommand, tlv
from drivers.pcsc.vcard_card import make_card_os
from drivers.pcsc.vcard_data import load_vcards

CARDS = load_vcards()
SELECT_PSE = "00A404000E315041592E5359532E4444463031"
SELECT_PPSE = "00A404000E325041592E5359532E4444463031"
SELECT_DEBIT = "00A4040008A000000333010101"


def answer(key: str, *apdus: str) -> list[tuple[bytes, int]]:
    card = make_card_os(CARDS[key])
    out = []
    for apdu in apdus:
        raw = card.respond(bytes.fromhex(apdu))
        out.append((raw[:-2], int.from_bytes(raw[-2:], "big")))
    return out


@pytest.mark.parametrize(
    ("apdu", "data", "le"),
    [
        ("00A40400", b"", None),
        ("00B2010C00", b"", 256),
        ("00B2010C1C", b"", 0x1C),
        ("00A4020002EF05", b"\xEF\x05", None),
        ("00A4040002A00000", b"\xA0\x00", 256),
    ],
)
def test_short_commands_parse_into_their_four_cases(apdu: str, data: bytes, le: int | None) -> None:
    command = Command.parse(bytes.fromhex(apdu))
    assert (command.data, command.le) == (data, le)


@pytest.mark.parametrize("apdu", ["00A404", "00A4040003A000", "00B0000000001000", "00A40400FF01"])
def test_malformed_and_extended_commands_are_refused(apdu: str) -> None:
    with pytest.raises(MalformedCommand):
        Command.parse(bytes.fromhex(apdu))
    assert answer("zhang_san_qpboc", apdu) == [(b"", SW.WRONG_LENGTH)]


def test_tlv_lengths_use_ber_long_form_past_127_bytes() -> None:
    assert tlv(0x9F61, "AB") == bytes.fromhex("9F61024142")
    assert tlv(0x70, b"\x00" * 0x80)[:3] == bytes.fromhex("708180")
    assert tlv(0x70, b"\x00" * 0x100)[:4] == bytes.fromhex("70820100")


def test_t0_card_answers_61xx_and_hands_out_the_data_on_get_response() -> None:
    (_, sw), (fci, sw2) = answer("zhang_san_pboc", SELECT_PSE, "00C0000000")
    assert sw >> 8 == 0x61 and len(fci) == sw & 0xFF and sw2 == SW.OK
    assert fci[:2] == bytes.fromhex("6F1A")


def test_get_response_in_parts_counts_down_what_is_left() -> None:
    replies = answer("zhang_san_pboc", SELECT_PSE, "00C0000010", "00C000000C")
    assert replies[0][1] == 0x611C
    assert replies[1] == (replies[1][0], 0x610C) and len(replies[1][0]) == 0x10
    assert replies[2][1] == SW.OK and len(replies[2][0]) == 0x0C


def test_get_response_without_pending_data_is_refused() -> None:
    assert answer("zhang_san_pboc", "00C0000010") == [(b"", SW.CONDITIONS_NOT_SATISFIED)]


def test_another_command_drops_the_pending_response() -> None:
    replies = answer("zhang_san_pboc", SELECT_PSE, SELECT_PPSE, "00C000001C")
    assert replies[1][1] == SW.FILE_NOT_FOUND  # a contact-only card has no PPSE
    assert replies[2][1] == SW.CONDITIONS_NOT_SATISFIED


def test_t1_card_answers_select_at_once() -> None:
    (fci, sw), = answer("zhang_san_qpboc", SELECT_PPSE + "00")
    assert sw == SW.OK and fci[0] == 0x6F


def test_strict_card_wants_the_exact_le_and_says_which() -> None:
    replies = answer("li_si_pboc", SELECT_DEBIT, "00C0000000", "00C000003A")
    assert replies[0][1] == 0x613A
    assert replies[1] == (b"", 0x6C3A)
    assert replies[2][1] == SW.OK


def test_short_le_gets_6cxx_even_on_a_lenient_card() -> None:
    replies = answer("zhang_san_qpboc", SELECT_DEBIT, "00B2010C05", "00B2010C00")
    assert replies[1][1] >> 8 == 0x6C
    assert len(replies[2][0]) == replies[1][1] & 0xFF and replies[2][1] == SW.OK


def test_contactless_cards_give_their_uid_and_contact_cards_know_no_cla_ff() -> None:
    assert answer("staff_tech", "FFCA000000") == [(bytes.fromhex("04A1B2C3D4E580"), SW.OK)]
    assert answer("staff_tech", "FFCA000004") == [(b"", 0x6C07)]
    assert answer("staff_tech", "FFCA010000") == [(b"", SW.FUNCTION_NOT_SUPPORTED)]
    assert answer("zhang_san_pboc", "FFCA000000") == [(b"", SW.CLA_NOT_SUPPORTED)]


def test_unknown_instruction_and_wrong_class_are_told_apart() -> None:
    assert answer("zhang_san_qpboc", "00EE000000") == [(b"", SW.INS_NOT_SUPPORTED)]
    assert answer("zhang_san_qpboc", "80B2010C00") == [(b"", SW.CLA_NOT_SUPPORTED)]
