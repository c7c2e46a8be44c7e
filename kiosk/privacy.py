"""Masking of personal data, and a log filter that keeps it out of log files.

Masked forms follow the house rule: name 张*, ID 1101**********123X, mobile 138****8000,
bank card 6222*********0123.

The log filter masks by shape (ID numbers, bank card numbers that pass the Luhn check,
mainland mobile numbers) and by value: a session registers the current citizen's name,
address and ID number (``register_personal``) and forgets them at its wipe, so those
strings are masked wherever they turn up, exception text and tracebacks included.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from collections.abc import Callable, Iterable

from stdnum import luhn

from drivers.idcard.model import IdentityCard

# 18-character resident / permit numbers and 15-character foreign card numbers.
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|[A-Z]{3}\d{12})(?![0-9A-Za-z])")
# Bank card numbers: 13-19 digits in one run, or in groups of four split by a space or dash
# ("6222 0212 3456 7890 123"); only runs that pass the Luhn check are masked.
_CARD_LIKE = re.compile(
    r"(?<![0-9A-Za-z])(?:\d{13,19}|\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,4})?)(?![0-9A-Za-z])"
)
# Mainland mobile numbers, not part of a longer digit run; +86 / 0086 prefix and
# 3-4-4 grouping allowed.
_MOBILE_LIKE = re.compile(
    r"(?<![0-9])(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9])"
)


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


def mask_mobile(number: str) -> str:
    digits = re.sub(r"\D", "", number)[-11:]
    return digits[:3] + "****" + digits[-4:]


def _mask_card(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"[ -]", "", text)
    if not 13 <= len(digits) <= 19 or not luhn.is_valid(digits):
        return text
    return mask_number(digits)


# -- the current citizen's strings -----------------------------------------------------------

_MIN_PERSONAL = 2          # a single character would mask half of every log line


class _Personal:
    """One session's strings: variant -> (masked replacement, whole word only)."""

    def __init__(self) -> None:
        self.variants: dict[str, tuple[str, bool]] = {}


_registry_lock = threading.Lock()
_registered: dict[int, _Personal] = {}
_tokens = itertools.count(1)
# The compiled pattern and its replacements, swapped as one pair.
_active: tuple[re.Pattern[str], dict[str, str]] | None = None


def _variants(value: str) -> Iterable[str]:
    """The clear string and how it looks escaped in reprs, JSON and byte dumps."""
    yield value
    if not value.isascii():
        yield value.encode("unicode_escape").decode("ascii")          # \u5f20\u4e09
        # Multi-byte encodings whose bytes are all >= 0x80, so their reprs are long
        # \x runs (UTF-16 would give short printable pairs that match unrelated text).
        for codec in ("utf-8", "gbk"):
            try:
                raw = value.encode(codec)
            except UnicodeEncodeError:
                continue
            yield repr(raw)[2:-1]                                          # \xe5\xbc\xa0...


def register_personal(values: dict[str, str]) -> int:
    """Mask these strings in every log record until ``forget_personal(token)``.

    ``values`` maps a kind ("name", "address", "id_number" ...) to the clear string; the
    replacement is that kind's masked form. Returns the token to forget them with.
    """
    entry = _Personal()
    for kind, value in values.items():
        value = value.strip()
        if len(value) < _MIN_PERSONAL:
            continue
        masked = _MASKERS.get(kind, lambda v: "*" * len(v))(value)
        for variant in _variants(value):
            if variant != masked:
                # An ASCII value ("ANNA") is masked as a whole word only, not inside
                # "CANNAbis"; escaped forms of Chinese text are masked wherever they occur.
                entry.variants.setdefault(variant, (masked, variant == value and value.isascii()))
    with _registry_lock:
        token = next(_tokens)
        _registered[token] = entry
        _rebuild()
    return token


def register_card(card: IdentityCard) -> int:
    """Register the personal strings of an identity card (see ``register_personal``)."""
    return register_personal({
        "name": card.name, "name_en": card.name_en, "address": card.address,
        "id_number": card.id_number, "pass_number": card.pass_number,
    })


def forget_personal(token: int | None) -> None:
    """Stop masking what ``register_personal`` returned ``token`` for (None: nothing)."""
    if token is None:
        return
    with _registry_lock:
        if _registered.pop(token, None) is not None:
            _rebuild()


def registered_count() -> int:
    """How many sets of personal strings are registered (tests: none left after a wipe)."""
    with _registry_lock:
        return len(_registered)


def _rebuild() -> None:
    global _active
    merged: dict[str, tuple[str, bool]] = {}
    for entry in _registered.values():
        for variant, how in entry.variants.items():
            merged.setdefault(variant, how)
    if not merged:
        _active = None
        return
    # Longest first: a full address wins over a name inside it.
    pieces = [
        rf"(?<![0-9A-Za-z]){re.escape(v)}(?![0-9A-Za-z])" if merged[v][1] else re.escape(v)
        for v in sorted(merged, key=len, reverse=True)
    ]
    _active = (re.compile("|".join(pieces)), {v: masked for v, (masked, _) in merged.items()})


def redact(text: str) -> str:
    active = _active
    if active is not None:
        pattern, replacements = active
        text = pattern.sub(lambda m: replacements.get(m.group(0), "***"), text)
    text = _ID_LIKE.sub(lambda m: mask_number(m.group(0)), text)
    text = _CARD_LIKE.sub(_mask_card, text)
    return _MOBILE_LIKE.sub(lambda m: mask_mobile(m.group(0)), text)


class RedactingFilter(logging.Filter):
    """Defence in depth: masks personal data in every log record, the message, the
    exception text (``log.exception``) and the stack (``stack_info``) alike."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: the handler reports it, we must not raise
            message = None
        if message is not None:
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactingFormatter(logging.Formatter):
    """Masks the whole formatted line, traceback included: what reaches a file is checked
    last, whatever a filter or another formatter did to the record before."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
