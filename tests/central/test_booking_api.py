"""The signed booking endpoints as a terminal uses them (docs/hall-day.md): its halls, the
calendar and slots, booking (each refusal with its reason), my appointments, cancelling.

Dates are computed from the real clock (the endpoints use it): the years around today are
made known first (booking_helpers.ensure_years), so the tests pass on any date."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from booking_helpers import (
    BIZ_LICENCE,
    JC,
    SOCIAL_CARD,
    ZZ,
    autocommit,
    book_as_of,
    citizen,
    ensure_years,
    next_working_day,
)
from central_helpers import LI_SI, WANG_WU, ZHANG_SAN, SignedApi, enroll
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert

from central.models_hall import BookingSuspension
from central.timeutil import to_beijing, utcnow

pytestmark = pytest.mark.usefixtures("known_years")


@pytest.fixture
def known_years(db_url: str) -> None:
    ensure_years(db_url, utcnow())


def book_body(
    day: str, at: str = "09:00", who: tuple[str, str] = ZHANG_SAN, **over: Any
) -> dict[str, Any]:
    body = {
        "hall": JC,
        "item_code": SOCIAL_CARD,
        "date": day,
        "time": at,
        "id_number": who[0],
        "name": who[1],
    }
    body.update(over)
    return body


def post_book(api: SignedApi, body: dict[str, Any], key: str | None = None) -> Any:
    return api.post(
        "/api/v1/appointments/book", body, headers={"Idempotency-Key": key or str(uuid.uuid4())}
    )


def test_a_hall_terminal_books_at_its_hall_with_the_rules(api: SignedApi) -> None:
    response = api.get("/api/v1/halls/mine")
    assert response.status_code == 200, response.text
    halls = response.json()["halls"]
    assert [h["code"] for h in halls] == [JC]
    hall = halls[0]
    assert hall["rules"]["min_advance_hours"] == 24
    assert {c["code"] for c in hall["categories"]} == {"A", "B", "C"}
    social = next(i for i in hall["items"] if i["code"] == SOCIAL_CARD)
    assert social["category"] == "B" and "wuxiu" in social["sessions"]


def test_a_bank_terminal_books_for_the_city_hall(client: TestClient, app: FastAPI) -> None:
    from central_helpers import new_code

    from tests.support.signer import TerminalKey

    key = TerminalKey.generate()
    code = new_code(app, hall="山西银行晋城分行营业部", profile="bank")
    enrolled = client.post(
        "/api/v1/terminals/enroll",
        json={"code": code, "public_key": key.public_b64, "hostname": "bank"},
    )
    assert enrolled.status_code == 201, enrolled.text
    bank = SignedApi(client, key, enrolled.json()["terminal_id"], "140500")
    assert [h["code"] for h in bank.get("/api/v1/halls/mine").json()["halls"]] == [JC]
    assert (
        bank.get(f"/api/v1/halls/{ZZ}/slots?item={SOCIAL_CARD}&date=2026-01-05").status_code == 404
    )


def test_book_then_the_slot_has_one_place_less_and_mine_lists_it(
    api: SignedApi, db_url: str
) -> None:
    day = next_working_day(db_url, utcnow()).isoformat()
    before = api.get(f"/api/v1/halls/{JC}/slots?item={SOCIAL_CARD}&date={day}").json()
    first = before["slots"][0]
    assert first["time"] == "09:00" and first["session"] == "regular" and first["bookable"]
    key = str(uuid.uuid4())
    booked = post_book(api, book_body(day), key)
    assert booked.status_code == 201, booked.text
    appointment = booked.json()
    assert appointment["status"] == "booked" and appointment["name_masked"] == "张*"
    assert (
        appointment["qr"].startswith("TONGBAN-APPT:")
        and appointment["code"] == appointment["number"]
    )
    again = post_book(api, book_body(day), key)
    assert again.status_code == 200 and again.json() == appointment
    after = api.get(f"/api/v1/halls/{JC}/slots?item={SOCIAL_CARD}&date={day}").json()
    assert after["slots"][0]["remaining"] == first["remaining"] - 1
    mine = api.post("/api/v1/appointments/mine", {"id_number": ZHANG_SAN[0], "name": ZHANG_SAN[1]})
    assert mine.status_code == 200 and mine.json()["appointments"] == [appointment]
    days = api.get(f"/api/v1/halls/{JC}/days?item={SOCIAL_CARD}&from={day}&days=3").json()["days"]
    assert days[0]["date"] == day and days[0]["bookable"] and days[0]["remaining"] >= 1


def refusal(response: Any, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == reason, response.text


def test_each_booking_refusal_has_its_reason(api: SignedApi, db_url: str) -> None:
    now = utcnow()
    today = to_beijing(now).date()
    day = next_working_day(db_url, now)
    refusal(post_book(api, book_body(today.isoformat())), 409, "too_soon")
    refusal(post_book(api, book_body((today + timedelta(days=40)).isoformat())), 409, "too_far")
    refusal(post_book(api, book_body(day.isoformat(), "08:00")), 409, "closed")
    refusal(post_book(api, book_body(day.isoformat(), "09:10")), 409, "closed")
    refusal(post_book(api, book_body("2099-03-02")), 409, "calendar_unknown")
    refusal(
        post_book(api, book_body(day.isoformat(), who=("110101199003071234", "张三"))),
        422,
        "invalid_id",
    )
    refusal(
        post_book(api, book_body(day.isoformat(), item_code="11140500MB1947258A4000301009")),
        404,
        "not_found",
    )
    refusal(post_book(api, book_body(day.isoformat(), hall=ZZ)), 404, "not_found")
    assert post_book(api, book_body(day.isoformat())).status_code == 201
    refusal(post_book(api, book_body(day.isoformat(), "10:00")), 409, "duplicate")
    # another item the same day is fine
    assert (
        post_book(api, book_body(day.isoformat(), "10:00", item_code=BIZ_LICENCE)).status_code
        == 201
    )


def test_a_full_slot_is_refused_and_shown_full(api: SignedApi, db_url: str) -> None:
    day = next_working_day(db_url, utcnow()).isoformat()
    for n in range(2):  # the 12:00 错时 slot has 2 places
        assert post_book(api, book_body(day, "12:00", who=(citizen(n), "测试"))).status_code == 201
    refusal(post_book(api, book_body(day, "12:00", who=(citizen(3), "测试"))), 409, "full")
    slots = api.get(f"/api/v1/halls/{JC}/slots?item={SOCIAL_CARD}&date={day}").json()["slots"]
    noon = next(s for s in slots if s["time"] == "12:00")
    assert noon == {
        **noon,
        "session": "cuoshi",
        "remaining": 0,
        "bookable": False,
        "reason": "full",
    }


def test_cancel_by_the_booker_only_frees_the_place(api: SignedApi, db_url: str) -> None:
    day = next_working_day(db_url, utcnow()).isoformat()
    number = post_book(api, book_body(day)).json()["number"]
    refusal(
        api.post(f"/api/v1/appointments/{number}/cancel", {"id_number": LI_SI[0]}), 404, "not_found"
    )
    cancelled = api.post(f"/api/v1/appointments/{number}/cancel", {"id_number": ZHANG_SAN[0]})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    slots = api.get(f"/api/v1/halls/{JC}/slots?item={SOCIAL_CARD}&date={day}").json()["slots"]
    assert slots[0]["remaining"] == slots[0]["capacity"]
    assert post_book(api, book_body(day)).status_code == 201  # no longer a duplicate


def test_an_idempotency_key_is_per_terminal_and_per_request(
    api: SignedApi, client: TestClient, app: FastAPI, db_url: str
) -> None:
    day = next_working_day(db_url, utcnow()).isoformat()
    key = str(uuid.uuid4())
    assert post_book(api, book_body(day), key).status_code == 201
    other = enroll(client, app)
    second = post_book(other, book_body(day, who=LI_SI), key)
    assert second.status_code == 201  # keys are per terminal
    refusal(post_book(api, book_body(day, "10:00"), key), 409, "idempotency_conflict")


def test_suspended_and_too_late_are_refused(api: SignedApi, db_url: str) -> None:
    now = utcnow()
    with autocommit(db_url) as conn:
        conn.execute(
            insert(BookingSuspension).values(
                person_id_number=WANG_WU[0],
                hall_code=JC,
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=29),
                lifted=False,
            )
        )
    day = next_working_day(db_url, now).isoformat()
    refusal(post_book(api, book_body(day, who=WANG_WU)), 409, "suspended")
    past = next_working_day(db_url, now, skip=-1)
    made = datetime.combine(past - timedelta(days=3), datetime.min.time())
    number = book_as_of(db_url, made, past, "09:00", ZHANG_SAN)["number"]
    late = api.post(f"/api/v1/appointments/{number}/cancel", {"id_number": ZHANG_SAN[0]})
    refusal(late, 409, "too_late")


def test_the_calendar_view_says_why_a_day_cannot_be_booked(api: SignedApi, db_url: str) -> None:
    today = to_beijing(utcnow()).date()
    days = api.get(
        f"/api/v1/halls/{JC}/days?item={BIZ_LICENCE}&from={today.isoformat()}&days=31"
    ).json()["days"]
    assert len(days) == 31 and days[0]["reason"] == "too_soon"
    assert all(d["reason"] == "closed" for d in days[1:] if d["kind"] in ("weekend", "holiday"))
    assert days[-1]["reason"] == "too_far"
    assert any(d["bookable"] for d in days)
    unknown = api.get(f"/api/v1/halls/{JC}/days?item={BIZ_LICENCE}&from=2099-03-01&days=2").json()
    assert [d["reason"] for d in unknown["days"]] == ["calendar_unknown"] * 2
    too_many = api.get(f"/api/v1/halls/{JC}/days?item={BIZ_LICENCE}&days=32")
    assert too_many.status_code == 422
