"""Demo cards for the ID card simulator, from TOML (or JSON) files.

A file holds one table ``cards``; each entry is named by a key (``[cards.zhang_san]``)
and carries IdentityCard fields in their decoded form (dates ``YYYY-MM-DD``, gender 男/女,
nation by name). Everything is checked at load time and a bad file is rejected with the
file, card key and field named, so a typo never surfaces as a strange read later. The ID
number check character is deliberately *not* checked: a bad card is a legitimate test card.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from .layouts import NATION_CODES, encode_text
from .model import LONG_TERM, CardType, IdentityCard

DEMO_CARDS = Path(__file__).with_name("sim_cards.toml")
BLOB_SIZE = 1024
_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")


class CardFileError(ValueError):
    """A cards file that cannot be used; the message names file, card and field."""


def _iso(value: str) -> str:
    dt.date.fromisoformat(value)  # raises ValueError, reported with the field
    return value


class _CardEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    card_type: CardType
    name: str = ""
    name_en: str = ""
    gender: Literal["男", "女", "未知", "未说明"]
    nation: str = ""
    birth_date: str
    address: str = ""
    id_number: str
    issuer: str = ""
    valid_from: str
    valid_until: str
    pass_number: str = ""
    issue_count: str = ""
    nationality: str = ""
    renewal_count: str = ""
    card_version: str = ""
    photo_wlt: str = ""    # base64 of the 1024-byte WLT; derived from the key when empty
    fingerprint: str = ""  # base64 of up to 1024 bytes; derived from the key when empty

    @field_validator("birth_date", "valid_from")
    @classmethod
    def _date(cls, value: str) -> str:
        return _iso(value)

    @field_validator("valid_until")
    @classmethod
    def _until(cls, value: str) -> str:
        return value if value == LONG_TERM else _iso(value)

    @field_validator("photo_wlt", "fingerprint")
    @classmethod
    def _blob(cls, value: str) -> str:
        if value:
            try:
                raw = base64.b64decode(value, validate=True)
            except binascii.Error as err:
                raise ValueError("not base64") from err
            if len(raw) > BLOB_SIZE:
                raise ValueError(f"{len(raw)} bytes, at most {BLOB_SIZE}")
        return value

    @model_validator(mode="after")
    def _per_type(self) -> _CardEntry:
        if self.card_type is CardType.RESIDENT and self.nation not in NATION_CODES:
            raise ValueError(f"nation {self.nation!r} is not a GB 3304 name")
        if self.card_type is not CardType.RESIDENT and self.nation:
            raise ValueError("nation is only carried by resident cards")
        if not self.name and not self.name_en:
            raise ValueError("a card needs name or name_en")
        return self

    def to_card(self) -> IdentityCard:
        values: dict[str, Any] = self.model_dump(exclude={"photo_wlt", "fingerprint"})
        card = IdentityCard(**values)
        card.photo_wlt = bytearray(base64.b64decode(self.photo_wlt))
        card.fingerprint = bytearray(base64.b64decode(self.fingerprint))
        return card


def _field_of(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(card)"


def parse_cards(data: object, source: str) -> dict[str, IdentityCard]:
    """Validate an already parsed ``{"cards": {key: {...}}}`` mapping."""
    if not isinstance(data, dict) or set(data) != {"cards"} or not isinstance(data["cards"], dict):
        raise CardFileError(f"{source}: expected exactly one table 'cards' of card entries")
    cards: dict[str, IdentityCard] = {}
    for key, entry in data["cards"].items():
        where = f"{source}: card {key!r}"
        if not _KEY.match(key):
            raise CardFileError(f"{where}: key may hold only letters, digits, '_', '.', '-'")
        if not isinstance(entry, dict):
            raise CardFileError(f"{where}: expected a table of fields")
        try:
            card = _CardEntry.model_validate(entry).to_card()
        except ValidationError as err:
            first = err.errors()[0]
            more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
            raise CardFileError(
                f"{where}: field {_field_of(first['loc'])!r}: {first['msg']}{more}"
            ) from None
        try:
            encode_text(card)  # every field must fit its slot in the 256-byte block
        except ValueError as err:
            raise CardFileError(f"{where}: {err}") from None
        cards[key] = card
    if not cards:
        raise CardFileError(f"{source}: no cards")
    return cards


def load_cards(path: str | Path | None = None) -> dict[str, IdentityCard]:
    """Load cards from a ``.toml`` or ``.json`` file; ``None`` loads the shipped demo cards.

    Raises CardFileError naming the file, and the card key and field where one is at fault.
    """
    file = Path(path) if path is not None else DEMO_CARDS
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as err:
        raise CardFileError(f"{file}: cannot read: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise CardFileError(f"{file}: not UTF-8 text") from None
    try:
        data: object = json.loads(text) if file.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as err:
        kind = "JSON" if file.suffix.lower() == ".json" else "TOML"
        raise CardFileError(f"{file}: not valid {kind}: {err}") from None
    return parse_cards(data, str(file))

