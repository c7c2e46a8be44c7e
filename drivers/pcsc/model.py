"""What a smart card read yields. Held in memory only and wiped by its owner.

A bank card's PAN is kept as ASCII digits in a bytearray (``pan``) so it can be zeroed,
and as a masked printable form (``pan_masked``: first 6 and last 4). Everything that
prints or logs uses the masked forms; ``as_dict(unmask=True)`` is for a technician's
``kiosk read-card --unmask`` only.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from enum import StrEnum

from ..idcard.model import CardType, IdentityCard


class CardKind(StrEnum):
    BANK = "bank"
    SOCIAL_SECURITY = "social_security"
    STAFF = "staff"
    UNKNOWN = "unknown"


# 9F62 cardholder ID type (PBOC 3.0 / JR/T 0025): code -> stable key
HOLDER_ID_TYPES = {
    0x00: "id_card", 0x01: "officer_card", 0x02: "passport", 0x03: "arrival_card",
    0x04: "temporary_id", 0x05: "other",
}

# The keys of ``as_dict`` per kind, in output order.
KEYS: dict[CardKind, tuple[str, ...]] = {
    CardKind.BANK: (
        "kind", "pan", "expiry", "aid", "product", "label", "holder_name", "holder_id_type",
        "holder_id_number",
    ),
    CardKind.SOCIAL_SECURITY: (
        "kind", "card_number", "id_number", "name", "gender", "nation", "birth_date",
    ),
    CardKind.STAFF: ("kind", "staff_number", "staff_role", "aid", "uid"),
    CardKind.UNKNOWN: ("kind", "atr"),
}


def mask_digits(number: str, keep_head: int, keep_tail: int) -> str:
    if len(number) <= keep_head + keep_tail:
        return "*" * len(number)
    return number[:keep_head] + "*" * (len(number) - keep_head - keep_tail) + number[-keep_tail:]


def mask_pan(pan: bytes | bytearray | str) -> str:
    """First 6 and last 4 digits, the rest starred (PCI DSS display rule)."""
    text = pan if isinstance(pan, str) else pan.decode("ascii", "replace")
    return mask_digits(text, 6, 4)


def _mask_name(name: str) -> str:
    name = name.strip()
    if not name:
        return ""
    if name.isascii():  # EMV 5F20 "ZHANG/SAN": first letter of each part
        return " ".join(part[0] + "*" for part in name.replace("/", " ").split())
    return name[0] + "*"


_MASKERS: dict[str, Callable[[str], str]] = {
    "name": _mask_name,
    "holder_name": _mask_name,
    "id_number": lambda v: mask_digits(v, 4, 4),
    "holder_id_number": lambda v: mask_digits(v, 4, 4),
    "card_number": lambda v: mask_digits(v, 1, 2),
    "birth_date": lambda v: v[:4] + "-**-**" if v else "",
}


@dataclass(eq=False)
class CardData:
    """One card's content. ``repr`` never shows personal data."""

    kind: CardKind
    reader: str = ""
    atr: str = ""                 # hex; identifies the chip, not the person
    aid: str = ""                 # hex of the application read
    uid: str = ""                 # hex, contactless UID when the reader gave one
    # bank (EMV / PBOC)
    pan: bytearray = field(default_factory=bytearray, repr=False)  # ASCII digits, wipeable
    pan_masked: str = ""
    expiry: str = ""              # YYYY-MM
    product: str = ""             # debit / credit / quasi_credit / other
    label: str = ""               # application label (50), e.g. "UnionPay Debit"
    holder_name: str = ""         # 5F20 (often empty on UnionPay cards)
    holder_id_type: str = ""      # HOLDER_ID_TYPES value
    holder_id_number: str = ""    # 9F61
    # social security (SSSE)
    card_number: str = ""         # 社会保障卡卡号 (EF05 07)
    id_number: str = ""           # 社会保障号码 = resident ID number (EF06 08), checked
    name: str = ""
    gender: str = ""              # 男 / 女 / 未知 / 未说明
    nation: str = ""              # GB 3304 name
    birth_date: str = ""          # ISO date
    # staff
    staff_number: str = ""
    staff_role: str = ""

    def __repr__(self) -> str:
        held = any((self.pan, self.id_number, self.name, self.holder_id_number,
                    self.holder_name, self.card_number))
        return f"CardData(kind={self.kind.value!r}, {'held' if held else 'wiped'})"

    __str__ = __repr__

    def as_dict(self, unmask: bool = False) -> dict[str, str]:
        """The documented keys for this kind; masked unless ``unmask``."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "pan"}
        values["kind"] = self.kind.value
        values["pan"] = self.pan.decode("ascii") if unmask else self.pan_masked
        out: dict[str, str] = {}
        for key in KEYS[self.kind]:
            value = str(values[key])
            if not unmask and key in _MASKERS:
                value = _MASKERS[key](value)
            out[key] = value
        return out

    def pan_digest(self, key: bytes) -> str:
        """A keyed hash of the PAN (HMAC-SHA256, hex): identifies a bank card again without
        keeping its number. Empty when there is no PAN."""
        if not self.pan:
            return ""
        return hmac.new(key, self.pan, hashlib.sha256).hexdigest()

    def to_identity(self) -> IdentityCard | None:
        """The holder as an IdentityCard for the session (social security cards only: their
        number is the checked resident ID number). None for other kinds."""
        if self.kind is not CardKind.SOCIAL_SECURITY or not self.id_number:
            return None
        return IdentityCard(
            CardType.RESIDENT, name=self.name, gender=self.gender, nation=self.nation,
            birth_date=self.birth_date, id_number=self.id_number,
        )

    def wipe(self) -> None:
        """Zero the PAN buffer and drop every personal field.

        Python strings cannot be overwritten in place; dropping the only references is what
        can be done, and the byte buffer is zeroed before release.
        """
        self.pan[:] = bytes(len(self.pan))   # in place: whoever holds the buffer sees zeros
        self.pan = bytearray()
        for f in fields(self):
            if f.name not in ("kind", "reader", "atr", "aid", "product") and f.type in ("str", str):
                setattr(self, f.name, "")
