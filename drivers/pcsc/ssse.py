"""Social security cards (社会保障卡): the SSSE application.

SELECT the SSSE application by name, then EF05 record 07 (card number) and EF06 records
08 (social security number = resident ID number), 09 name (GBK, padded), 0A gender,
0B nation, 0D birth date (BCD). Records are read by identifier (``00 B2 <id> 00 00``) and
come back as ``<id> <len> <value>``.

Many regions protect EF06 with the cardholder PIN: the card answers 6982. When the site
profile says a PIN is used, the driver asks the PinPad and sends VERIFY (PIN as packed BCD,
F-padded); 63Cx asks again with the tries left, 6983 (or 63C0) ends with pin_blocked.
"""

from __future__ import annotations

import datetime as dt

from ..errors import CardDataError, ErrorCode, OperationCancelled, ProtocolError
from ..idcard.layouts import GENDERS, NATIONS, id_number_is_valid
from . import apdu
from .apdu import CardChannel
from .model import CardData, CardKind
from .pinpad import PinPad
from .sw import CardStatusError, error_for

SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")   # "sx1.sh." + 社会保障 (GBK)
EF05, EF06 = b"\xef\x05", b"\xef\x06"
CARD_NUMBER, SSN, NAME, GENDER, NATION, BIRTH_DATE = 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0D

ABSENT = frozenset({0x6A82, 0x6A81, 0x6A86, 0x6D00, 0x6E00})
PIN_DIGITS = range(4, 13)
MAX_PROMPTS = 8   # asks per read, wrong PINs included: a broken pad must not spin forever
_PADDING = b"\x00\x20\xff"


def pin_block(pin: str) -> bytearray:
    """The PIN as packed BCD, F-padded to whole bytes ("123456" -> 12 34 56)."""
    digits = pin + ("F" if len(pin) % 2 else "")
    return bytearray.fromhex(digits)


def pin_format_ok(pin: str) -> bool:
    return pin.isascii() and pin.isdigit() and len(pin) in PIN_DIGITS


def _record(channel: CardChannel, record_id: int) -> memoryview:
    data = channel.send(apdu.read_record_by_id(record_id), f"READ RECORD {record_id:02X}").data
    if len(data) < 2 or data[0] != record_id or data[1] > len(data) - 2:
        raise ProtocolError(f"record {record_id:02X} is not <id> <len> <value>",
                            ErrorCode.FRAME_GARBLED)
    return memoryview(data)[2:2 + data[1]]


def _text(value: memoryview, encoding: str = "ascii") -> str:
    raw = bytes(value).rstrip(_PADDING)
    try:
        return raw.decode(encoding).strip()
    except UnicodeDecodeError as err:
        raise CardDataError(f"text record is not {encoding}") from err


def _code(value: memoryview) -> int | None:
    """A small code stored as ASCII digits ("1", "01") or as one BCD byte (0x01)."""
    raw = bytes(value).rstrip(_PADDING)
    if raw and raw.isdigit():
        return int(raw)
    if len(raw) == 1 and (raw[0] >> 4) < 10 and (raw[0] & 0x0F) < 10:
        return int(f"{raw[0]:02X}")
    return None


def _birth_date(value: memoryview) -> str:
    digits = bytes(value).hex()
    try:
        return dt.datetime.strptime(digits[:8], "%Y%m%d").date().isoformat()
    except ValueError as err:
        raise CardDataError("birth date is not BCD YYYYMMDD") from err


def _verify(channel: CardChannel, pad: PinPad) -> None:
    tries: int | None = None
    wrong: CardStatusError | None = None
    for _ in range(MAX_PROMPTS):
        pin = pad.request_pin(tries)
        if pin is None:
            # Cancelling after a wrong PIN ends as that wrong PIN (tries left), a clearer
            # outcome for the person than "cancelled".
            if wrong is not None:
                raise wrong
            raise OperationCancelled("PIN entry cancelled", ErrorCode.CANCELLED)
        if not pin_format_ok(pin):
            continue
        block = pin_block(pin)
        try:
            response = channel.transmit(apdu.verify(bytes(block)))
        finally:
            block[:] = bytes(len(block))
        if response.ok:
            return
        wrong = error_for(response.sw, "VERIFY")
        if wrong.code is not ErrorCode.PIN_WRONG:
            raise wrong                     # pin_blocked, or the card refusing VERIFY
        tries = wrong.tries_left
    raise CardStatusError("no acceptable PIN entered", ErrorCode.PIN_REQUIRED)


def _holder(channel: CardChannel, card: CardData) -> None:
    channel.send(apdu.select_file(EF06), "SELECT EF06")
    card.id_number = _text(_record(channel, SSN)).upper()
    card.name = _text(_record(channel, NAME), "gbk")
    gender = _code(_record(channel, GENDER))
    card.gender = GENDERS.get(str(gender), "未知")
    nation = _code(_record(channel, NATION))
    card.nation = NATIONS.get(nation, "") if nation is not None else ""
    card.birth_date = _birth_date(_record(channel, BIRTH_DATE))


def read_social_security(
    channel: CardChannel, pin_pad: PinPad | None = None, pin_required: bool = False
) -> CardData | None:
    """Read the SSSE application, or None when the card has none."""
    selected = channel.transmit(apdu.select_by_name(SSSE_AID))
    if selected.sw in ABSENT:
        return None
    selected.check("SELECT SSSE")
    card = CardData(CardKind.SOCIAL_SECURITY, aid=SSSE_AID.hex().upper())
    try:
        channel.send(apdu.select_file(EF05), "SELECT EF05")
        card.card_number = _text(_record(channel, CARD_NUMBER))
        try:
            _holder(channel, card)
        except CardStatusError as err:
            if err.code is not ErrorCode.PIN_REQUIRED or not pin_required or pin_pad is None:
                raise
            _verify(channel, pin_pad)
            _holder(channel, card)
        if not id_number_is_valid(card.id_number):
            raise CardDataError("social security number fails its GB 11643 check")
    except BaseException:
        card.wipe()
        raise
    return card
