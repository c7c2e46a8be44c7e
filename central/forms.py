"""An application's form and materials checked against its catalogue item.

The rules are the ones the catalogue publishes (type, required, options, rules), so the
terminal can check the same things before submitting; central checks again because it
must not trust the terminal. Reasons are stable codes the terminal can translate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from central.catalogue import FETCHED_SOURCES
from central.ids import check_id_number, check_uscc
from central.schemas import FormField, Material, MaterialRefIn

_PHONE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DIGITS = re.compile(r"[0-9]+")


def _date_ok(value: str) -> bool:
    if not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


# type -> (is the text acceptable, reason when not). A typed ID number or credit code is
# checked in full (check character included).
_TYPE_CHECKS: dict[str, tuple[Callable[[str, FormField], bool], str]] = {
    "text": (lambda v, f: True, ""),
    "number": (lambda v, f: bool(_DIGITS.fullmatch(v)), "not_a_number"),
    "phone": (lambda v, f: bool(_PHONE.fullmatch(v)), "invalid_phone"),
    "id_number": (lambda v, f: check_id_number(v) is None, "invalid_id_number"),
    "uscc": (lambda v, f: check_uscc(v) is None, "invalid_uscc"),
    "date": (lambda v, f: _date_ok(v), "invalid_date"),
    "select": (lambda v, f: v in f.options, "not_an_option"),
}


def _as_text(value: Any) -> str | None:
    """The value as the terminal's form holds it: text (a whole number may come as a JSON
    number); None for anything else."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    return None


def field_error(field: FormField, value: Any) -> str:
    """'' when `value` is acceptable for `field`, else the reason code. The same codes, in
    the same order, as the terminal's own check (kiosk/forms.py), so either side's answer
    reads the same on the screen."""
    text = _as_text(value) if value is not None else ""
    if text is None:
        return "not_text" if field.type != "number" else "not_a_number"
    if not text:
        return "required" if field.required else ""
    accepts, reason = _TYPE_CHECKS[field.type]
    if not accepts(text, field):
        return reason
    rules = field.rules
    if "min_length" in rules and len(text) < rules["min_length"]:
        return f"too_short:{rules['min_length']}"
    if "max_length" in rules and len(text) > rules["max_length"]:
        return f"too_long:{rules['max_length']}"
    if "pattern" in rules and not re.fullmatch(rules["pattern"], text):
        return "pattern"
    if field.type == "number":
        if "min" in rules and int(text) < rules["min"]:
            return f"below_min:{rules['min']:g}"
        if "max" in rules and int(text) > rules["max"]:
            return f"above_max:{rules['max']:g}"
    return ""


def form_errors(fields: Iterable[FormField], form: Mapping[str, Any]) -> dict[str, str]:
    """{field key: reason} for every field of `form` that breaks its item's rules."""
    known = {f.key: f for f in fields}
    errors = {key: "unknown_field" for key in form if key not in known}
    for key, field in known.items():
        reason = field_error(field, form.get(key))
        if reason:
            errors[key] = reason
    return errors


def material_errors(
    materials: Iterable[Material], given: Iterable[MaterialRefIn], held: set[str]
) -> dict[str, str]:
    """{"materials.<code>": reason}: unknown codes, a required licence the applicant does
    not hold (valid), a required paper material not handed in."""
    by_code = {m.code: m for m in materials}
    errors: dict[str, str] = {}
    handed_in = set()
    for ref in given:
        spec = by_code.get(ref.code)
        if spec is None:
            errors[f"materials.{ref.code}"] = "unknown_material"
        elif spec.source != ref.source:
            errors[f"materials.{ref.code}"] = "wrong_source"
        elif ref.ref:
            handed_in.add(ref.code)
    for code, spec in by_code.items():
        if not spec.required or f"materials.{code}" in errors:
            continue
        if spec.source in FETCHED_SOURCES:
            if spec.licence_type not in held:
                errors[f"materials.{code}"] = "licence_not_held"
        elif code not in handed_in:
            errors[f"materials.{code}"] = "required"
    return errors
