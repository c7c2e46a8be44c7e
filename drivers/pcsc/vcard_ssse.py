"""The SSSE application of a 社会保障卡 (social security card), as card readers in halls read it.

MF 3F00 -> DDF ``sx1.sh.`` + 社会保障 (GBK) -> EF05 (card data, records 01..07) and EF06
(holder data, records 08..0D). READ RECORD ``00 B2 nn 00 Le`` (P2 04 works too) answers the
record as ``nn LL value``: the record number is its tag.

    EF05  01 卡识别码 16 | 02 卡类别 1 | 03 规范版本 4 | 04 初始化机构编号 12 |
          05 发卡日期 BCD 4 | 06 有效期 BCD 4 | 07 卡号 9
    EF06  08 社会保障号码 18 | 09 姓名 GBK 30 | 0A 性别 '1'/'2' | 0B 民族 BCD 1 |
          0C 出生地 BCD 3 | 0D 出生日期 BCD 4

With ``pin_required`` the EF06 records answer 6982 until VERIFY ``00 20 00 00 03 <PIN BCD>``
succeeds; a wrong PIN answers 63Cx (x tries left), the last wrong try and every try after it
6983. The tries counter survives power cycles (it lives in the card), the verified state does not.
"""

from __future__ import annotations

from .vcard_apdu import SW, Command, Handler, Reply, bcd, dispatch, status, tlv
from .vcard_data import SsseCard

SSSE_AID = b"sx1.sh." + "社会保障".encode("gbk")
MF = 0x3F00
EF05 = 0xEF05
EF06 = 0xEF06
_NAME_SIZE = 30


class SsseApplet:
    def __init__(self, card: SsseCard) -> None:
        self.card = card
        self.pin_required = card.pin_required
        self.tries_left = card.pin_tries
        self._in_ssse = False
        self._ef: int | None = None
        self._verified = False
        self._files = {EF05: _card_records(card), EF06: _holder_records(card)}
        self._table: dict[int, tuple[int, Handler]] = {
            0xA4: (0x00, self._select),
            0xB2: (0x00, self._read_record),
            0x20: (0x00, self._verify),
        }

    @property
    def pin_blocked(self) -> bool:
        return self.tries_left == 0

    def block_pin(self) -> None:
        self.tries_left = 0
        self._verified = False

    def reset(self) -> None:
        self._in_ssse = False
        self._ef = None
        self._verified = False

    def process(self, command: Command) -> Reply:
        return dispatch(command, self._table)

    def _select(self, command: Command) -> Reply:
        if command.p2 not in (0x00, 0x0C):
            return status(SW.WRONG_P1P2)
        if command.p1 == 0x04:
            if command.data != SSSE_AID:
                return status(SW.FILE_NOT_FOUND)
            self._in_ssse, self._ef = True, None
            fci = b"" if command.p2 == 0x0C else tlv(0x6F, tlv(0x84, SSSE_AID))
            return Reply(fci)
        if command.p1 not in (0x00, 0x02):
            return status(SW.WRONG_P1P2)
        if command.p1 == 0x00 and command.data in (b"", MF.to_bytes(2, "big")):
            self._in_ssse, self._ef = False, None
            return Reply()
        if len(command.data) != 2:
            return status(SW.WRONG_LENGTH)
        fid = int.from_bytes(command.data, "big")
        if not self._in_ssse or fid not in self._files:
            return status(SW.FILE_NOT_FOUND)
        self._ef = fid
        return Reply()

    def _read_record(self, command: Command) -> Reply:
        sfi = command.p2 >> 3
        if command.p2 & 0x07 not in (0x00, 0x04) or command.p1 == 0:
            return status(SW.WRONG_P1P2)
        if sfi:  # short EF identifier: the low bits of the file ID (EF05 -> 5)
            ef = next((fid for fid in self._files if fid & 0x1F == sfi), None)
            if ef is None or not self._in_ssse:
                return status(SW.FILE_NOT_FOUND)
        elif self._ef is None:
            return status(SW.NO_CURRENT_EF)
        else:
            ef = self._ef
        if ef == EF06 and self.pin_required and not self._verified:
            return status(SW.SECURITY_NOT_SATISFIED)
        record = self._files[ef].get(command.p1)
        if record is None:
            return status(SW.RECORD_NOT_FOUND)
        return Reply(bytes([command.p1, len(record)]) + record)

    def _verify(self, command: Command) -> Reply:
        if command.p1 != 0x00 or command.p2 != 0x00:
            return status(SW.WRONG_P1P2)
        if self.tries_left == 0:
            return status(SW.AUTH_BLOCKED)
        if not command.data:  # ISO 7816-4: VERIFY without data asks for the tries left
            return status(SW.OK if self._verified else 0x63C0 | self.tries_left)
        if not 2 <= len(command.data) <= 6:
            return status(SW.WRONG_LENGTH)
        if command.data == bcd(self.card.pin):
            self.tries_left = self.card.pin_tries
            self._verified = True
            return status(SW.OK)
        self._verified = False
        self.tries_left -= 1
        return status(SW.AUTH_BLOCKED if self.tries_left == 0 else 0x63C0 | self.tries_left)


def _card_records(card: SsseCard) -> dict[int, bytes]:
    return {
        0x01: f"{card.region}D156{card.card_number[-6:]}".encode("ascii"),
        0x02: card.card_kind.encode("ascii")[:1],
        0x03: card.spec_version.encode("ascii")[:4].ljust(4, b" "),
        0x04: f"{card.region}{card.card_number[-6:]}".encode("ascii"),
        0x05: bcd(card.issue_date.strftime("%Y%m%d")),
        0x06: bcd(card.expiry_date.strftime("%Y%m%d")),
        0x07: card.card_number.encode("ascii"),
    }


def _holder_records(card: SsseCard) -> dict[int, bytes]:
    pad = b"\x00" if card.name_padding == "zero" else b" "
    return {
        0x08: card.id_number.encode("ascii"),
        0x09: card.name.encode("gbk").ljust(_NAME_SIZE, pad),
        0x0A: b"1" if card.gender == "男" else b"2",
        0x0B: bcd(f"{card.nation:02d}"),
        0x0C: bcd(card.birth_place or card.id_number[:6]),
        0x0D: bcd(card.birth_date.strftime("%Y%m%d")),
    }
