"""Request bodies the tests submit: demo items of the seeded catalogue."""

from __future__ import annotations

import uuid
from typing import Any

PENSION = "11140500MB1947036N4000111001"  # 城乡居民基本养老保险参保登记, handled by 140500
SOCIAL_CARD = "11140500MB195021524000112003"  # 社会保障卡补领
MARRIAGE = "11140500MB1950118M2000141001"  # 结婚登记预约 (id_number, date fields)
HOUSING_FUND = "11410800MB1C21746K8000221001"  # 住房公积金提取, 跨省: handled by 焦作 410800
RESIDENCE = "11140500MB1950012D3000271001"  # 居住证签注
REISSUE_LICENCE = "11140500MB1986001U5000171002"  # 企业营业执照补领 (company)
LOST_DEED = "11140581MB196691311000291006"  # 不动产权证书遗失补证 (paper M02 required)
JOB_SEEKING = "11140500MB1947258A4000301001"  # 求职登记: no licence needed

PERSON_ITEMS_ONE_ID = 18  # one_id person items in the seed


def new_key() -> str:
    return str(uuid.uuid4())


def application(
    item_code: str,
    person: tuple[str, str],
    form: dict[str, Any],
    materials: list[dict[str, str]] | None = None,
    company: dict[str, str] | None = None,
    kind: str = "person",
    receipt: str = "DEMO-0001-20261123-0007",
) -> dict[str, Any]:
    return {
        "item_code": item_code,
        "local_receipt": receipt,
        "applicant": {"kind": kind, "id_number": person[0], "name": person[1]},
        "company": company,
        "agent": None,
        "form": form,
        "materials": materials if materials is not None else [],
        "submitted_at": "2026-11-23T09:30:00+08:00",
    }


def pension(person: tuple[str, str], **form: Any) -> dict[str, Any]:
    fields = {
        "phone": "13800000000",
        "bank_account": "6222020200112233445",
        "insure_grade": "500元",
        "address": "晋城市城区示例路8号",
    }
    fields.update(form)
    return application(
        PENSION, person, fields, [{"code": "M01", "source": "licence", "ref": "1101****3512"}]
    )


def housing_fund(
    person: tuple[str, str], delivery: dict[str, Any] | None = None
) -> dict[str, Any]:
    """住房公积金提取 with its paper 购房合同 (M03) handed in; `delivery` for 异地代收 (a
    terminal outside 焦作)."""
    body = application(
        HOUSING_FUND,
        person,
        {"phone": "13800000000", "bank_account": "6222020200112233445", "amount": "120000"},
        [{"code": "M03", "source": "paper", "ref": "购房合同扫描件"}],
    )
    if delivery is not None:
        body["delivery"] = delivery
    return body
