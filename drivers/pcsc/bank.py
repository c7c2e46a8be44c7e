"""Bank cards: EMV / PBOC (UnionPay) application read, enough to identify the holder.

SELECT PPSE (contactless) or PSE (contact: READ RECORD of the directory's SFI, tag 88), or
the known UnionPay AIDs one by one when a card has neither; pick the application; SELECT
it; GET PROCESSING OPTIONS with the PDOL filled; READ RECORD every record the AFL lists.
Only the objects needed to identify are taken: PAN (5A, else track 2 in 57), expiry
(5F24), name (5F20 / 9F0B), holder ID number and type (9F61 / 9F62). The PAN goes into a
bytearray in the CardData; the channel's buffers are zeroed by the caller after the read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import CardDataError, ErrorCode
from . import apdu, tlv
from .apdu import CardChannel
from .model import HOLDER_ID_TYPES, CardData, CardKind, mask_pan
from .sw import CardStatusError

PPSE = b"2PAY.SYS.DDF01"
PSE = b"1PAY.SYS.DDF01"

# UnionPay applications in the order a kiosk prefers them, with their product.
UNIONPAY: dict[bytes, str] = {
    bytes.fromhex("A000000333010101"): "debit",
    bytes.fromhex("A000000333010102"): "credit",
    bytes.fromhex("A000000333010103"): "quasi_credit",
    bytes.fromhex("A000000333010106"): "ecash",
}
_PREFERENCE = {aid: rank for rank, aid in enumerate(UNIONPAY)}

# Answers to SELECT meaning "not here, try the next one".
ABSENT = frozenset({0x6A82, 0x6A81, 0x6A86, 0x6D00, 0x6E00, 0x6A88})
APP_BLOCKED = 0x6283
PSE_MAX_RECORDS = 16


@dataclass(frozen=True)
class Candidate:
    aid: bytes
    label: str
    priority: int     # 87 low nibble, 1 = highest; 0 = none given
    order: int        # position in the directory

    def rank(self) -> tuple[int, int, int]:
        return (_PREFERENCE.get(self.aid, len(_PREFERENCE)),
                self.priority & 0x0F or 16, self.order)


def _text(node: tlv.Tlv | None, encoding: str = "ascii") -> str:
    if node is None:
        return ""
    return bytes(node.value).decode(encoding, "replace").strip(" \x00\xff")


def _entries(templates: Sequence[tlv.Tlv], start: int) -> list[Candidate]:
    found = []
    for index, entry in enumerate(templates, start):
        aid = entry.find("4F")
        if aid is None:
            continue
        priority = entry.find("87")
        found.append(Candidate(bytes(aid.value), _text(entry.find("50")),
                               priority.value[0] if priority is not None and priority.value else 0,
                               index))
    return found


def _ppse(channel: CardChannel) -> list[Candidate] | None:
    response = channel.transmit(apdu.select_by_name(PPSE))
    if response.sw in ABSENT:
        return None
    response.check("SELECT PPSE")
    return _entries(tlv.find_all(tlv.parse(response.data), "6F/A5/BF0C/61"), 0)


def _pse(channel: CardChannel) -> list[Candidate] | None:
    response = channel.transmit(apdu.select_by_name(PSE))
    if response.sw in ABSENT:
        return None
    response.check("SELECT PSE")
    sfi_node = tlv.find(tlv.parse(response.data), "6F/A5/88")
    if sfi_node is None or len(sfi_node.value) != 1:
        return []
    sfi = sfi_node.value[0]
    if not 1 <= sfi <= 30:   # READ RECORD names SFIs 1..30 (EMV Book 1, 11.2)
        raise CardDataError(f"PSE names SFI {sfi}, outside 1..30")
    found: list[Candidate] = []
    for record in range(1, PSE_MAX_RECORDS + 1):
        answer = channel.transmit(apdu.read_record(record, sfi))
        if answer.sw == 0x6A83:       # past the last record
            break
        answer.check("READ RECORD (PSE)")
        found += _entries(tlv.find_all(tlv.parse(answer.data), "70/61"), len(found))
    return found


def candidates(channel: CardChannel) -> list[Candidate]:
    """The card's payment applications, best first; the UnionPay list when it has no
    directory (the EMV "list of AIDs" method)."""
    found = _ppse(channel)
    if not found:
        found = _pse(channel)
    if not found:
        found = [Candidate(aid, "", 0, i) for i, aid in enumerate(UNIONPAY)]
    return sorted(found, key=Candidate.rank)


def _select_application(channel: CardChannel, options: Sequence[Candidate]) -> tuple[Candidate, list[tlv.Tlv]] | None:
    blocked = False
    for option in options:
        response = channel.transmit(apdu.select_by_name(option.aid))
        if response.sw in ABSENT:
            continue
        if response.sw == APP_BLOCKED:
            blocked = True
            continue
        response.check("SELECT AID")
        return option, tlv.parse(response.data)
    if blocked:
        raise CardStatusError("every payment application is blocked", ErrorCode.CARD_REFUSED,
                              APP_BLOCKED)
    return None


def _afl(data: memoryview) -> list[tuple[int, int, int]]:
    if len(data) % 4:
        raise CardDataError(f"AFL of {len(data)} bytes is not a multiple of 4")
    entries = []
    for i in range(0, len(data), 4):
        sfi, first, last = data[i] >> 3, data[i + 1], data[i + 2]
        if not 1 <= sfi <= 30 or first == 0 or last < first:
            raise CardDataError("AFL entry out of range")
        entries.append((sfi, first, last))
    return entries


def _processing_options(channel: CardChannel, fci: list[tlv.Tlv],
                        terminal: Mapping[int, bytes]) -> tuple[list[tlv.Tlv], memoryview]:
    pdol = tlv.find(fci, "6F/A5/9F38")
    data = tlv.fill_dol(tlv.parse_dol(pdol.value), terminal) if pdol is not None else b""
    nodes = tlv.parse(channel.send(apdu.get_processing_options(data), "GPO").data)
    fmt1 = tlv.find(nodes, "80")
    if fmt1 is not None:                     # format 1: AIP (2 bytes) then the AFL
        return [], fmt1.value[2:]
    afl = tlv.find(nodes, "77/94")
    return nodes, afl.value if afl is not None else memoryview(b"")


def bcd_digits(data: memoryview | bytes, stop_at_separator: bool = False) -> bytearray:
    """Digits of packed BCD as ASCII, ending at the F padding (or at track 2's D)."""
    out = bytearray()
    for byte in data:
        for nibble in (byte >> 4, byte & 0x0F):
            if nibble == 0x0F or (stop_at_separator and nibble == 0x0D):
                return out
            if nibble > 9:
                raise CardDataError("PAN has a non-digit")
            out.append(0x30 + nibble)
    return out


def luhn_ok(digits: bytearray) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = char - 0x30
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _track2_expiry(track2: memoryview) -> str:
    nibbles = "".join(f"{b:02X}" for b in track2)   # digits + D + YYMM + service code
    at = nibbles.find("D")
    yymm = nibbles[at + 1:at + 5] if at >= 0 else ""
    return f"20{yymm[:2]}-{yymm[2:]}" if len(yymm) == 4 and yymm.isdigit() else ""


def _collect(objects: list[tlv.Tlv], card: CardData) -> None:
    pan_node, track2 = tlv.first(objects, 0x5A), tlv.first(objects, 0x57)
    if pan_node is not None:
        card.pan = bcd_digits(pan_node.value)
    elif track2 is not None:
        card.pan = bcd_digits(track2.value, stop_at_separator=True)
    if not 12 <= len(card.pan) <= 19 or not luhn_ok(card.pan):
        raise CardDataError("bank card has no valid PAN")
    card.pan_masked = mask_pan(card.pan)
    expiry = tlv.first(objects, 0x5F24)
    if expiry is not None and len(expiry.value) >= 2:
        card.expiry = f"20{expiry.value[0]:02X}-{expiry.value[1]:02X}"
    elif track2 is not None:
        card.expiry = _track2_expiry(track2.value)
    # 9F0B (extended name) is GBK on PBOC cards; 5F20 is plain ASCII.
    card.holder_name = _text(tlv.first(objects, 0x9F0B), "gbk") or _text(tlv.first(objects, 0x5F20))
    card.holder_id_number = _text(tlv.first(objects, 0x9F61))
    id_type = tlv.first(objects, 0x9F62)
    if id_type is not None and len(id_type.value) == 1:
        card.holder_id_type = HOLDER_ID_TYPES.get(id_type.value[0], "other")


def read_bank(channel: CardChannel, terminal: Mapping[int, bytes] | None = None) -> CardData | None:
    """Read a payment card, or None when the card has no payment application."""
    chosen = _select_application(channel, candidates(channel))
    if chosen is None:
        return None
    option, fci = chosen
    objects, afl = _processing_options(channel, fci, terminal or tlv.terminal_data())
    for sfi, first_record, last_record in _afl(afl):
        for record in range(first_record, last_record + 1):
            answer = channel.send(apdu.read_record(record, sfi), "READ RECORD")
            objects += tlv.parse(answer.data)
    label = tlv.find(fci, "6F/A5/50")
    card = CardData(CardKind.BANK, aid=option.aid.hex().upper(),
                    product=UNIONPAY.get(option.aid, "other"),
                    label=_text(label) or option.label)
    try:
        _collect(objects, card)
    except BaseException:
        card.wipe()   # a half-read PAN must not outlive the failure
        raise
    return card
