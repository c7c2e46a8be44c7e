"""Filing per mode (docs/casework.md §2, §3, §6, §7): what central stores and answers for
全程网办, 异地代收 (收件 with the pages' hashes, the delivery) and 多地联办 (its parts), and
the reasons it refuses an agent, a delivery or evidence pages."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from casework_helpers import (
    APPLICATIONS,
    HALL,
    PICKUP,
    POST,
    agent,
    collect,
    filed,
    hukou_proof,
    page,
    residence,
    sha,
    submit,
)
from central_bodies import housing_fund, new_key, pension
from central_helpers import LI_SI, ZHANG_SAN, SignedApi
from fastapi import FastAPI
from sqlalchemy import select

from central.models import Application
from central.models_casework import ApplicationPart
from central.timeutil import utcnow
from central.tracking import check_code, tracking_secret


def _secret(app: FastAPI) -> bytes:
    secret: bytes = app.state.db.run(tracking_secret, utcnow())
    return secret


def _fields(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    fields: dict[str, str] = response.json()["fields"]
    return fields


def test_a_full_online_application_carries_its_check_code_and_tracking_url(
    api: SignedApi, app: FastAPI
) -> None:
    body = filed(api, pension(ZHANG_SAN))
    number = body["application_number"]
    code = check_code(_secret(app), number)
    assert body["mode"] == "全程网办"
    assert body["check_code"] == code and len(code) == 6
    # The test app is the demo's (no public URL): the link follows the request's base.
    assert body["tracking_url"] == f"http://testserver/t/{number}?c={code}"
    assert body["agent"] is None and body["delivery"] is None
    assert body["parts"] == [] and body["evidence"] == []
    assert body["submitted_at"] == "2026-11-23T09:30:00+08:00"
    assert [s["step"] for s in body["timeline"]] == ["申请", "受理"]
    assert api.get(f"{APPLICATIONS}/{number}").json() == body


def test_the_tracking_url_uses_the_configured_public_url_and_is_null_without_one(
    api: SignedApi, app: FastAPI
) -> None:
    settings = app.state.settings
    app.state.settings = replace(settings, public_base_url="https://zwfw.jincheng.example")
    body = filed(api, pension(ZHANG_SAN))
    assert body["tracking_url"].startswith("https://zwfw.jincheng.example/t/")
    app.state.settings = replace(settings, public_base_url=None, demo=False)
    number = body["application_number"]
    assert api.get(f"{APPLICATIONS}/{number}").json()["tracking_url"] is None


def test_collect_for_elsewhere_writes_receipt_with_every_page_hash(
    api: SignedApi, app: FastAPI
) -> None:
    body = filed(api, collect(ZHANG_SAN, pages=3))
    assert body["mode"] == "异地代收" and body["status"] == "收件"
    applied, received = body["timeline"]
    assert applied["step"] == "申请" and applied["hashes"] == []
    assert received["step"] == "收件" and received["actor"] == HALL
    assert received["hashes"] == [sha("page-1"), sha("page-2"), sha("page-3")]
    assert received["note"] == f"{HALL}收件，材料3页"
    # The department names its city already: the city is not said twice.
    assert body["next_steps"].startswith("由焦作市住房公积金管理中心办理，承诺")
    assert body["delivery"] == {
        "method": "post", "address_masked": "北京市东城区****", "pickup_hall": None
    }
    assert body["evidence"] == [
        {"page": n, "kind": "material", "material_code": "M03", "sha256": sha(f"page-{n}")}
        for n in (1, 2, 3)
    ]
    with app.state.sessions() as session:
        row = session.scalars(select(Application)).one()
        assert row.mode == "异地代收" and row.delivery is not None
        assert row.delivery["address"] == POST["address"]  # stored whole, answered masked
        assert [e["sha256"] for e in row.evidence or []] == received["hashes"]


def test_collect_for_elsewhere_needs_a_delivery_and_others_refuse_one(api: SignedApi) -> None:
    no_delivery = housing_fund(ZHANG_SAN)
    assert _fields(submit(api, no_delivery)) == {"delivery": "delivery_required"}
    online = pension(ZHANG_SAN)
    online["delivery"] = PICKUP
    assert _fields(submit(api, online)) == {"delivery": "not_allowed"}
    posted = collect(ZHANG_SAN, {"method": "post"})
    assert _fields(submit(api, posted)) == {"delivery.address": "required"}


def test_a_pickup_names_the_receiving_hall(api: SignedApi) -> None:
    body = filed(api, collect(ZHANG_SAN, PICKUP))
    assert body["delivery"] == {"method": "pickup", "address_masked": None, "pickup_hall": HALL}
    assert "办结后请到本大厅领取结果" in body["next_steps"]


def test_a_paper_material_photographed_counts_as_handed_in(api: SignedApi) -> None:
    body = collect(ZHANG_SAN)
    body["materials"] = []  # M03 only as photographed pages
    assert submit(api, body).status_code == 201
    body["evidence"] = []
    assert _fields(submit(api, body)) == {"materials.M03": "required"}


def test_a_joint_application_is_split_into_its_parts(api: SignedApi, app: FastAPI) -> None:
    body = filed(api, hukou_proof(ZHANG_SAN))
    assert body["mode"] == "多地联办" and body["status"] == "受理"
    steps = [(s["step"], s["note"], s["part"]) for s in body["timeline"]]
    assert steps == [
        ("申请", f"自助终端提交（{HALL}）", None),
        ("受理", "拆分为2个子件", None),
        ("受理", "子件1：户籍信息核查", 1),
        ("受理", "子件2：户籍证明审核出具", 2),
    ]
    assert [(p["seq"], p["region_name"], p["department"], p["status"]) for p in body["parts"]] == [
        (1, "晋城市城区", "晋城市公安局城区分局户政科", "受理"),
        (2, "晋城市", "晋城市公安局人口管理支队", "受理"),
    ]
    assert [s["part"] for s in body["parts"][1]["timeline"]] == [2]
    assert body["next_steps"].startswith("由2个部门联合办理")
    with app.state.sessions() as session:
        parts = session.scalars(select(ApplicationPart).order_by(ApplicationPart.seq)).all()
        assert [(p.seq, p.task, p.status) for p in parts] == [
            (1, "户籍信息核查", "受理"), (2, "户籍证明审核出具", "受理")
        ]
    assert api.get(f"{APPLICATIONS}/{body['application_number']}").json() == body


def test_a_replay_answers_the_whole_application(api: SignedApi) -> None:
    key = new_key()
    first = submit(api, collect(ZHANG_SAN), key)
    again = submit(api, collect(ZHANG_SAN), key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def test_an_agent_is_stored_and_answered_masked(api: SignedApi, app: FastAPI) -> None:
    body = pension(LI_SI)
    body["agent"] = agent(ZHANG_SAN, "letter", "配偶")
    body["evidence"] = [page(1, "authorization")]
    answer = filed(api, body)
    assert answer["agent"] == {"name_masked": "张*", "relation": "配偶", "authority": "letter"}
    with app.state.sessions() as session:
        row = session.scalars(select(Application)).one()
        assert row.agent_id_number == ZHANG_SAN[0]
        assert row.applicant_id_number == LI_SI[0]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        # 居住证签注 must be filed in person.
        (lambda: {**residence(ZHANG_SAN), "agent": agent(LI_SI)}, "agent_not_allowed"),
        (lambda: {**pension(ZHANG_SAN), "agent": agent(ZHANG_SAN)}, "agent_is_applicant"),
        (lambda: {**pension(LI_SI), "agent": agent(ZHANG_SAN, "letter")}, "authorization_missing"),
        (
            lambda: {**pension(LI_SI), "agent": agent(ZHANG_SAN, "letter"),
                     "evidence": [page(1, "material", "M03")]},
            "authorization_missing",
        ),
    ],
)
def test_an_agent_is_refused_with_the_reason(api: SignedApi, make: Any, reason: str) -> None:
    assert _fields(submit(api, make()))["agent"] == reason


def test_a_residence_permit_in_person_is_fine(api: SignedApi) -> None:
    assert submit(api, residence(ZHANG_SAN)).status_code == 201


@pytest.mark.parametrize(
    ("pages", "fields"),
    [
        ([page(1), page(3)], {"evidence": "bad_pages"}),
        ([page(1), page(1)], {"evidence": "bad_pages"}),
        ([page(2)], {"evidence": "bad_pages"}),
        ([page(1), page(2, "material", "M09")], {"evidence.2": "unknown_material"}),
        ([page(1), page(2, "material", "M01")], {"evidence.2": "unknown_material"}),  # not paper
    ],
)
def test_evidence_pages_are_numbered_once_and_name_paper_materials(
    api: SignedApi, pages: list[dict[str, Any]], fields: dict[str, str]
) -> None:
    body = collect(ZHANG_SAN)
    body["evidence"] = pages
    assert _fields(submit(api, body)) == fields
