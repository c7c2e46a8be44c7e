"""Form rules of catalogue items: what a citizen can and cannot submit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from stdnum.cn import uscc

from kiosk.forms import prefill_value, validate_field, validate_form


@dataclass
class F:
    key: str = "f"
    label: str = "字段"
    type: str = "text"
    required: bool = True
    prefill: str | None = None
    options: list[str] = field(default_factory=list)
    rules: dict[str, Any] = field(default_factory=dict)


GOOD_USCC = "91140500MA0K" + "12345"
GOOD_USCC += uscc.calc_check_digit(GOOD_USCC)


@pytest.mark.parametrize(
    ("spec", "value", "error"),
    [
        (F(), "", "required"),
        (F(required=False), "  ", ""),
        (F(type="number", rules={"min_length": 16, "max_length": 19}), "6222021234", "too_short:16"),
        (F(type="number"), "62220x", "not_a_number"),
        (F(type="number", rules={"min": 1, "max": 12}), "13", "above_max:12"),
        (F(type="phone"), "13800000000", ""),
        (F(type="phone"), "0356-1234567", ""),
        (F(type="phone"), "12345", "invalid_phone"),
        (F(type="id_number"), "11010119900307123X", "invalid_id_number"),
        (F(type="id_number"), "31010419880512006X", ""),
        (F(type="uscc"), GOOD_USCC, ""),
        (F(type="uscc"), GOOD_USCC[:-1] + ("0" if GOOD_USCC[-1] != "0" else "1"), "invalid_uscc"),
        (F(type="date"), "2026-02-30", "invalid_date"),
        (F(type="select", options=["200元", "300元"]), "400元", "not_an_option"),
        (F(rules={"max_length": 4}), "晋城市城区", "too_long:4"),
        (F(rules={"pattern": r"晋[A-Z]\w{5}"}), "京A12345", "pattern"),
    ],
)
def test_field_rules(spec: F, value: str, error: str) -> None:
    assert validate_field(spec, value) == error


def test_validate_form_reports_each_bad_field() -> None:
    fields = [F(key="phone", type="phone"), F(key="note", required=False)]
    assert validate_form(fields, {"phone": "1"}) == {"phone": "invalid_phone"}
    assert validate_form(fields, {"phone": "13912345678"}) == {}


def test_prefill_from_card_and_licences() -> None:
    card = {"address": "山西省晋城市城区", "name": "张三"}
    licences = {"hukou": {"household_head": "张大山"}}
    assert prefill_value("card.address", card, licences) == "山西省晋城市城区"
    assert prefill_value("licence.hukou.household_head", card, licences) == "张大山"
    assert prefill_value("licence.marriage.spouse", card, licences) == ""
    assert prefill_value(None, card, licences) == ""
