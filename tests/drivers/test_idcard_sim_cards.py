"""The demo cards file and the cards loader."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from stdnum.iso7064 import mod_11_2

from drivers.idcard.layouts import decode_text, encode_text
from drivers.idcard.model import LONG_TERM, CardType, IdentityCard
from drivers.idcard.sim_cards import DEMO_CARDS, CardFileError, load_cards

GOOD_KEYS = ["zhang_san", "li_si", "wang_wu", "chen_hk", "smith_2017", "mary_2023"]


def test_demo_file_ships_inside_the_package() -> None:
    assert DEMO_CARDS.parent.name == "idcard" and DEMO_CARDS.is_file()


def test_demo_cards_cover_all_four_card_types(demo_cards: dict[str, IdentityCard]) -> None:
    types = {card.card_type for card in demo_cards.values()}
    assert types == set(CardType)
    residents = [c for c in demo_cards.values() if c.card_type is CardType.RESIDENT]
    assert len(residents) >= 3


def test_demo_cards_have_the_documented_specials(demo_cards: dict[str, IdentityCard]) -> None:
    assert demo_cards["li_si"].id_number.endswith("X")
    assert demo_cards["wang_wu"].valid_until == LONG_TERM
    assert demo_cards["chen_hk"].id_number[:6] in ("810000", "820000", "830000")
    assert demo_cards["chen_hk"].pass_number
    assert len(demo_cards["smith_2017"].id_number) == 15
    y = demo_cards["mary_2023"].id_number
    assert len(y) == 18 and y.startswith("9") and mod_11_2.calc_check_digit(y[:17]) == y[17]


@pytest.mark.parametrize("key", GOOD_KEYS)
def test_every_good_demo_card_survives_encode_and_decode(
    demo_cards: dict[str, IdentityCard], key: str
) -> None:
    card = demo_cards[key]
    assert decode_text(encode_text(card)).as_dict() == card.as_dict()


def test_bad_checksum_card_has_a_wrong_check_character(demo_cards: dict[str, IdentityCard]) -> None:
    number = demo_cards["bad_checksum"].id_number
    assert mod_11_2.calc_check_digit(number[:17]) != number[17]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


CARD = """
[cards.one]
card_type = "resident"
name = "张三"
gender = "男"
nation = "汉"
birth_date = "1990-03-07"
address = "北京市"
id_number = "110101199003071233"
issuer = "北京市公安局"
valid_from = "2015-06-01"
valid_until = "2035-06-01"
"""


def test_json_cards_load_like_toml(tmp_path: Path) -> None:
    toml_cards = load_cards(write(tmp_path, "c.toml", CARD))
    import tomllib

    data = tomllib.loads(CARD)
    json_cards = load_cards(write(tmp_path, "c.json", json.dumps(data, ensure_ascii=False)))
    assert json_cards["one"].as_dict() == toml_cards["one"].as_dict()


def test_photo_from_the_file_is_used(tmp_path: Path) -> None:
    photo = base64.b64encode(bytes(range(256)) * 4).decode()
    cards = load_cards(write(tmp_path, "c.toml", CARD + f'photo_wlt = "{photo}"\n'))
    assert cards["one"].photo_wlt == bytes(range(256)) * 4


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("gender = \"男\"", "gender = \"M\""), "card 'one': field 'gender'"),
        (("birth_date = \"1990-03-07\"", "birth_date = \"1990-02-30\""), "field 'birth_date'"),
        (("nation = \"汉\"", "nation = \"汉族\""), "nation '汉族' is not a GB 3304 name"),
        (("issuer = \"北京市公安局\"", "issuer = \"北京市公安局\"\ncolour = \"red\""), "field 'colour'"),
        (("name = \"张三\"", "name = \"" + "张" * 16 + "\""), "name does not fit"),
        (("valid_until = \"2035-06-01\"", "valid_until = \"forever\""), "field 'valid_until'"),
        (("card_type = \"resident\"", "card_type = \"passport\""), "field 'card_type'"),
    ],
)
def test_bad_card_is_rejected_naming_file_card_and_field(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    path = write(tmp_path, "bad.toml", CARD.replace(*change))
    with pytest.raises(CardFileError) as caught:
        load_cards(path)
    assert str(path) in str(caught.value) and expected in str(caught.value)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("broken.toml", "cards = [", "not valid TOML"),
        ("broken.json", "{", "not valid JSON"),
        ("empty.toml", "[cards]\n", "no cards"),
        ("other.toml", "[people.one]\nname = 'x'\n", "exactly one table 'cards'"),
    ],
)
def test_unusable_files_are_rejected_clearly(tmp_path: Path, name: str, text: str, expected: str) -> None:
    with pytest.raises(CardFileError, match=expected):
        load_cards(write(tmp_path, name, text))


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CardFileError, match="cannot read"):
        load_cards(tmp_path / "nope.toml")
