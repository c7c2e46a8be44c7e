"""Staff cards: a contactless CPU card with the TONGBAN application, or a MIFARE badge.

The CPU card answers SELECT ``00 A4 04 00 09 F0544F4E4742414E01`` (F0 'TONGBAN' 01) with an
FCI, then its staff file: READ BINARY ``00 B0 00 00 00`` gives the whole file, GET DATA
``00 CA DF 0n 00`` one object. The file is BER-TLV: DF01 staff number (ASCII), DF02 role
(ASCII), DF03 name (GBK). Every staff card has a UID (``FF CA 00 00 00``, answered by
CardOS), so a driver can also identify staff by a UID list; the MIFARE badge has nothing else
and answers every ISO command with 6A81 as a PC/SC reader does for a storage card.
"""

from __future__ import annotations

from .vcard_apdu import SW, Command, Handler, Reply, dispatch, status, tlv
from .vcard_data import StaffCard

STAFF_AID = bytes.fromhex("F0") + b"TONGBAN" + bytes.fromhex("01")
TAG_STAFF_NUMBER = 0xDF01
TAG_ROLE = 0xDF02
TAG_NAME = 0xDF03


class StaffApplet:
    def __init__(self, card: StaffCard) -> None:
        self.card = card
        self._selected = False
        self._objects = {
            TAG_STAFF_NUMBER: card.staff_number.encode("ascii"),
            TAG_ROLE: card.role.encode("ascii"),
            TAG_NAME: card.name.encode("gbk"),
        }
        self._file = b"".join(tlv(tag, value) for tag, value in self._objects.items() if value)
        self._table: dict[int, tuple[int, Handler]] = {
            0xA4: (0x00, self._select),
            0xB0: (0x00, self._read_binary),
            0xCA: (0x00, self._get_data),
        }

    def reset(self) -> None:
        self._selected = False

    def process(self, command: Command) -> Reply:
        if self.card.kind == "mifare":
            return status(SW.FUNCTION_NOT_SUPPORTED)
        return dispatch(command, self._table)

    def _select(self, command: Command) -> Reply:
        if command.p1 != 0x04 or command.p2 not in (0x00, 0x0C):
            return status(SW.WRONG_P1P2)
        if command.data != STAFF_AID:
            return status(SW.FILE_NOT_FOUND)
        self._selected = True
        if command.p2 == 0x0C:
            return Reply()
        return Reply(tlv(0x6F, tlv(0x84, STAFF_AID) + tlv(0xA5, tlv(0x50, "TONGBAN STAFF"))))

    def _read_binary(self, command: Command) -> Reply:
        if command.p1 & 0x80:  # short EF identifier addressing: the card has one file
            return status(SW.WRONG_P1P2)
        if not self._selected:
            return status(SW.NO_CURRENT_EF)
        offset = command.p1p2
        if offset > len(self._file):
            return status(SW.WRONG_OFFSET)
        wanted = 256 if command.le is None else command.le
        data = self._file[offset:offset + wanted]
        short = len(data) < wanted and command.le not in (None, 256)
        return Reply(data, SW.END_OF_DATA if short else SW.OK)

    def _get_data(self, command: Command) -> Reply:
        value = self._objects.get(command.p1p2) if self._selected else None
        if not value:
            return status(SW.DATA_NOT_FOUND)
        return Reply(tlv(command.p1p2, value))
