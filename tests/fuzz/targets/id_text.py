"""The 256-byte ID card text block (drivers/idcard/layouts.py ``decode_text``).

Input: the block. Inputs of another length are decoded as given (the length check) and
also fitted to 256 bytes (truncated, or padded with UCS-2 spaces) so most inputs reach the
field decoders. A block that decodes must carry a well-formed ID number: 17 ASCII digits and
an ASCII check character (issue 10: ``³`` and full-width digits must not pass), except the
2017 foreign card's 15-character number.

Documented errors: ``CardDataError`` (drivers/errors.py; "Raises CardDataError for anything
not shown").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from drivers.errors import CardDataError
from drivers.idcard.layouts import TEXT_SIZE, decode_text, encode_text
from drivers.idcard.model import CardType
from drivers.idcard.sim_cards import load_cards

ALLOWED = (CardDataError,)
INSTRUMENT = ("drivers.idcard",)
_ID = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)


def _decode(block: bytes) -> None:
    card = decode_text(block)
    if card.card_type is not CardType.FOREIGN_2017:
        assert _ID.fullmatch(card.id_number), "accepted an ID number that is not ASCII digits"


def TARGET(data: bytes) -> None:  # noqa: N802
    if len(data) != TEXT_SIZE:
        try:
            _decode(data)
        except CardDataError:
            pass
        data = data[:TEXT_SIZE] + b" \0" * ((TEXT_SIZE - len(data)) // 2) + b" " * (len(data) % 2)
        data = data[:TEXT_SIZE]
    _decode(data)


def seeds() -> Iterator[tuple[str, bytes]]:
    for key, card in load_cards().items():
        yield key, encode_text(card)
