"""A terminal keeps the catalogue and asks only whether it changed (ETag / 304)."""

from __future__ import annotations

from central_bodies import HOUSING_FUND, PENSION
from central_helpers import SignedApi

CATALOGUE = "/api/v1/catalogue"


def test_the_catalogue_comes_with_its_version_as_etag(api: SignedApi) -> None:
    response = api.get(CATALOGUE)
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "2026.12.1"
    assert response.headers["ETag"] == '"2026.12.1"'
    assert 15 <= len(body["items"]) <= 25


def test_an_unchanged_catalogue_is_a_304_without_a_body(api: SignedApi) -> None:
    response = api.get(CATALOGUE, headers={"If-None-Match": '"2026.12.1"'})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["ETag"] == '"2026.12.1"'


def test_a_weak_or_listed_etag_matches_too(api: SignedApi) -> None:
    response = api.get(CATALOGUE, headers={"If-None-Match": 'W/"2026.10.3", W/"2026.12.1"'})
    assert response.status_code == 304


def test_an_old_version_gets_the_whole_catalogue(api: SignedApi) -> None:
    response = api.get(CATALOGUE, headers={"If-None-Match": '"2026.10.3"'})
    assert response.status_code == 200
    assert response.json()["version"] == "2026.12.1"


def test_an_item_carries_the_whole_guide(api: SignedApi) -> None:
    items = {i["code"]: i for i in api.get(CATALOGUE).json()["items"]}
    pension = items[PENSION]
    assert pension["name"] == "城乡居民基本养老保险参保登记"
    assert pension["region_code"] == "140500" and pension["region_name"] == "晋城市"
    assert pension["modes"] == ["全程网办", "异地代收代办"]
    assert (
        pension["one_id"],
        pension["visits"],
        pension["legal_days"],
        pension["promised_days"],
    ) == (True, 0, 20, 1)
    assert pension["materials"][0] == {
        "code": "M01",
        "name": "居民户口簿",
        "required": True,
        "source": "licence",
        "licence_type": "hukou",
        "note": "免提交，系统自动调取电子证照",
    }
    assert pension["materials"][1]["licence_type"] is None
    fields = {f["key"]: f for f in pension["fields"]}
    assert fields["bank_account"]["rules"] == {"min_length": 16, "max_length": 19}
    assert fields["insure_grade"]["options"] == ["200元", "300元", "500元", "1000元", "2000元"]
    assert fields["address"]["prefill"] == "card.address"
    assert fields["phone"] == {
        "key": "phone",
        "label": "联系电话",
        "type": "phone",
        "required": True,
        "prefill": None,
        "options": [],
        "rules": {},
    }


def test_cross_province_items_are_handled_in_henan(api: SignedApi) -> None:
    items = {i["code"]: i for i in api.get(CATALOGUE).json()["items"]}
    fund = items[HOUSING_FUND]
    assert (fund["scope"], fund["handling_region_code"], fund["region_name"]) == (
        "跨省",
        "410800",
        "焦作市",
    )
    assert "异地代收代办" in fund["modes"]
    scopes = {i["scope"] for i in items.values()}
    assert scopes == {"跨省", "全省", "市域"}
    assert {i["applicant_kind"] for i in items.values()} == {"person", "company"}
