"""Reading social security cards (SSSE), with and without the cardholder PIN."""

from __future__ import annotations

import pytest
from pcsc_fakes import Pad, ScriptedCard, id_with_check, record, ssse_card

from drivers.errors import CardDataError, ErrorCode, OperationCancelled, ProtocolError
from drivers.pcsc.apdu import CardChannel
from drivers.pcsc.model import CardKind
from drivers.pcsc.ssse import pin_block, read_social_security
from drivers.pcsc.sw import CardStatusError

SSN = id_with_check("14050219800101001")


def test_ssse_card_is_read_with_every_field() -> None:
    card = read_social_security(CardChannel(ssse_card()))
    assert card is not None and card.kind is CardKind.SOCIAL_SECURITY
    assert card.card_number == "A01234567" and card.id_number == SSN and card.name == "张三"
    assert card.gender == "男" and card.nation == "汉" and card.birth_date == "1980-01-01"


def test_name_padding_with_spaces_or_ff_is_stripped() -> None:
    for pad in (b" ", b"\xff"):
        fake = ssse_card()
        fake.table["00B2090000"] = record(0x09, "欧阳娜娜".encode("gbk").ljust(30, pad))
        card = read_social_security(CardChannel(fake))
        assert card is not None and card.name == "欧阳娜娜"


def test_a_card_without_ssse_is_not_a_social_security_card() -> None:
    assert read_social_security(CardChannel(ScriptedCard({}))) is None


def test_an_id_number_failing_its_check_character_is_refused() -> None:
    wrong = SSN[:17] + ("0" if SSN[17] != "0" else "1")
    with pytest.raises(CardDataError) as info:
        read_social_security(CardChannel(ssse_card(ssn=wrong)))
    assert info.value.code is ErrorCode.INVALID_CARD_DATA


def test_a_record_not_in_id_len_value_form_is_a_protocol_error() -> None:
    fake = ssse_card()
    fake.table["00B2070000"] = record(0x08, b"A01234567")   # another record's id
    with pytest.raises(ProtocolError):
        read_social_security(CardChannel(fake))


def test_locked_ef06_without_pin_profile_is_pin_required() -> None:
    pad = Pad("123456")
    with pytest.raises(CardStatusError) as info:
        read_social_security(CardChannel(ssse_card(pin="123456")), pad, pin_required=False)
    assert info.value.code is ErrorCode.PIN_REQUIRED and pad.asked == []


def test_locked_ef06_asks_the_pad_and_verifies_the_pin_as_bcd() -> None:
    fake, pad = ssse_card(pin="123456"), Pad("123456")
    card = read_social_security(CardChannel(fake), pad, pin_required=True)
    assert card is not None and card.id_number == SSN
    assert pad.asked == [None]
    assert "0020000003123456" in fake.sent_hex()


def test_a_wrong_pin_asks_again_with_the_tries_left() -> None:
    fake, pad = ssse_card(pin="123456"), Pad("111111", "222222", "123456")
    card = read_social_security(CardChannel(fake), pad, pin_required=True)
    assert card is not None and pad.asked == [None, 2, 1]


def test_cancelling_after_a_wrong_pin_ends_as_pin_wrong_with_tries() -> None:
    fake, pad = ssse_card(pin="123456"), Pad("111111", None)
    with pytest.raises(CardStatusError) as info:
        read_social_security(CardChannel(fake), pad, pin_required=True)
    assert info.value.code is ErrorCode.PIN_WRONG and info.value.tries_left == 2


def test_cancelling_at_once_is_cancelled() -> None:
    with pytest.raises(OperationCancelled) as info:
        read_social_security(CardChannel(ssse_card(pin="123456")), Pad(None), pin_required=True)
    assert info.value.code is ErrorCode.CANCELLED


def test_three_wrong_pins_block_the_card() -> None:
    fake, pad = ssse_card(pin="123456"), Pad("111111", "222222", "333333", "123456")
    with pytest.raises(CardStatusError) as info:
        read_social_security(CardChannel(fake), pad, pin_required=True)
    assert info.value.code is ErrorCode.PIN_BLOCKED and pad.asked == [None, 2, 1]


def test_a_blocked_card_is_pin_blocked_at_the_first_try() -> None:
    fake, pad = ssse_card(pin="123456", tries=0), Pad("123456")
    with pytest.raises(CardStatusError) as info:
        read_social_security(CardChannel(fake), pad, pin_required=True)
    assert info.value.code is ErrorCode.PIN_BLOCKED


def test_a_malformed_pin_is_not_sent_and_asked_again() -> None:
    fake, pad = ssse_card(pin="123456"), Pad("12a4", "12", "123456")
    card = read_social_security(CardChannel(fake), pad, pin_required=True)
    assert card is not None
    assert [c for c in fake.sent_hex() if c.startswith("0020")] == ["0020000003123456"]


def test_pin_block_is_f_padded_bcd() -> None:
    assert pin_block("123456") == bytearray.fromhex("123456")
    assert pin_block("12345") == bytearray.fromhex("12345F")
