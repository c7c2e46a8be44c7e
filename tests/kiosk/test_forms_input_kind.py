"""Which keyboard a catalogue field opens with: free text is told apart by key and label."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kiosk.forms import input_kind


@dataclass
class F:
    key: str
    label: str
    type: str = "text"


@pytest.mark.parametrize(
    ("field", "kind"),
    [
        (F("partner_name", "对方姓名"), "name"),
        (F("spouse_name", "配偶姓名"), "name"),
        (F("contact_name", "紧急联系人"), "name"),
        (F("company", "企业名称"), "name"),
        (F("address", "联系地址"), "address"),
        (F("mail_address", "邮寄地址"), "address"),
        (F("new_region", "转入地"), "address"),
        (F("destination", "就医地"), "address"),
        (F("home", "现住所"), "address"),
        (F("purpose_note", "用途说明"), "text"),
        (F("new_value", "变更后内容"), "text"),
        (F("last_employer", "原工作单位"), "text"),
        (F("phone", "联系电话", "phone"), "phone"),
        (F("bank_account", "银行账号", "number"), "number"),
        (F("partner_id_number", "对方身份证号码", "id_number"), "id_number"),
        (F("day", "预约日期", "date"), "date"),
        (F("office", "登记机关", "select"), "select"),
    ],
)
def test_input_kind(field: F, kind: str) -> None:
    assert input_kind(field) == kind


def test_the_seeded_catalogue_free_text_fields_all_get_a_kind() -> None:
    import tomllib
    from pathlib import Path

    catalogue = tomllib.loads((Path(__file__).resolve().parents[2] / "central" / "seed" / "catalogue.toml")
                              .read_text(encoding="utf-8"))
    kinds = {f["key"]: input_kind(F(f["key"], f["label"], f["type"]))
             for item in catalogue["items"] for f in item.get("fields", []) if f["type"] == "text"}
    assert kinds["partner_name"] == "name" and kinds["address"] == "address"
    assert set(kinds.values()) <= {"name", "address", "text"}
