"""Staff cards: recognised by a configured application (SELECT by AID succeeds) and/or by a
contactless UID on an allowlist (PC/SC GET DATA ``FF CA 00 00 00``).

The terminal's own staff application (TONGBAN_STAFF_AID, F0 'TONGBAN' 01) keeps a BER-TLV
file: DF01 staff number, DF02 role (ASCII), DF03 name (GBK, not taken: the kiosk needs the
number and role only). The file comes whole with READ BINARY ``00 B0 00 00 00``; a card
that refuses that answers GET DATA ``00 CA DF 0n 00`` per object. A card recognised by UID
only (a MIFARE badge) has neither: the kiosk maps the UID itself.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from . import apdu, tlv
from .apdu import CardChannel
from .model import CardData, CardKind

TONGBAN_STAFF_AID = b"\xf0TONGBAN\x01"
STAFF_NUMBER_TAG, STAFF_ROLE_TAG = 0xDF01, 0xDF02


def card_uid(channel: CardChannel) -> str:
    """The contactless UID as upper-case hex, "" when the reader or card has none (contact
    cards answer 6A81 / 6D00 / 6E00, which is not an error here)."""
    response = channel.transmit(apdu.GET_UID)
    return response.data.hex().upper() if response.ok else ""


def normalise_uid(uid: str) -> str:
    return uid.replace(":", "").replace(" ", "").upper()


def _text(nodes: Sequence[tlv.Tlv], tag: int) -> str:
    node = tlv.first(nodes, tag)
    return bytes(node.value).decode("ascii", "replace").strip(" \x00") if node else ""


def _staff_objects(channel: CardChannel) -> list[tlv.Tlv]:
    whole = channel.transmit(apdu.read_binary())
    if whole.ok:
        return tlv.parse(whole.data)
    nodes: list[tlv.Tlv] = []
    for tag in (STAFF_NUMBER_TAG, STAFF_ROLE_TAG):
        one = channel.transmit(apdu.get_data(tag))
        if one.ok:
            nodes += tlv.parse(one.data)
    return nodes


def read_staff(
    channel: CardChannel, aids: Sequence[bytes], uids: Collection[str], uid: str = ""
) -> CardData | None:
    """A staff card, or None. ``uids`` are upper-case hex (see ``normalise_uid``)."""
    for aid in aids:
        selected = channel.transmit(apdu.select_by_name(aid))
        if not selected.ok:
            continue
        nodes = _staff_objects(channel)
        return CardData(CardKind.STAFF, aid=aid.hex().upper(), uid=uid,
                        staff_number=_text(nodes, STAFF_NUMBER_TAG),
                        staff_role=_text(nodes, STAFF_ROLE_TAG))
    if uid and uid in uids:
        return CardData(CardKind.STAFF, uid=uid)
    return None
