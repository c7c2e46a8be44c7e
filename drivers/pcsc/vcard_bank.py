"""A UnionPay PBOC debit/credit card application (EMV Book 1 and 3, JR/T 0025).

Flow a terminal runs: SELECT PPSE ``2PAY.SYS.DDF01`` (contactless) or PSE
``1PAY.SYS.DDF01`` plus READ RECORD of the directory SFI (contact) -> SELECT AID (FCI with
the PDOL) -> GET PROCESSING OPTIONS ``80 A8 00 00 Lc 83 L <PDOL data>`` -> READ RECORD of
every AFL entry. The records carry 5A PAN, 5F24 expiry, 57 track 2, 5F20 name, 9F61 holder ID
number and 9F62 ID type. A contact-only card has no PPSE (6A82), as on real cards.
"""

from __future__ import annotations

import calendar
import datetime as dt

from .vcard_apdu import SW, Command, Handler, Reply, bcd, dispatch, status, tlv
from .vcard_data import BankCard, parse_dol

PSE = b"1PAY.SYS.DDF01"
PPSE = b"2PAY.SYS.DDF01"
_DIRECTORY_SFI = 1
# Records of the application, per SFI (what the AFL lists).
_APP_SFIS = (1, 2)
_CVM_LIST = bytes.fromhex("00000000000000004203 1E03 1F03".replace(" ", ""))
_CDOL1 = bytes.fromhex("9F02069F03069F1A0295055F2A029A039C019F37049F21039F4E14")


class BankApplet:
    def __init__(self, card: BankCard) -> None:
        self.card = card
        self._atc = 0
        self._selected: bytes | None = None  # PSE, PPSE or the AID
        self._pdol_length = sum(size for _, size in parse_dol(bytes.fromhex(card.pdol)))
        self._table: dict[int, tuple[int, Handler]] = {
            0xA4: (0x00, self._select),
            0xB2: (0x00, self._read_record),
            0xA8: (0x80, self._get_processing_options),
            0xCA: (0x80, self._get_data),
        }

    def reset(self) -> None:
        self._selected = None

    def process(self, command: Command) -> Reply:
        return dispatch(command, self._table)

    # -- SELECT -----------------------------------------------------------------------------

    def _select(self, command: Command) -> Reply:
        if command.p1 != 0x04 or command.p2 not in (0x00, 0x02):
            return status(SW.WRONG_P1P2)
        if not command.data:
            return status(SW.WRONG_LENGTH)
        if command.p2 == 0x02:  # next occurrence: the card has one application
            return status(SW.FILE_NOT_FOUND)
        name = command.data
        names = self.card.directory_names
        if name == PPSE and "ppse" in names:
            self._selected = PPSE
            return Reply(self._fci_ppse())
        if name == PSE and "pse" in names:
            self._selected = PSE
            return Reply(self._fci_pse())
        aid = bytes.fromhex(self.card.aid)
        if len(name) >= 5 and aid.startswith(name):  # EMV partial name selection
            self._selected = aid
            return Reply(self._fci_adf(aid))
        return status(SW.FILE_NOT_FOUND)

    def _directory_entry(self) -> bytes:
        return tlv(0x61, tlv(0x4F, bytes.fromhex(self.card.aid)) + tlv(0x50, self.card.app_label)
                   + tlv(0x87, b"\x01"))

    def _fci_ppse(self) -> bytes:
        return tlv(0x6F, tlv(0x84, PPSE) + tlv(0xA5, tlv(0xBF0C, self._directory_entry())))

    def _fci_pse(self) -> bytes:
        proprietary = tlv(0x88, bytes([_DIRECTORY_SFI])) + tlv(0x5F2D, "zh")
        return tlv(0x6F, tlv(0x84, PSE) + tlv(0xA5, proprietary))

    def _fci_adf(self, aid: bytes) -> bytes:
        proprietary = tlv(0x50, self.card.app_label) + tlv(0x87, b"\x01")
        if self.card.pdol:
            proprietary += tlv(0x9F38, bytes.fromhex(self.card.pdol))
        proprietary += tlv(0x5F2D, "zh") + tlv(0x9F11, b"\x01")
        proprietary += tlv(0xBF0C, tlv(0x9F4D, b"\x0B\x0A"))  # transaction log: SFI 11, 10 rec
        return tlv(0x6F, tlv(0x84, aid) + tlv(0xA5, proprietary))

    # -- GET PROCESSING OPTIONS ---------------------------------------------------------------

    def _get_processing_options(self, command: Command) -> Reply:
        if not self._app_selected():
            return status(SW.CONDITIONS_NOT_SATISFIED)
        if command.p1p2 != 0:
            return status(SW.WRONG_P1P2)
        data = command.data
        if len(data) < 2 or data[0] != 0x83 or data[1] != len(data) - 2:
            return status(SW.WRONG_LENGTH)
        if data[1] != self._pdol_length:
            return status(SW.WRONG_LENGTH)
        self._atc = (self._atc + 1) & 0xFFFF
        aip = bytes.fromhex("7C00")
        afl = b"".join(bytes([sfi << 3, 1, len(self._records(sfi)), 1 if sfi == 1 else 0])
                       for sfi in _APP_SFIS)
        if self.card.gpo_format == 1:
            return Reply(tlv(0x80, aip + afl))
        body = tlv(0x82, aip) + tlv(0x94, afl) + tlv(0x9F36, self._atc.to_bytes(2, "big"))
        if self.card.is_contactless:  # qPBOC: the offline cryptogram comes with the GPO
            body += tlv(0x9F27, b"\x80") + tlv(0x9F26, self._cryptogram())
            body += tlv(0x9F10, bytes.fromhex("07010103900000010A01000000000000000000"))
        return Reply(tlv(0x77, body))

    def _app_selected(self) -> bool:
        return self._selected is not None and self._selected not in (PSE, PPSE)

    def _cryptogram(self) -> bytes:
        # Not a real MAC (no keys here); distinct per transaction like a real one.
        seed = bytes.fromhex(self.card.pan[:16].ljust(16, "0")) + self._atc.to_bytes(2, "big")
        return bytes((b * 31 + i * 7) & 0xFF for i, b in enumerate(seed[:8]))

    # -- READ RECORD -------------------------------------------------------------------------

    def _read_record(self, command: Command) -> Reply:
        if command.p1 == 0 or command.p2 & 0x07 != 0x04 or command.p2 >> 3 == 0:
            return status(SW.WRONG_P1P2)
        records = self._records(command.p2 >> 3)
        if not records:
            return status(SW.FILE_NOT_FOUND)
        if command.p1 > len(records):
            return status(SW.RECORD_NOT_FOUND)
        return Reply(records[command.p1 - 1])

    def _records(self, sfi: int) -> list[bytes]:
        if self._selected == PSE and sfi == _DIRECTORY_SFI:
            return [tlv(0x70, self._directory_entry())]
        if not self._app_selected():
            return []
        card = self.card
        if sfi == 1:
            return [
                tlv(0x70, tlv(0x57, self._track2()) + tlv(0x5F20, card.holder_name or " ")
                    + tlv(0x9F1F, "000000000000")),
                tlv(0x70, tlv(0x5A, bcd(card.pan)) + tlv(0x5F24, _expiry(card.expiry))
                    + tlv(0x5F25, _effective(card.effective)) + tlv(0x5F28, b"\x01\x56")
                    + tlv(0x5F34, bcd(f"{card.psn:02d}")) + tlv(0x9F07, b"\xFF\x00")
                    + tlv(0x8E, _CVM_LIST) + tlv(0x8C, _CDOL1)),
            ]
        if sfi == 2:
            body = tlv(0x9F08, b"\x00\x30") + tlv(0x9F42, b"\x01\x56")
            if card.id_number:
                body += tlv(0x9F61, card.id_number) + tlv(0x9F62, bytes([card.id_type]))
            return [tlv(0x70, body)]
        return []

    def _track2(self) -> bytes:
        card = self.card
        yymm = card.expiry[2:4] + card.expiry[5:7]
        return bcd(f"{card.pan}D{yymm}{card.service_code}0000000000")

    # -- GET DATA ----------------------------------------------------------------------------

    def _get_data(self, command: Command) -> Reply:
        if command.p1p2 == 0x9F36:
            return Reply(tlv(0x9F36, self._atc.to_bytes(2, "big")))
        if command.p1p2 == 0x9F13:
            return Reply(tlv(0x9F13, b"\x00\x00"))
        if command.p1p2 == 0x9F17:
            return Reply(tlv(0x9F17, b"\x03"))
        return status(SW.DATA_NOT_FOUND)


def _expiry(year_month: str) -> bytes:
    year, month = int(year_month[:4]), int(year_month[5:7])
    last = calendar.monthrange(year, month)[1]
    return bcd(dt.date(year, month, last).strftime("%y%m%d"))


def _effective(year_month: str) -> bytes:
    return bcd(year_month[2:4] + year_month[5:7] + "01")
