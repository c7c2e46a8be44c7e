"""The virtual cards' data, from TOML: bank (PBOC), social security (SSSE) and staff cards.

A file holds one table ``cards``; each entry is keyed (``[cards.zhang_san_qpboc]``) and has a
``type``: ``bank``, ``social_security`` or ``staff``. Everything is checked at load time and
a bad file is rejected with the file, card key and field named. The demo cards
(vcards.toml) carry the same people as drivers/idcard/sim_cards.toml and central/seed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from .vcard_atr import (
    ATR_CONTACT_T0,
    ATR_CONTACT_T1,
    ATR_CONTACTLESS_BANK,
    ATR_CONTACTLESS_STAFF,
    ATR_MIFARE_1K,
    check_atr,
)

DEMO_VCARDS = Path(__file__).with_name("vcards.toml")
_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")


class CardFamily(StrEnum):
    BANK = "bank"
    SOCIAL_SECURITY = "social_security"
    STAFF = "staff"


class VCardFileError(ValueError):
    """A cards file that cannot be used; the message names file, card and field."""


def _hex(value: str, what: str, sizes: tuple[int, ...] | None = None) -> str:
    text = value.replace(" ", "").upper()
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"{what} is not hex") from None
    if sizes is not None and len(raw) not in sizes:
        raise ValueError(f"{what} has {len(raw)} bytes, expected {' or '.join(map(str, sizes))}")
    return text


def _digits(value: str, lengths: range, what: str) -> str:
    if not value.isdigit() or len(value) not in lengths:
        raise ValueError(f"{what} must be {lengths.start}..{lengths.stop - 1} digits")
    return value


def _year_month(value: str) -> str:
    dt.date.fromisoformat(value + "-01")
    return value


def parse_dol(dol: bytes) -> list[tuple[int, int]]:
    """Tags and lengths of a data object list (the PDOL), e.g. 9F66 04 9F02 06."""
    entries, pos = [], 0
    while pos < len(dol):
        start = pos
        if dol[pos] & 0x1F == 0x1F:
            pos += 1
            while pos < len(dol) and dol[pos] & 0x80:
                pos += 1
        pos += 1
        if pos >= len(dol):
            raise ValueError("DOL ends inside an entry")
        entries.append((int.from_bytes(dol[start:pos], "big"), dol[pos]))
        pos += 1
    return entries


class _Card(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    atr: str = ""  # hex; empty: the default for the card's kind
    uid: str = ""  # hex, 4/7/10 bytes; contactless cards only
    get_response: bool | None = None  # 61xx + GET RESPONSE; default: T=0 contact cards
    strict_le: bool = False  # 6Cxx for any Le that is not the exact length

    @field_validator("atr")
    @classmethod
    def _atr(cls, value: str) -> str:
        if value:
            text = _hex(value, "atr")
            check_atr(bytes.fromhex(text))
            return text
        return value

    @field_validator("uid")
    @classmethod
    def _uid(cls, value: str) -> str:
        return _hex(value, "uid", (4, 7, 10)) if value else value

    def _atr_or(self, default: bytes) -> bytes:
        return bytes.fromhex(self.atr) if self.atr else default

    @property
    def uid_bytes(self) -> bytes | None:
        return bytes.fromhex(self.uid) if self.uid else None


class BankCard(_Card):
    """A UnionPay PBOC card (contact: PSE, T=0; contactless: PPSE, qPBOC)."""

    type: Literal["bank"]
    interface: Literal["contact", "contactless"]
    aid: str = "A000000333010101"
    label: str = ""  # tag 50; default PBOC DEBIT / PBOC CREDIT by AID
    directories: tuple[Literal["pse", "ppse"], ...] | None = None  # default by interface
    pan: str
    expiry: str  # YYYY-MM
    effective: str  # YYYY-MM
    psn: int = Field(default=1, ge=0, le=99)
    holder_name: str = ""  # 5F20, ASCII; UnionPay cards mostly leave it blank
    id_number: str = ""  # 9F61 (ASCII); empty: the card carries no holder ID
    id_type: int = Field(default=0, ge=0, le=5)  # 9F62: 00 身份证 01 军官证 02 护照 ...
    pdol: str = ""  # hex DOL, e.g. 9F66049F02069F37045F2A02; empty: GPO with 83 00
    gpo_format: Literal[1, 2] = 2
    service_code: str = "220"

    @field_validator("aid")
    @classmethod
    def _aid(cls, value: str) -> str:
        return _hex(value, "aid", tuple(range(5, 17)))

    @field_validator("pan")
    @classmethod
    def _pan(cls, value: str) -> str:
        return _digits(value, range(12, 20), "pan")

    @field_validator("expiry", "effective")
    @classmethod
    def _month(cls, value: str) -> str:
        return _year_month(value)

    @field_validator("holder_name")
    @classmethod
    def _ascii(cls, value: str) -> str:
        if not value.isascii() or len(value) > 26:
            raise ValueError("holder_name is ASCII, at most 26 characters")
        return value

    @field_validator("id_number")
    @classmethod
    def _id(cls, value: str) -> str:
        if not value.isascii() or len(value) > 40:
            raise ValueError("id_number is ASCII, at most 40 characters")
        return value

    @field_validator("pdol")
    @classmethod
    def _pdol(cls, value: str) -> str:
        text = _hex(value, "pdol") if value else value
        parse_dol(bytes.fromhex(text))
        return text

    @field_validator("service_code")
    @classmethod
    def _service(cls, value: str) -> str:
        return _digits(value, range(3, 4), "service_code")

    @model_validator(mode="after")
    def _uid_only_contactless(self) -> BankCard:
        if self.uid and not self.is_contactless:
            raise ValueError("only contactless cards have a uid")
        return self

    @property
    def is_contactless(self) -> bool:
        return self.interface == "contactless"

    @property
    def atr_bytes(self) -> bytes:
        return self._atr_or(ATR_CONTACTLESS_BANK if self.is_contactless else ATR_CONTACT_T0)

    @property
    def directory_names(self) -> tuple[str, ...]:
        if self.directories is not None:
            return self.directories
        return ("ppse",) if self.is_contactless else ("pse",)

    @property
    def app_label(self) -> str:
        if self.label:
            return self.label
        return "PBOC CREDIT" if self.aid.endswith("0102") else "PBOC DEBIT"

    @property
    def uses_get_response(self) -> bool:
        return self.get_response if self.get_response is not None else not self.is_contactless


class SsseCard(_Card):
    """A 社会保障卡 with the SSSE application (EF05 card data, EF06 holder data)."""

    type: Literal["social_security"]
    protocol: Literal["T=0", "T=1"] = "T=0"
    card_number: str  # record 07, 9 characters
    id_number: str  # record 08, 社会保障号码 = ID number
    name: str  # record 09, GBK in 30 bytes
    name_padding: Literal["zero", "space"] = "zero"
    gender: Literal["男", "女"]  # record 0A, '1' / '2'
    nation: int = Field(ge=1, le=98)  # record 0B, GB 3304 code, one BCD byte
    birth_date: dt.date  # record 0D, BCD YYYYMMDD
    birth_place: str = ""  # record 0C, region code; default: first 6 of the ID number
    region: str = "140500"  # issuing region (卡识别码, 初始化机构)
    issue_date: dt.date  # record 05
    expiry_date: dt.date  # record 06
    spec_version: str = "3.00"  # record 03
    card_kind: str = "3"  # record 02
    pin: str = "123456"
    pin_required: bool = False
    pin_tries: int = Field(default=3, ge=1, le=15)

    @field_validator("card_number")
    @classmethod
    def _card_number(cls, value: str) -> str:
        if len(value) != 9 or not value.isascii() or not value.isalnum():
            raise ValueError("card_number is 9 letters or digits")
        return value

    @field_validator("id_number")
    @classmethod
    def _id(cls, value: str) -> str:
        if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
            raise ValueError("id_number is 17 digits and a check character")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value or len(value.encode("gbk")) > 30:
            raise ValueError("name must fit 30 bytes of GBK")
        return value

    @field_validator("birth_place", "region")
    @classmethod
    def _region(cls, value: str) -> str:
        return _digits(value, range(6, 7), "a region code") if value else value

    @field_validator("pin")
    @classmethod
    def _pin(cls, value: str) -> str:
        return _digits(value, range(4, 13), "pin")

    @model_validator(mode="after")
    def _no_uid(self) -> SsseCard:
        if self.uid:
            raise ValueError("a contact card has no uid")
        return self

    @property
    def atr_bytes(self) -> bytes:
        return self._atr_or(ATR_CONTACT_T0 if self.protocol == "T=0" else ATR_CONTACT_T1)

    @property
    def uses_get_response(self) -> bool:
        return self.get_response if self.get_response is not None else self.protocol == "T=0"


class StaffCard(_Card):
    """A staff card: a CPU card with the TONGBAN application, or a MIFARE badge (UID only)."""

    type: Literal["staff"]
    kind: Literal["cpu", "mifare"] = "cpu"
    staff_number: str = ""
    role: str = ""
    name: str = ""

    @model_validator(mode="after")
    def _per_kind(self) -> StaffCard:
        if not self.uid:
            raise ValueError("a staff card needs its uid")
        if self.kind == "cpu" and not (self.staff_number and self.role):
            raise ValueError("a cpu staff card carries staff_number and role")
        if self.kind == "mifare" and (self.staff_number or self.role or self.name):
            raise ValueError("a mifare badge carries only its uid")
        for text in (self.staff_number, self.role):
            if not text.isascii() or len(text) > 32:
                raise ValueError("staff_number and role are ASCII, at most 32 characters")
        return self

    @property
    def atr_bytes(self) -> bytes:
        return self._atr_or(ATR_MIFARE_1K if self.kind == "mifare" else ATR_CONTACTLESS_STAFF)

    @property
    def uses_get_response(self) -> bool:
        return bool(self.get_response)


VCard = Annotated[BankCard | SsseCard | StaffCard, Field(discriminator="type")]
_ADAPTER: TypeAdapter[BankCard | SsseCard | StaffCard] = TypeAdapter(VCard)


def family_of(card: BankCard | SsseCard | StaffCard) -> CardFamily:
    return CardFamily(card.type)


def _derived_uid(key: str) -> str:
    # A stable 4-byte UID per card key: NXP single-size UIDs do not start with 08 (random ID).
    digest = bytearray(hashlib.sha256(key.encode()).digest()[:4])
    digest[0] = digest[0] & 0x7F | 0x10
    return digest.hex().upper()


def parse_vcards(data: object, source: str) -> dict[str, BankCard | SsseCard | StaffCard]:
    """Validate an already parsed ``{"cards": {key: {...}}}`` mapping."""
    if not isinstance(data, dict) or set(data) != {"cards"} or not isinstance(data["cards"], dict):
        raise VCardFileError(f"{source}: expected exactly one table 'cards' of card entries")
    cards: dict[str, BankCard | SsseCard | StaffCard] = {}
    for key, entry in data["cards"].items():
        where = f"{source}: card {key!r}"
        if not _KEY.match(key):
            raise VCardFileError(f"{where}: key may hold only letters, digits, '_', '.', '-'")
        if not isinstance(entry, dict):
            raise VCardFileError(f"{where}: expected a table of fields")
        try:
            card = _ADAPTER.validate_python(entry)
        except ValidationError as err:
            first = err.errors()[0]
            field = ".".join(str(part) for part in first["loc"][1:]) or "(card)"
            more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
            raise VCardFileError(f"{where}: field {field!r}: {first['msg']}{more}") from None
        if isinstance(card, BankCard) and card.is_contactless and not card.uid:
            card = card.model_copy(update={"uid": _derived_uid(key)})
        cards[key] = card
    if not cards:
        raise VCardFileError(f"{source}: no cards")
    return cards


def load_vcards(path: str | Path | None = None) -> dict[str, BankCard | SsseCard | StaffCard]:
    """Load cards from a TOML file; ``None`` loads the shipped demo cards (vcards.toml).

    Raises VCardFileError naming the file, and the card key and field where one is at fault.
    """
    file = Path(path) if path is not None else DEMO_VCARDS
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as err:
        raise VCardFileError(f"{file}: cannot read: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise VCardFileError(f"{file}: not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise VCardFileError(f"{file}: not valid TOML: {err}") from None
    return parse_vcards(data, str(file))
