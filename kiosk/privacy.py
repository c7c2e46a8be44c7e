"""Masking of personal data, and a log filter that keeps ID numbers out of log files.

Masked forms follow the house rule: name 张*, ID 1101**********123X.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from drivers.idcard.model import IdentityCard

# 18-character resident / permit numbers and 15-character foreign card numbers.
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|[A-Z]{3}\d{12})(?![0-9A-Za-z])")


def mask_name(name: str) -> str:
    name = name.strip()
    if not name:
        return ""
    # One star whatever the length: the masked form must not tell how long the name is.
    if name.isascii():  # English names on foreign cards: first letter of each part
        return " ".join(part[0] + "*" for part in name.split())
    return name[0] + "*"


def mask_number(number: str, keep_head: int = 4, keep_tail: int = 4) -> str:
    number = number.strip()
    if len(number) <= keep_head + keep_tail:
        return "*" * len(number)
    return number[:keep_head] + "*" * (len(number) - keep_head - keep_tail) + number[-keep_tail:]


def mask_address(address: str) -> str:
    # Keep the province/city part a citizen recognises, hide the street.
    return address[:6] + "*" * max(0, len(address) - 6) if address else ""


_MASKERS: dict[str, Callable[[str], str]] = {
    "name": mask_name,
    "name_en": mask_name,
    "id_number": mask_number,
    "pass_number": lambda v: mask_number(v, 2, 2),
    "address": mask_address,
    "birth_date": lambda v: v[:4] + "-**-**" if v else "",
}


def card_fields(card: IdentityCard, unmask: bool = False) -> dict[str, str]:
    """The card as the documented key/value pairs, masked unless asked otherwise."""
    data = card.as_dict()
    if unmask:
        return data
    return {k: _MASKERS[k](v) if k in _MASKERS else v for k, v in data.items()}


def redact(text: str) -> str:
    return _ID_LIKE.sub(lambda m: mask_number(m.group(0)), text)


class RedactingFilter(logging.Filter):
    """Defence in depth: masks anything shaped like an ID number in every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True
