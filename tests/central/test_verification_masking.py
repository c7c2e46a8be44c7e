"""Issue 10 §1: the public verification page masks a document's personal data by its type's
schema, not only the holder's exact name and ID strings. One test per document type, each
naming what must not be shown (the address of 户籍证明 and 不动产查询 used to be)."""

from __future__ import annotations

import json

import pytest
from central_bodies import new_key
from central_helpers import ZHANG_SAN, SignedApi
from fastapi.testclient import TestClient

from central.proofs import masked

LIU_FANG = ("140502198507150022", "刘芳")
ZHAO_JIANGUO = ("140525197011023513", "赵建国")

# (proof type, person, what the page must not show beyond the name and ID, what it shows)
CASES = [
    ("shebao_canbao", ZHANG_SAN, [], ["晋城市太行示例科技有限公司"]),
    (
        "budongchan_chaxun",
        ZHANG_SAN,
        ["凤台东街示例小区", "示例小区3号楼2单元501", "不动产权第0012345号"],
        ["晋城市****", "118.6平方米"],
    ),
    ("budongchan_chaxun", ZHAO_JIANGUO, ["示例村18号"], ["晋城市****"]),
    ("geshui_wanshui", ZHANG_SAN, [], ["538.56"]),
    ("huji_zhengming", LIU_FANG, ["西街示例巷6号", "1985-07-15"], ["户籍地址为晋城市****"]),
    ("huji_zhengming", ZHAO_JIANGUO, ["南村镇示例村18号", "1970-11-02"], ["晋城市****"]),
    ("wufanzui_jilu", ZHANG_SAN, [], ["未发现有犯罪记录"]),
]


@pytest.mark.parametrize(("proof", "person", "hidden", "shown"), CASES)
def test_the_verification_page_masks_each_document_types_personal_fields(
    api: SignedApi,
    client: TestClient,
    proof: str,
    person: tuple[str, str],
    hidden: list[str],
    shown: list[str],
) -> None:
    body = {"proof_code": proof, "id_number": person[0], "name": person[1]}
    issued = api.post("/api/v1/proofs/issue", body, headers={"Idempotency-Key": new_key()})
    assert issued.status_code == 201, issued.text
    printed = json.dumps(issued.json(), ensure_ascii=False)
    for secret in hidden:  # the printed document has them: the test is about the page
        assert secret in printed
    code = issued.json()["verification_code"]
    page = client.get(f"/api/v1/documents/{code}")
    assert page.status_code == 200
    text = json.dumps(page.json(), ensure_ascii=False)
    id_number, name = person
    assert name not in text
    # No run of 6 ID digits survives anywhere (the birth date is in the middle of the ID).
    assert not any(id_number[i : i + 6] in text for i in range(len(id_number) - 5))
    for secret in hidden:
        assert secret not in text, secret
    for public in shown:
        assert public in text, public


def test_fields_and_columns_a_schema_does_not_list_are_masked_whole() -> None:
    document = {
        "proof_code": "not_in_any_schema",
        "holder": {"name": "张三", "id_number": "110101199003071233"},
        "fields": [{"label": "联系电话", "value": "13812345678"}],
        "paragraphs": ["张三的电话是13812345678。"],
        "table": {"title": "t", "columns": ["银行账号"], "rows": [["6222020200112233445"]]},
    }
    out = masked(document)
    assert out["fields"] == [{"label": "联系电话", "value": "****"}]
    assert out["table"]["rows"] == [["****"]]
    assert out["paragraphs"] == ["张*的电话是****。"]
