"""A citizen submits an application once, whatever the network does to the terminal."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from central_bodies import (
    HOUSING_FUND,
    JOB_SEEKING,
    LOST_DEED,
    MARRIAGE,
    REISSUE_LICENCE,
    RESIDENCE,
    application,
    housing_fund,
    new_key,
    pension,
)
from central_helpers import COMPANY_TAIHANG, LI_SI, WANG_WU, ZHANG_SAN, SignedApi, enroll
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from central.application_advance import advance
from central.custody import AdvanceError
from central.models import Application

APPLICATIONS = "/api/v1/applications"


def _submit(api: SignedApi, body: dict[str, Any], key: str | None = None) -> Any:
    return api.post(APPLICATIONS, body, headers={"Idempotency-Key": key or new_key()})


def _steps(response: Any) -> list[str]:
    return [step["step"] for step in response.json()["timeline"]]


def _rows(app: FastAPI) -> int:
    with app.state.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Application)) or 0)


def test_a_first_submission_is_201_and_accepted_at_once(api: SignedApi) -> None:
    response = _submit(api, pension(ZHANG_SAN))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "受理"
    assert body["item_name"] == "城乡居民基本养老保险参保登记"
    assert body["local_receipt"] == "DEMO-0001-20261123-0007"
    assert (body["region_received"], body["region_handling"]) == ("140500", "140500")
    assert _steps(response) == ["申请", "受理"]
    assert body["timeline"][0]["at"] == "2026-11-23T09:30:00+08:00"
    assert body["next_steps"] == "承诺1个工作日内办结，结果将通过短信通知。"


def test_the_application_number_is_region_date_and_a_serial(api: SignedApi) -> None:
    number = _submit(api, pension(ZHANG_SAN)).json()["application_number"]
    today = datetime.now(timezone(timedelta(hours=8))).strftime("%Y%m%d")
    assert len(number) == 20 and number.startswith("140500" + today)
    second = _submit(api, pension(ZHANG_SAN)).json()["application_number"]
    assert int(second[-6:]) > int(number[-6:])


def test_the_same_key_and_body_return_the_stored_application_with_200(
    api: SignedApi, app: FastAPI
) -> None:
    key = new_key()
    first = _submit(api, pension(ZHANG_SAN), key)
    again = _submit(api, pension(ZHANG_SAN), key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert _rows(app) == 1


def test_the_same_body_in_other_whitespace_is_the_same_body(api: SignedApi) -> None:
    key = new_key()
    assert _submit(api, pension(ZHANG_SAN), key).status_code == 201
    raw = json.dumps(pension(ZHANG_SAN), indent=4, ensure_ascii=True).encode()
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": key,
        **api.key.sign(api.terminal_id, "POST", APPLICATIONS, raw),
    }
    assert api.client.post(APPLICATIONS, content=raw, headers=headers).status_code == 200


def test_the_same_key_with_another_body_is_a_409(api: SignedApi, app: FastAPI) -> None:
    key = new_key()
    assert _submit(api, pension(ZHANG_SAN), key).status_code == 201
    response = _submit(api, pension(ZHANG_SAN, phone="13900000000"), key)
    assert response.status_code == 409
    assert response.json()["error"] == "idempotency_conflict"
    assert _rows(app) == 1


def test_keys_belong_to_their_terminal(api: SignedApi, client: TestClient, app: FastAPI) -> None:
    key = new_key()
    other = enroll(client, app)
    first = _submit(api, pension(ZHANG_SAN), key)
    second = _submit(other, pension(ZHANG_SAN), key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["application_number"] != second.json()["application_number"]


@pytest.mark.parametrize(
    ("form", "field", "reason"),
    [
        ({"phone": "12345"}, "phone", "invalid_phone"),
        ({"phone": None}, "phone", "required"),
        ({"bank_account": "622202"}, "bank_account", "too_short:16"),
        ({"bank_account": "62220202001122334455"}, "bank_account", "too_long:19"),
        ({"bank_account": "6222-0202-0011-2233"}, "bank_account", "not_a_number"),
        ({"insure_grade": "250元"}, "insure_grade", "not_an_option"),
        ({"address": "很长" * 31}, "address", "too_long:60"),
        ({"phone": 13800000000.5}, "phone", "not_text"),
        ({"nickname": "老张"}, "nickname", "unknown_field"),
    ],
)
def test_a_form_that_breaks_the_item_rules_is_a_422(
    api: SignedApi, form: dict[str, Any], field: str, reason: str
) -> None:
    response = _submit(api, pension(ZHANG_SAN, **form))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_failed"
    assert body["fields"] == {field: reason}


def test_a_typed_id_number_and_date_are_checked(api: SignedApi) -> None:
    form = {
        "phone": "13800000000",
        "partner_name": "李四",
        "partner_id_number": "140502198507150021",
        "appointment_date": "2026-02-30",
        "office": "晋城市婚姻登记处",
    }
    response = _submit(api, application(MARRIAGE, ZHANG_SAN, form))
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "partner_id_number": "invalid_id_number",
        "appointment_date": "invalid_date",
    }


def test_numbers_are_checked_against_min_and_max(api: SignedApi) -> None:
    body = application(
        REISSUE_LICENCE,
        ZHANG_SAN,
        {"phone": "0356-2196515", "reason": "遗失", "copies": 6, "delivery": "邮寄"},
        company={"uscc": COMPANY_TAIHANG, "name": "晋城市太行示例科技有限公司"},
        kind="company",
    )
    response = _submit(api, body)
    assert response.status_code == 422
    assert response.json()["fields"] == {"copies": "above_max:5"}


def test_the_representative_applies_for_the_company(api: SignedApi) -> None:
    company = {"uscc": COMPANY_TAIHANG, "name": "晋城市太行示例科技有限公司"}
    form = {"phone": "13800000000", "reason": "遗失", "copies": 2, "delivery": "窗口领取"}
    response = _submit(
        api, application(REISSUE_LICENCE, ZHANG_SAN, form, company=company, kind="company")
    )
    assert response.status_code == 201, response.text
    refused = _submit(
        api, application(REISSUE_LICENCE, LI_SI, form, company=company, kind="company")
    )
    assert refused.status_code == 422
    assert refused.json()["fields"] == {"applicant.id_number": "not_representative"}


def test_a_company_item_needs_a_company_and_a_person_item_refuses_one(api: SignedApi) -> None:
    form = {"phone": "13800000000", "reason": "遗失", "copies": 1, "delivery": "邮寄"}
    response = _submit(api, application(REISSUE_LICENCE, ZHANG_SAN, form, kind="company"))
    assert response.json()["fields"] == {"company": "required"}
    body = pension(ZHANG_SAN)
    body["company"] = {"uscc": COMPANY_TAIHANG, "name": "晋城市太行示例科技有限公司"}
    assert _submit(api, body).json()["fields"] == {"company": "not_allowed"}


def test_an_item_needing_a_licence_the_applicant_lacks_is_refused(api: SignedApi) -> None:
    form = {"phone": "13800000000", "address": "晋城市泽州县示例村5号"}
    response = _submit(api, application(RESIDENCE, WANG_WU, form))  # his permit expired
    assert response.status_code == 422
    assert response.json()["fields"] == {"materials.M01": "licence_not_held"}


def test_a_required_paper_material_must_be_handed_in(api: SignedApi) -> None:
    body = application(LOST_DEED, ZHANG_SAN, {"phone": "13800000000", "reason": "遗失"})
    assert _submit(api, body).json()["fields"] == {"materials.M02": "required"}
    body["materials"] = [{"code": "M02", "source": "paper", "ref": "scan-0001.pdf"}]
    assert _submit(api, body).status_code == 201


def test_an_unknown_item_is_a_422(api: SignedApi) -> None:
    response = _submit(api, application("11140500MB1947036N9999999999", ZHANG_SAN, {}))
    assert response.status_code == 422
    assert response.json()["fields"] == {"item_code": "unknown_item"}


@pytest.mark.parametrize(
    ("key", "reason"), [(None, "required"), ("not-a-uuid", "string_pattern_mismatch")]
)
def test_the_idempotency_key_is_required(api: SignedApi, key: str | None, reason: str) -> None:
    headers = {"Idempotency-Key": key} if key else {}
    response = api.post(APPLICATIONS, pension(ZHANG_SAN), headers=headers)
    assert response.status_code == 422
    assert response.json()["fields"] == {"Idempotency-Key": reason}


def test_a_submission_time_without_offset_is_a_422(api: SignedApi) -> None:
    body = pension(ZHANG_SAN)
    body["submitted_at"] = "2026-11-23T09:30:00"
    response = _submit(api, body)
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["submitted_at"]


def test_an_application_handled_elsewhere_in_the_city_is_collected_here_and_forwarded(
    client: TestClient, app: FastAPI
) -> None:
    zezhou = enroll(client, app, region="140525")  # 泽州县; the pension is 晋城市's (140500)
    response = _submit(zezhou, pension(ZHANG_SAN))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["region_received"], body["region_handling"], body["mode"]) == (
        "140525", "140500", "全程网办"
    )
    assert _steps(response) == ["申请", "代收", "受理"]
    assert body["next_steps"].startswith("由晋城市社会保险中心办理")   # the city said once
    app.state.db.run(advance, body["application_number"])
    tracked = zezhou.get(f"{APPLICATIONS}/{body['application_number']}")
    assert tracked.status_code == 200
    assert _steps(tracked) == ["申请", "代收", "受理", "流转"]
    assert tracked.json()["status"] == "流转"
    assert tracked.json()["timeline"][-1]["note"] == "材料流转至晋城市"


def test_advance_walks_the_timeline_to_the_archive_and_stops(api: SignedApi, app: FastAPI) -> None:
    number = _submit(api, pension(ZHANG_SAN)).json()["application_number"]
    for _ in range(4):
        app.state.db.run(advance, number)
    with pytest.raises(AdvanceError, match="already 归档"):
        app.state.db.run(advance, number)
    tracked = api.get(f"{APPLICATIONS}/{number}").json()
    assert [s["step"] for s in tracked["timeline"]] == [
        "申请",
        "受理",
        "办理",
        "办结",
        "送达",
        "归档",
    ]


def test_any_terminal_can_track_an_application(
    api: SignedApi, client: TestClient, app: FastAPI
) -> None:
    submitted = _submit(api, pension(ZHANG_SAN)).json()
    other = enroll(client, app, region="140525", profile="bank")
    assert other.get(f"{APPLICATIONS}/{submitted['application_number']}").json() == submitted


@pytest.mark.parametrize("number", ["14050020990101000001", "abc", "1" * 40])
def test_an_unknown_application_number_is_a_404(api: SignedApi, number: str) -> None:
    response = api.get(f"{APPLICATIONS}/{number}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_an_unknown_citizen_can_still_use_items_without_licences(api: SignedApi) -> None:
    body = application(
        JOB_SEEKING,
        ("140581200101010017", "周某"),
        {
            "phone": "13800000000",
            "education": "本科",
            "desired_job": "会计",
            "expected_salary": 5000,
        },
    )
    assert _submit(api, body).status_code == 201


def test_a_cross_province_item_is_not_remote_for_a_terminal_in_its_region(
    client: TestClient, app: FastAPI
) -> None:
    jiaozuo = enroll(client, app, region="410800")
    response = _submit(jiaozuo, housing_fund(ZHANG_SAN))
    assert _steps(response) == ["申请", "受理"]
    assert response.json()["application_number"].startswith("410800")


def test_the_item_code_must_be_in_the_current_catalogue(api: SignedApi) -> None:
    assert _submit(api, pension(ZHANG_SAN)).json()["item_code"] != HOUSING_FUND
