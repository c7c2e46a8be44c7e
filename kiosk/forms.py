"""Form fields of a catalogue item: prefill and validation by the item's typed rules.

Errors are stable codes ("required", "too_short:16" ...); screens pick the words. The same
rules are enforced again by central, so a terminal with a stale catalogue cannot slip an
invalid application through.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from drivers.idcard.layouts import id_number_is_valid

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


class FieldSpec(Protocol):
    """A form field as central describes it (read-only: central's models satisfy it)."""

    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def required(self) -> bool: ...
    @property
    def prefill(self) -> str | None: ...
    @property
    def options(self) -> list[str]: ...
    @property
    def rules(self) -> Any: ...  # a mapping, or a model with min_length / max_length / pattern / min / max


def valid_id_number(value: str) -> bool:
    """Check character and a real birth date (digits 7-14) for resident-style numbers."""
    if not id_number_is_valid(value):
        return False
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return value.startswith("9")  # 2023 foreign card numbers carry no birth date there
    return True


def valid_uscc(value: str) -> bool:
    try:
        uscc.validate(value)
    except ValidationError:
        return False
    return True


def _check_type(kind: str, value: str, options: list[str]) -> str:
    if kind in ("number",) and not value.isdigit():
        return "not_a_number"
    if kind == "phone" and not PHONE.match(value):
        return "invalid_phone"
    if kind == "id_number" and not valid_id_number(value):
        return "invalid_id_number"
    if kind == "uscc" and not valid_uscc(value):
        return "invalid_uscc"
    if kind == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return "invalid_date"
    if kind == "select" and value not in options:
        return "not_an_option"
    return ""


def validate_field(field: FieldSpec, raw: str) -> str:
    """'' when the value is acceptable, else an error code."""
    value = raw.strip()
    if not value:
        return "required" if field.required else ""
    error = _check_type(field.type, value, list(field.options))
    if error:
        return error
    rules = _rules(field.rules)
    if "min_length" in rules and len(value) < int(rules["min_length"]):
        return f"too_short:{rules['min_length']}"
    if "max_length" in rules and len(value) > int(rules["max_length"]):
        return f"too_long:{rules['max_length']}"
    if "pattern" in rules and not re.fullmatch(str(rules["pattern"]), value):
        return "pattern"
    if field.type == "number":
        if "min" in rules and int(value) < rules["min"]:
            return f"below_min:{rules['min']:g}"
        if "max" in rules and int(value) > rules["max"]:
            return f"above_max:{rules['max']:g}"
    return ""


def _rules(rules: Any) -> dict[str, Any]:
    if rules is None:
        return {}
    if hasattr(rules, "model_dump"):
        rules = rules.model_dump()
    return {k: v for k, v in dict(rules).items() if v is not None}


def validate_form(fields: Sequence[FieldSpec], values: Mapping[str, str]) -> dict[str, str]:
    errors = {}
    for field in fields:
        error = validate_field(field, values.get(field.key, ""))
        if error:
            errors[field.key] = error
    return errors


def prefill_value(source: str | None, card: Mapping[str, str], licences: Mapping[str, Mapping[str, str]]) -> str:
    """Resolve "card.<field>" or "licence.<type>.<field>"; "" when it does not resolve."""
    if not source:
        return ""
    parts = source.split(".")
    if parts[0] == "card" and len(parts) == 2:
        return str(card.get(parts[1], ""))
    if parts[0] == "licence" and len(parts) == 3:
        return str(licences.get(parts[1], {}).get(parts[2], ""))
    return ""


class _Named(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def type(self) -> str: ...


_NAME_WORDS = ("姓名", "名称", "联系人")
_ADDRESS_WORDS = ("地址", "住所", "住址", "居住地")


def input_kind(field: _Named) -> str:
    """What a field is typed as, for the keyboard it opens with: the catalogue's type, except
    that free text ("text") is told apart by its key and label into "name" (a person's or
    company's name: handwriting for the elderly), "address" (a place: pinyin) or "text"."""
    if field.type != "text":
        return field.type
    key, label = field.key.lower(), field.label
    if "name" in key or any(word in label for word in _NAME_WORDS):
        return "name"
    if ("address" in key or "region" in key or any(word in label for word in _ADDRESS_WORDS)
            or label.endswith("地")):
        return "address"
    return "text"
