"""What an ID card read yields. Held in memory only, wiped by its owner at session end."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum


class CardType(StrEnum):
    RESIDENT = "resident"          # 居民身份证 (marker: space)
    HMT_PERMIT = "hmt_permit"      # 港澳台居民居住证 (marker: J)
    FOREIGN_2017 = "foreign_2017"  # 外国人永久居留身份证 2017 (marker: I)
    FOREIGN_2023 = "foreign_2023"  # 外国人永久居留身份证 2023 (marker: Y)


LONG_TERM = "长期"

# The JSON keys of `kiosk read-id --json`, per card type, in output order.
JSON_KEYS: dict[CardType, tuple[str, ...]] = {
    CardType.RESIDENT: (
        "card_type", "name", "gender", "nation", "birth_date", "address", "id_number",
        "issuer", "valid_from", "valid_until",
    ),
    CardType.HMT_PERMIT: (
        "card_type", "name", "gender", "birth_date", "address", "id_number", "issuer",
        "valid_from", "valid_until", "pass_number", "issue_count",
    ),
    CardType.FOREIGN_2017: (
        "card_type", "name", "name_en", "gender", "birth_date", "id_number", "nationality",
        "issuer", "valid_from", "valid_until",
    ),
    CardType.FOREIGN_2023: (
        "card_type", "name", "name_en", "gender", "birth_date", "id_number", "nationality",
        "valid_from", "valid_until", "renewal_count",
    ),
}


@dataclass(eq=False)
class IdentityCard:
    """One card's content. ``repr`` never shows personal data."""

    card_type: CardType
    name: str = ""
    name_en: str = ""
    gender: str = ""          # 男 / 女 / 未知 / 未说明
    nation: str = ""          # resident cards only: decoded GB 3304 name
    birth_date: str = ""      # ISO date
    address: str = ""
    id_number: str = ""       # ID number; permanent residence card number for foreigners
    issuer: str = ""          # issuing authority (I cards: authority code)
    valid_from: str = ""      # ISO date
    valid_until: str = ""     # ISO date or 长期
    pass_number: str = ""     # J: 通行证号码
    issue_count: str = ""     # J: 签发次数
    nationality: str = ""     # foreign cards: ISO 3166 alpha-3
    renewal_count: str = ""   # Y: 换证次数
    card_version: str = ""    # I: 证件版本号
    # Raw card bytes, kept mutable so they can be zeroed.
    photo_wlt: bytearray = field(default_factory=bytearray)
    fingerprint: bytearray = field(default_factory=bytearray)
    # The photo as 102 x 126 BGR pixels when a WLT decoder plug-in is configured (photo.py).
    photo_bgr: bytearray = field(default_factory=bytearray)

    def __repr__(self) -> str:
        state = "wiped" if not self.id_number and not self.name else "held"
        return f"IdentityCard(card_type={self.card_type.value!r}, {state})"

    __str__ = __repr__

    def as_dict(self) -> dict[str, str]:
        """Fields for this card type, in the documented key order (clear text)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["card_type"] = self.card_type.value
        return {key: str(values[key]) for key in JSON_KEYS[self.card_type]}

    def wipe(self) -> None:
        """Zero the raw buffers and drop every personal field.

        Python strings cannot be overwritten in place; dropping the only references is
        what can be done, and the raw byte buffers are zeroed before release.
        """
        for buf in (self.photo_wlt, self.fingerprint, self.photo_bgr):
            buf[:] = b"\x00" * len(buf)
            del buf[:]
        for f in fields(self):
            if f.type in ("str", str) and f.name != "card_type":
                setattr(self, f.name, "")
