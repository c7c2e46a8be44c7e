"""The virtual cards' data file: same people as the ID card simulator and the central seed,
and bad entries refused with the card and field named."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from drivers.idcard.sim_cards import load_cards
from drivers.pcsc.vcard_atr import (
    ATR_CONTACT_T0,
    ATR_CONTACT_T1,
    ATR_CONTACTLESS_BANK,
    ATR_CONTACTLESS_STAFF,
    ATR_MIFARE_1K,
    check_atr,
)
from drivers.pcsc.vcard_data import (
    BankCard,
    CardFamily,
    SsseCard,
    VCardFileError,
    family_of,
    load_vcards,
    parse_vcards,
)

REPO = Path(__file__).resolve().parents[3]
CARDS = load_vcards()


def test_demo_cards_cover_every_family() -> None:
    families = {family_of(card) for card in CARDS.values()}
    assert families == set(CardFamily)


def test_cardholders_are_the_id_card_simulators_people() -> None:
    people = {card.id_number: card.name for card in load_cards().values()}
    seed = tomllib.loads((REPO / "central/seed/people.toml").read_text(encoding="utf-8"))
    seeded = {person["id_number"]: person for person in seed["persons"]}
    for key, card in CARDS.items():
        if isinstance(card, SsseCard):
            assert seeded[card.id_number]["name"] == card.name, key
            numbers = [lic["number"] for lic in seeded[card.id_number]["licences"]
                       if lic["type"] == "social_security_card"]
            assert numbers == [card.card_number], key
        if isinstance(card, BankCard) and card.id_number:
            assert card.id_number in seeded, key
    assert people["110101199003071233"] == "张三"
    assert CARDS["zhang_san_ssse"].id_number == "110101199003071233"


@pytest.mark.parametrize(
    "atr", [ATR_CONTACT_T0, ATR_CONTACT_T1, ATR_CONTACTLESS_BANK, ATR_CONTACTLESS_STAFF,
            ATR_MIFARE_1K],
)
def test_default_atrs_are_well_formed(atr: bytes) -> None:
    check_atr(atr)


def test_atr_with_a_wrong_check_byte_is_refused() -> None:
    with pytest.raises(ValueError, match="TCK"):
        check_atr(ATR_MIFARE_1K[:-1] + b"\x00")


def test_contactless_cards_get_a_stable_uid_when_the_file_gives_none() -> None:
    again = load_vcards()
    assert CARDS["zhang_san_qpboc"].uid and CARDS["zhang_san_qpboc"].uid == again["zhang_san_qpboc"].uid
    assert CARDS["zhang_san_pboc"].uid_bytes is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"type": "bank", "interface": "contact", "pan": "62220", "expiry": "2030-01",
          "effective": "2020-01"}, "field 'pan'"),
        ({"type": "bank", "interface": "contact", "pan": "6222021234567890128",
          "expiry": "2030-13", "effective": "2020-01"}, "field 'expiry'"),
        ({"type": "bank", "interface": "contact", "pan": "6222021234567890128",
          "expiry": "2030-01", "effective": "2020-01", "uid": "01020304"}, "uid"),
        ({"type": "staff", "kind": "cpu", "uid": "01020304"}, "staff_number and role"),
        ({"type": "staff", "kind": "mifare", "uid": "0102"}, "field 'uid'"),
        ({"type": "pet", "uid": "01020304"}, "type"),
    ],
)
def test_bad_entries_name_the_card_and_field(entry: dict[str, object], message: str) -> None:
    with pytest.raises(VCardFileError, match=message) as info:
        parse_vcards({"cards": {"bad_card": entry}}, "x.toml")
    assert "x.toml: card 'bad_card'" in str(info.value)


def test_unreadable_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "cards.toml"
    bad.write_text("[cards\n", encoding="utf-8")
    with pytest.raises(VCardFileError, match="cards.toml: not valid TOML"):
        load_vcards(bad)
