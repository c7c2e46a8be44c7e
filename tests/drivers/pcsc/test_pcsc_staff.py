"""Staff cards by application and by UID allowlist."""

from __future__ import annotations

from pcsc_fakes import ScriptedCard, ok, select_aid

from drivers.pcsc.apdu import CardChannel
from drivers.pcsc.model import CardKind
from drivers.pcsc.staff import TONGBAN_STAFF_AID, card_uid, normalise_uid, read_staff
from drivers.pcsc.tlv import encode

STAFF_FILE = encode(0xDF01, b"S0042") + encode(0xDF02, b"technician") + encode(0xDF03, "王工".encode("gbk"))


def test_staff_application_gives_number_and_role() -> None:
    fake = ScriptedCard({select_aid(TONGBAN_STAFF_AID): ok(), "00B0000000": ok(STAFF_FILE)})
    card = read_staff(CardChannel(fake), [TONGBAN_STAFF_AID], set())
    assert card is not None and card.kind is CardKind.STAFF
    assert (card.staff_number, card.staff_role) == ("S0042", "technician")


def test_staff_objects_by_get_data_when_read_binary_is_refused() -> None:
    fake = ScriptedCard({
        select_aid(TONGBAN_STAFF_AID): ok(), "00B0000000": "6986",
        "00CADF0100": ok(encode(0xDF01, b"S7")), "00CADF0200": ok(encode(0xDF02, b"clerk")),
    })
    card = read_staff(CardChannel(fake), [TONGBAN_STAFF_AID], set())
    assert card is not None and (card.staff_number, card.staff_role) == ("S7", "clerk")


def test_a_badge_on_the_uid_allowlist_is_staff() -> None:
    fake = ScriptedCard({"FFCA000000": "04A1B2C39000"})
    uid = card_uid(CardChannel(fake))
    assert uid == "04A1B2C3"
    card = read_staff(CardChannel(fake), [TONGBAN_STAFF_AID], {normalise_uid("04:a1:b2:c3")}, uid)
    assert card is not None and card.uid == "04A1B2C3" and card.staff_number == ""


def test_an_unknown_badge_is_not_staff() -> None:
    assert read_staff(CardChannel(ScriptedCard({})), [TONGBAN_STAFF_AID], {"04A1B2C3"}, "11223344") is None


def test_a_contact_card_has_no_uid() -> None:
    assert card_uid(CardChannel(ScriptedCard({"FFCA000000": "6E00"}))) == ""
