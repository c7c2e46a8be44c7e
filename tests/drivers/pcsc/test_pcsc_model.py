"""CardData: masked by default, wipeable, never printing personal data."""

from __future__ import annotations

from pcsc_fakes import PAN

from drivers.idcard.model import CardType
from drivers.pcsc.model import KEYS, CardData, CardKind, mask_pan


def bank() -> CardData:
    return CardData(CardKind.BANK, pan=bytearray(PAN.encode()), pan_masked=mask_pan(PAN),
                    expiry="2030-12", aid="A000000333010101", product="debit",
                    holder_name="ZHANG/SAN", holder_id_type="id_card",
                    holder_id_number="14050219800101001X")


def ssse() -> CardData:
    return CardData(CardKind.SOCIAL_SECURITY, card_number="A01234567",
                    id_number="140502198001010014", name="张三", gender="男", nation="汉",
                    birth_date="1980-01-01")


def test_the_pan_is_shown_as_first_six_and_last_four() -> None:
    shown = bank().as_dict()["pan"]
    assert shown == PAN[:6] + "*" * (len(PAN) - 10) + PAN[-4:]


def test_masked_dict_has_no_personal_data() -> None:
    bank_view, ssse_view = bank().as_dict(), ssse().as_dict()
    text = repr(bank_view) + repr(ssse_view)
    for secret in (PAN, "ZHANG", "14050219800101001X", "140502198001010014", "张三",
                   "A01234567", "1980-01-01"):
        assert secret not in text
    assert ssse_view["name"] == "张*" and ssse_view["id_number"] == "1405**********0014"
    assert bank_view["holder_name"] == "Z* S*"


def test_unmask_shows_everything_for_a_technician() -> None:
    assert bank().as_dict(unmask=True)["pan"] == PAN
    assert ssse().as_dict(unmask=True)["id_number"] == "140502198001010014"


def test_keys_follow_the_kind() -> None:
    for card in (bank(), ssse(), CardData(CardKind.STAFF, staff_number="S001"),
                 CardData(CardKind.UNKNOWN, atr="3B00")):
        assert tuple(card.as_dict()) == KEYS[card.kind]


def test_wipe_zeroes_the_pan_buffer_in_place_and_drops_personal_fields() -> None:
    card = bank()
    buffer = card.pan
    card.wipe()
    assert buffer == bytearray(len(PAN))          # the very buffer that held the digits
    assert card.pan == bytearray() and card.pan_masked == "" and card.holder_id_number == ""
    assert card.kind is CardKind.BANK and "wiped" in repr(card)
    assert card.as_dict(unmask=True)["pan"] == ""


def test_repr_never_shows_personal_data() -> None:
    text = repr(bank()) + str(ssse())
    assert PAN not in text and "张三" not in text and "held" in text


def test_pan_digest_identifies_without_the_number() -> None:
    a, b = bank().pan_digest(b"k"), bank().pan_digest(b"k")
    assert a == b and PAN not in a and len(a) == 64
    assert bank().pan_digest(b"other") != a


def test_social_security_card_gives_the_session_an_identity() -> None:
    identity = ssse().to_identity()
    assert identity is not None and identity.card_type is CardType.RESIDENT
    assert identity.id_number == "140502198001010014" and identity.name == "张三"
    assert bank().to_identity() is None
