"""The 256-byte text block, built by hand at the offsets the protocol reference documents."""

from __future__ import annotations

import pytest

from drivers.errors import CardDataError, ErrorCode
from drivers.idcard.layouts import (
    NATIONS,
    card_type_of,
    decode_text,
    encode_text,
    id_number_is_valid,
)
from drivers.idcard.model import LONG_TERM, CardType, IdentityCard


def block(fields: dict[int, str], marker: str = " ") -> bytes:
    """A space-padded UCS-2 LE block with ``text`` written at each byte ``offset``."""
    out = bytearray(" ".encode("utf-16-le") * 128)
    for offset, text in {**fields, 248: marker}.items():
        data = text.encode("utf-16-le")
        out[offset : offset + len(data)] = data
    assert len(out) == 256
    return bytes(out)


def resident_fields(**overrides: str) -> dict[int, str]:
    fields = {
        0: "张三", 30: "1", 32: "01", 36: "19900307", 52: "北京市东城区示例胡同12号",
        122: "110101199003071233", 158: "北京市公安局东城分局", 188: "20150601", 204: "20350601",
    }
    names = {"name": 0, "gender": 30, "nation": 32, "birth": 36, "id": 122, "until": 204}
    for key, value in overrides.items():
        fields[names[key]] = value
    return fields


def test_resident_card_decodes_every_field_from_its_offset() -> None:
    card = decode_text(block(resident_fields()))
    assert card.card_type is CardType.RESIDENT
    assert card.as_dict() == {
        "card_type": "resident", "name": "张三", "gender": "男", "nation": "汉",
        "birth_date": "1990-03-07", "address": "北京市东城区示例胡同12号",
        "id_number": "110101199003071233", "issuer": "北京市公安局东城分局",
        "valid_from": "2015-06-01", "valid_until": "2035-06-01",
    }


def test_hmt_permit_decodes_pass_number_and_issue_count() -> None:
    fields = resident_fields(nation="", id="810000199208150043", gender="2")
    fields.update({220: "H60123456", 238: "01"})
    card = decode_text(block(fields, marker="J"))
    assert card.card_type is CardType.HMT_PERMIT
    assert (card.pass_number, card.issue_count, card.gender) == ("H60123456", "01", "女")
    assert card.id_number == "810000199208150043"
    assert card.nation == ""  # J cards carry no nation


def test_foreign_2017_card_decodes_its_own_layout() -> None:
    fields = {
        0: "SMITH, JOHN", 120: "1", 122: "USA310085061501", 152: "USA", 158: "史密斯约翰",
        188: "20171001", 204: "20271001", 220: "19850615", 236: "01", 240: "1500",
    }
    card = decode_text(block(fields, marker="I"))
    assert card.card_type is CardType.FOREIGN_2017
    assert card.as_dict() == {
        "card_type": "foreign_2017", "name": "史密斯约翰", "name_en": "SMITH, JOHN",
        "gender": "男", "birth_date": "1985-06-15", "id_number": "USA310085061501",
        "nationality": "USA", "issuer": "1500", "valid_from": "2017-10-01",
        "valid_until": "2027-10-01",
    }
    assert card.card_version == "01"


def test_foreign_2023_card_joins_the_english_name_across_its_two_fields() -> None:
    # 35 characters fill the first name field exactly, ending on the space before ANNE.
    fields = {
        0: "玛丽", 30: "2", 32: "00", 36: "19850612",
        52: "VANDERBILT-JOHNSON, MARY ELIZABETH ", 122: "931840198506120027",
        188: "20231201", 204: "20331201", 220: "ANNE", 242: "USA",
    }
    card = decode_text(block(fields, marker="Y"))
    assert card.card_type is CardType.FOREIGN_2023
    assert card.name_en == "VANDERBILT-JOHNSON, MARY ELIZABETH ANNE"
    assert (card.name, card.gender, card.renewal_count) == ("玛丽", "女", "00")
    assert (card.id_number, card.nationality) == ("931840198506120027", "USA")


def test_foreign_2023_short_english_name_stays_in_its_first_field() -> None:
    fields = {
        0: "玛丽", 30: "2", 32: "00", 36: "19850612", 52: "DOE, JANE",
        122: "931840198506120027", 188: "20231201", 204: "20331201", 242: "USA",
    }
    assert decode_text(block(fields, marker="Y")).name_en == "DOE, JANE"


def test_long_term_validity_is_kept_as_long_term() -> None:
    card = decode_text(block(resident_fields(until=LONG_TERM)))
    assert card.valid_until == "长期"


@pytest.mark.parametrize(("code", "gender"), [("0", "未知"), ("1", "男"), ("2", "女"), ("9", "未说明")])
def test_gender_codes_decode(code: str, gender: str) -> None:
    assert decode_text(block(resident_fields(gender=code))).gender == gender


@pytest.mark.parametrize(
    ("code", "nation"), [("01", "汉"), ("03", "回"), ("11", "满"), ("56", "基诺"), ("97", "其他"),
                         ("98", "外国血统中国籍人士")],
)
def test_nation_codes_decode_to_gb3304_names(code: str, nation: str) -> None:
    assert decode_text(block(resident_fields(nation=code))).nation == nation


def test_all_56_nations_are_known() -> None:
    assert [NATIONS[n] for n in (1, 2, 5, 29, 43, 56)] == ["汉", "蒙古", "维吾尔", "柯尔克孜", "乌孜别克", "基诺"]
    assert len([n for n in NATIONS if n <= 56]) == 56


@pytest.mark.parametrize("bad", [{"nation": "57"}, {"gender": "3"}, {"birth": "19901307"}])
def test_unknown_codes_and_bad_dates_are_card_data_errors(bad: dict[str, str]) -> None:
    with pytest.raises(CardDataError) as caught:
        decode_text(block(resident_fields(**bad)))
    assert caught.value.code is ErrorCode.INVALID_CARD_DATA


# 11010519491231002X and 440524188001010014 are the worked examples of GB 11643-1999 itself:
# an independent check that the check character is computed the way the standard says.
@pytest.mark.parametrize(
    "number",
    ["11010519491231002X", "440524188001010014", "31010419880512006X", "31010419880512006x",
     "110101199003071233"],
)
def test_valid_check_characters_including_x_are_accepted(number: str) -> None:
    assert decode_text(block(resident_fields(id=number))).id_number == number.upper()


@pytest.mark.parametrize(
    "number", ["310104198805121700", "110101199003071235", "110105194912310023", "440306199502202250", "11010119900307123"]
)
def test_wrong_check_character_or_length_is_rejected(number: str) -> None:
    with pytest.raises(CardDataError) as caught:
        decode_text(block(resident_fields(id=number)))
    assert caught.value.code is ErrorCode.INVALID_CARD_DATA


def test_2023_foreign_number_needs_a_valid_check_digit() -> None:
    fields = {0: "玛丽", 30: "2", 36: "19850612", 52: "DOE, JANE", 122: "931840198506120026",
              188: "20231201", 204: "20331201", 242: "USA"}
    with pytest.raises(CardDataError):
        decode_text(block(fields, marker="Y"))


def test_unknown_marker_is_an_unknown_card() -> None:
    with pytest.raises(CardDataError) as caught:
        card_type_of(block(resident_fields(), marker="Q"))
    assert caught.value.code is ErrorCode.UNKNOWN_CARD


def test_block_of_wrong_size_is_rejected() -> None:
    with pytest.raises(CardDataError):
        decode_text(bytes(255))


def test_encode_writes_fields_at_the_documented_offsets() -> None:
    card = IdentityCard(
        CardType.RESIDENT, name="张三", gender="男", nation="汉", birth_date="1990-03-07",
        address="北京市东城区示例胡同12号", id_number="110101199003071233",
        issuer="北京市公安局东城分局", valid_from="2015-06-01", valid_until="2035-06-01",
    )
    assert encode_text(card) == block(resident_fields())


def test_identity_card_repr_shows_no_personal_data() -> None:
    card = decode_text(block(resident_fields()))
    assert "张三" not in repr(card) and "1101" not in repr(card) and "1101" not in str(card)
    card.photo_wlt = bytearray(b"\x01" * 4)
    photo = card.photo_wlt
    card.wipe()
    assert card.name == card.id_number == "" and photo == bytearray()
    assert "wiped" in repr(card)


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_a_superscript_digit_in_the_id_number_is_invalid_card_data_not_a_crash() -> None:
    # issue 10: "³" passes isdigit() and crashed the MOD 11-2 check with ValueError.
    number = "1101011990030712³3"
    assert id_number_is_valid(number) is False
    assert id_number_is_valid("1101011990030712" + "³" + "3") is False
    with pytest.raises(CardDataError) as caught:
        decode_text(block(resident_fields(id="11010119900307123³")))
    assert caught.value.code is ErrorCode.INVALID_CARD_DATA


def test_full_width_digits_with_an_ascii_check_character_are_rejected() -> None:
    # issue 10: MOD 11-2 summed full-width digits, so this number "passed".
    number = "11010119900307123".translate(FULL_WIDTH) + "3"
    assert id_number_is_valid(number) is False
    with pytest.raises(CardDataError) as caught:
        decode_text(block(resident_fields(id=number)))
    assert caught.value.code is ErrorCode.INVALID_CARD_DATA


@pytest.mark.parametrize(
    "bad", [{"nation": "０１"}, {"nation": "¹"}, {"birth": "19900307".translate(FULL_WIDTH)},
            {"until": "２０３５0601"}],
)
def test_non_ascii_digits_in_codes_and_dates_are_card_data_errors(bad: dict[str, str]) -> None:
    with pytest.raises(CardDataError) as caught:
        decode_text(block(resident_fields(**bad)))
    assert caught.value.code is ErrorCode.INVALID_CARD_DATA
