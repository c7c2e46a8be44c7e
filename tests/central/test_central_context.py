"""Who is at the terminal decides what they can do: licences make items eligible."""

from __future__ import annotations

import pytest
from central_bodies import (
    HOUSING_FUND,
    JOB_SEEKING,
    PERSON_ITEMS_ONE_ID,
    REISSUE_LICENCE,
    RESIDENCE,
)
from central_helpers import (
    CHEN_MEILING,
    COMPANY_DANHE,
    COMPANY_SHOP,
    COMPANY_TAIHANG,
    LI_SI,
    WANG_WU,
    ZHANG_SAN,
    SignedApi,
)

PERSONS = "/api/v1/persons/context"
COMPANIES = "/api/v1/companies/context"


def _context(api: SignedApi, person: tuple[str, str]) -> dict:
    response = api.post(PERSONS, {"id_number": person[0], "name": person[1]})
    assert response.status_code == 200, response.text
    return response.json()


def test_zhang_san_holds_every_licence_and_can_use_every_one_id_item(api: SignedApi) -> None:
    context = _context(api, ZHANG_SAN)
    assert context["known"] is True
    assert {lic["type"] for lic in context["licences"]} >= {
        "hukou",
        "marriage",
        "real_estate",
        "social_insurance",
        "housing_fund",
        "residence_permit",
    }
    assert len(context["eligible_items"]) == PERSON_ITEMS_ONE_ID
    assert HOUSING_FUND in context["eligible_items"]


def test_li_si_without_real_estate_cannot_use_items_that_need_it(api: SignedApi) -> None:
    eligible = _context(api, LI_SI)["eligible_items"]
    assert HOUSING_FUND not in eligible  # needs 不动产权证书 and 公积金
    assert RESIDENCE not in eligible
    assert JOB_SEEKING in eligible
    assert 5 < len(eligible) < PERSON_ITEMS_ONE_ID


def test_an_expired_licence_is_listed_but_covers_nothing(api: SignedApi) -> None:
    context = _context(api, WANG_WU)
    permit = next(lic for lic in context["licences"] if lic["type"] == "residence_permit")
    assert permit["valid_until"] == "2024-06-30"
    assert RESIDENCE not in context["eligible_items"]
    assert len(context["eligible_items"]) == 6


def test_chen_meiling_has_almost_nothing(api: SignedApi) -> None:
    context = _context(api, CHEN_MEILING)
    assert context["known"] is True
    assert len(context["eligible_items"]) == 3


def test_licence_numbers_are_masked(api: SignedApi) -> None:
    licences = _context(api, ZHANG_SAN)["licences"]
    deed = next(lic for lic in licences if lic["type"] == "real_estate")
    assert deed["number"] != "晋(2021)晋城市不动产权第0012345号"
    assert "*" in deed["number"] and deed["number"].startswith("晋(20")
    assert deed["name"] == "不动产权证书" and deed["fields"]["usage"] == "住宅"


def test_an_unknown_person_gets_only_items_without_licences(api: SignedApi) -> None:
    context = _context(api, ("140581200101010017", "周某"))
    assert context == {
        "known": False, "licences": [], "eligible_items": [JOB_SEEKING], "pending": []
    }


def test_a_name_that_does_not_match_the_id_number_is_treated_as_unknown(api: SignedApi) -> None:
    context = _context(api, (ZHANG_SAN[0], "张四"))
    assert context["known"] is False and context["licences"] == []


@pytest.mark.parametrize(
    ("id_number", "reason"),
    [
        ("11010119900307123", "string_pattern_mismatch"),
        ("110101199013071235", "bad_birth_date"),
        ("110101199003071235", "bad_check_character"),
    ],
)
def test_a_malformed_id_number_is_a_422(api: SignedApi, id_number: str, reason: str) -> None:
    response = api.post(PERSONS, {"id_number": id_number, "name": "张三"})
    assert response.status_code == 422
    assert response.json()["fields"] == {"id_number": reason}


def test_the_legal_representative_sees_the_company_items(api: SignedApi) -> None:
    response = api.post(
        COMPANIES, {"uscc": COMPANY_TAIHANG, "representative_id_number": ZHANG_SAN[0]}
    )
    assert response.status_code == 200
    context = response.json()
    assert context["known"] is True and context["is_representative"] is True
    assert context["company_name"] == "晋城市太行示例科技有限公司"
    assert [lic["type"] for lic in context["licences"]] == ["business_licence"]
    assert REISSUE_LICENCE in context["eligible_items"]


def test_zhang_san_represents_his_shop_too(api: SignedApi) -> None:
    context = api.post(
        COMPANIES, {"uscc": COMPANY_SHOP, "representative_id_number": ZHANG_SAN[0]}
    ).json()
    assert context["is_representative"] is True and context["company_name"] == "泽州县张三便民超市"


def test_someone_else_learns_the_name_but_not_the_licences(api: SignedApi) -> None:
    context = api.post(
        COMPANIES, {"uscc": COMPANY_DANHE, "representative_id_number": ZHANG_SAN[0]}
    ).json()
    assert context == {
        "known": True,
        "is_representative": False,
        "company_name": "高平市丹河示例农业有限公司",
        "licences": [],
        "eligible_items": [],
    }


def test_an_unknown_but_valid_credit_code_is_unknown(api: SignedApi) -> None:
    context = api.post(
        COMPANIES, {"uscc": "91140500MA0KD3N591", "representative_id_number": ZHANG_SAN[0]}
    )
    assert context.status_code == 200
    assert context.json()["known"] is False


def test_a_credit_code_with_a_wrong_check_character_is_a_422(api: SignedApi) -> None:
    response = api.post(
        COMPANIES, {"uscc": "91140500MA0KD3N581", "representative_id_number": ZHANG_SAN[0]}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_failed"
    assert body["fields"] == {"uscc": "bad_check_character"}
