"""POST /api/v1/evaluations: validation, exactly once per key, 一次一评 per handling, what
central stores, and the rectification case a 差评 opens (docs/casework.md §8)."""

from __future__ import annotations

import uuid
from datetime import date

from central_bodies import PENSION, new_key, pension
from central_helpers import ZHANG_SAN, SignedApi, enroll
from evaluation_helpers import PATH, at, evaluation, rate, workdays_after
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from central.models_casework import Evaluation, RectificationCase, RectificationEvent


def _stored(app: FastAPI, evaluation_id: int) -> Evaluation:
    with app.state.sessions() as session:
        row = session.get(Evaluation, evaluation_id)
        assert row is not None
        session.expunge(row)
        return row


def _case(app: FastAPI, number: str) -> tuple[RectificationCase, list[RectificationEvent]]:
    with app.state.sessions() as session:
        case = session.scalars(
            select(RectificationCase).where(RectificationCase.case_number == number)
        ).one()
        events = list(session.scalars(
            select(RectificationEvent).where(RectificationEvent.case_id == case.id)
        ))  # fmt: skip
        session.expunge_all()
        return case, events


def test_a_good_evaluation_is_stored_with_what_central_knows(api: SignedApi, app: FastAPI) -> None:
    at(app, "2026-09-30T10:02:00")
    body = evaluation(5, item_code=PENSION, application_number="14050020260930999999",
                      local_receipt="DEMO-0001-20260930-0001", comment="很好")  # fmt: skip
    answer = rate(api, body)
    assert answer.status_code == 201, answer.text
    out = answer.json()
    assert out["case_number"] is None and isinstance(out["evaluation_id"], int)
    row = _stored(app, out["evaluation_id"])
    assert row.hall_name == "晋城市政务服务中心" and row.region_code == "140500"
    assert row.terminal_id == api.terminal_id
    assert row.item_name == "城乡居民基本养老保险参保登记"
    assert row.application_number is None  # no such application: not kept
    assert (row.level, row.reasons, row.comment) == (5, [], "很好")


def test_the_application_number_is_kept_when_the_application_exists(
    api: SignedApi, app: FastAPI
) -> None:
    filed = api.post("/api/v1/applications", pension(ZHANG_SAN), headers={"Idempotency-Key": new_key()})
    assert filed.status_code == 201, filed.text
    number = filed.json()["application_number"]
    answer = rate(api, evaluation(3, item_code="NOSUCHITEM1", application_number=number))
    assert answer.status_code == 201, answer.text
    row = _stored(app, answer.json()["evaluation_id"])
    assert row.application_number == number
    assert (row.item_code, row.item_name) == ("NOSUCHITEM1", None)


def test_reasons_belong_to_the_two_lowest_levels(api: SignedApi) -> None:
    for level in (1, 2):
        answer = rate(api, evaluation(level, reasons=[]))
        assert answer.status_code == 422
        assert answer.json()["error"] == "validation_failed"
        assert answer.json()["fields"] == {"reasons": "required"}
    for level in (3, 4, 5):
        answer = rate(api, evaluation(level, reasons=["slow"]))
        assert answer.status_code == 422
        assert answer.json()["fields"] == {"reasons": "not_allowed"}
    for bad in ({"level": 6}, {"level": 0}, {"reasons": ["rude"]}, {"comment": "长" * 201},
                {"handling_id": "not-a-uuid"}):  # fmt: skip
        answer = rate(api, {**evaluation(2), **bad})
        assert answer.status_code == 422, bad
    unsigned = api.client.post(PATH, json=evaluation(4), headers={"Idempotency-Key": new_key()})
    assert unsigned.status_code == 401


def test_exactly_once_per_key_and_once_per_handling(api: SignedApi, app: FastAPI) -> None:
    body, key = evaluation(4), str(uuid.uuid4())
    first = rate(api, body, key)
    assert first.status_code == 201
    again = rate(api, body, key)
    assert (again.status_code, again.json()) == (200, first.json())
    other_body = rate(api, {**body, "level": 5}, key)
    assert (other_body.status_code, other_body.json()["error"]) == (409, "idempotency_conflict")
    # The same handling under another key: the same body is the stored answer ...
    same = rate(api, body)
    assert (same.status_code, same.json()) == (200, first.json())
    # ... another evaluation of it is refused (一次一评), also from another terminal.
    second = rate(api, {**body, "level": 1, "reasons": ["attitude"]})
    assert (second.status_code, second.json()["error"]) == (409, "duplicate")
    other = enroll(api.client, app, region="140525")
    assert rate(other, {**body, "level": 3}).json()["error"] == "duplicate"
    with app.state.sessions() as session:
        assert len(session.scalars(select(Evaluation)).all()) == 1
        assert session.scalars(select(RectificationCase)).all() == []


def test_a_bad_evaluation_opens_a_case_whose_visit_skips_the_national_day_holiday(
    api: SignedApi, app: FastAPI
) -> None:
    at(app, "2026-09-30T16:30:00")
    answer = rate(api, evaluation(1, reasons=["attitude", "slow", "attitude"], comment="等太久"))
    assert answer.status_code == 201, answer.text
    out = answer.json()
    assert out["case_number"] == f"ZG20260930{1:06d}"
    case, events = _case(app, out["case_number"])
    # 10-01..10-07 are 国庆 holidays: one working day after 09-30 is 10-08.
    assert case.visit_due == date(2026, 10, 8) == workdays_after(date(2026, 9, 30), 1)
    assert case.rectify_due == workdays_after(date(2026, 9, 30), 15) == date(2026, 10, 27)
    assert (case.state, case.due_estimated, case.region_code) == ("待回访", False, "140500")
    assert [(e.action, e.state) for e in events] == [("opened", "待回访")]
    assert _stored(app, out["evaluation_id"]).reasons == ["attitude", "slow"]
    # The next 差评 is the next case; the same one again is the same case.
    assert rate(api, evaluation(2)).json()["case_number"] == f"ZG20260930{2:06d}"


def test_the_case_number_takes_the_beijing_date(api: SignedApi, app: FastAPI) -> None:
    at(app, "2026-10-09T00:30:00")  # still 10-08 in UTC
    number = rate(api, evaluation(2)).json()["case_number"]
    assert number.startswith("ZG20261009")
    case, _ = _case(app, number)
    assert case.visit_due == date(2026, 10, 10)  # a 调休 Saturday is a working day


def test_past_the_known_years_the_deadline_is_estimated_on_weekdays(
    api: SignedApi, app: FastAPI
) -> None:
    at(app, "2026-12-28T09:00:00")  # 2027 is not in the calendar
    number = rate(api, evaluation(2)).json()["case_number"]
    case, events = _case(app, number)
    assert case.visit_due == date(2026, 12, 29)  # still inside 2026
    # 12-29..12-31 (3), then Monday–Friday of 2027 (1 Jan counted: nothing is known).
    assert case.rectify_due == date(2027, 1, 18)
    assert case.due_estimated is True
    assert "估算" in events[0].note


def test_a_demo_year_counts_but_the_deadline_is_still_estimated(
    api: SignedApi, app: FastAPI
) -> None:
    from central.calendar import seed_demo_years
    from central.db import cli_connection
    from central.timeutil import utcnow

    with cli_connection(app.state.db.settings.db_url) as conn:
        assert seed_demo_years(conn, date(2026, 12, 28), utcnow()) == [2027]
    at(app, "2026-12-28T09:00:00")
    number = rate(api, evaluation(2)).json()["case_number"]
    case, _ = _case(app, number)
    assert case.rectify_due == date(2027, 1, 18) and case.due_estimated is True
    at(app, "2026-11-02T09:00:00")  # a way inside the notice's year is exact
    case, _ = _case(app, rate(api, evaluation(2)).json()["case_number"])
    assert case.due_estimated is False


def _rule(app: FastAPI, region: str, visit: int, rectify: int) -> None:
    from central.db import cli_connection
    from central.rectification import set_rule
    from central.timeutil import utcnow

    with cli_connection(app.state.db.settings.db_url) as conn:
        set_rule(conn, region, visit, rectify, utcnow())


def test_region_rules_apply_region_then_city_then_province(
    client: TestClient, app: FastAPI
) -> None:
    county = enroll(client, app, region="140525")
    at(app, "2026-11-02T09:00:00")  # a Monday, no holiday for weeks
    seen: list[tuple[date, date]] = []

    def due() -> tuple[date, date]:
        case, _ = _case(app, rate(county, evaluation(2)).json()["case_number"])
        return case.visit_due, case.rectify_due

    seen.append(due())  # defaults 1 / 15
    _rule(app, "140000", 2, 10)
    seen.append(due())  # the province's
    _rule(app, "140500", 3, 12)
    seen.append(due())  # the city's
    _rule(app, "140525", 4, 5)
    seen.append(due())  # the county's own
    _rule(app, "140500", 1, 2)  # a city rule changed later does not beat the county's
    seen.append(due())
    start = date(2026, 11, 2)
    expected: list[tuple[int, int]] = [(1, 15), (2, 10), (3, 12), (4, 5), (4, 5)]
    assert seen == [(workdays_after(start, v), workdays_after(start, r)) for v, r in expected]


def test_rules_are_checked(app: FastAPI) -> None:
    from central.rectification import RectificationError

    for args in (("1405", 1, 2), ("140500", 0, 2), ("140500", 3, 2), ("140500", 1, 999)):
        try:
            _rule(app, *args)
        except RectificationError as err:
            assert err.reason == "invalid"
        else:
            raise AssertionError(f"accepted {args}")

