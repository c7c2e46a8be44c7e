"""报到 (POST /appointments/checkin) on both back ends: by the signed appointment code or
by ID number and name; the check-in window around the slot start and every refusal."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from central_helpers import LI_SI, WANG_WU, ZHANG_SAN, SignedApi
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select

from central.code_keys import PAYLOAD_VERSION, current_key, sign_code
from central.models_hall import Booking
from tests.central.queue_helpers import HALL_NAME, add_booking, enroll_at_hall, make_hall

NOW = datetime(2026, 12, 7, 2, 0)  # 10:00 Beijing
TODAY = date(2026, 12, 7)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    app.state.clock = clock = Clock()
    return clock


@pytest.fixture
def terminal(db_url: str, app: FastAPI, client: TestClient, clock: Clock) -> SignedApi:
    make_hall(db_url)
    return enroll_at_hall(client, app)


def signed_code(db_url: str, number: str) -> str:
    """The appointment's signed code, as central signs it (central.code_keys)."""
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            key = current_key(conn, NOW)
        payload = {
            "v": PAYLOAD_VERSION,
            "kid": key.kid,
            "id": number,
            "item_code": "TEST-ITEM",
            "item_name": "测试事项",
            "hall": HALL_NAME,
            "region_code": "140500",
            "start": "2026-12-07T10:10:00+08:00",
            "end": "2026-12-07T10:40:00+08:00",
            "expires": "2026-12-07T10:40:00+08:00",
        }
        return sign_code(key, payload)
    finally:
        engine.dispose()


def check_in(api: SignedApi, body: dict[str, Any], key: str | None = None) -> tuple[int, Any]:
    response = api.post(
        "/api/v1/appointments/checkin", body, headers={"Idempotency-Key": key or str(uuid.uuid4())}
    )
    return response.status_code, response.json()


def booking_status(db_url: str, id_number: str) -> str:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return str(
                conn.execute(
                    select(Booking.status).where(Booking.person_id_number == id_number)
                ).scalar()
            )
    finally:
        engine.dispose()


def test_the_qr_checks_in_and_a_retry_gets_the_same_ticket(
    terminal: SignedApi, db_url: str, clock: Clock
) -> None:
    number = add_booking(db_url, *ZHANG_SAN, NOW + timedelta(minutes=10), day=TODAY)
    code = signed_code(db_url, number)
    key = str(uuid.uuid4())
    status, body = check_in(terminal, {"qr": code}, key)
    assert status == 201, body
    assert body["appointment"]["number"] == number
    assert body["appointment"]["status"] == "checked_in"
    assert body["appointment"]["name_masked"] == "张*"
    assert body["ticket"]["kind"] == "appointment" and body["ticket"]["label"] == "A001"
    assert booking_status(db_url, ZHANG_SAN[0]) == "checked_in"
    status, again = check_in(terminal, {"qr": code}, key)
    assert status == 200 and again["ticket"]["label"] == "A001"
    status, twice = check_in(terminal, {"qr": code})
    assert status == 409 and twice["error"] == "already_checked_in"
    assert ZHANG_SAN[0] not in str(body) and ZHANG_SAN[1] not in str(body)


def test_by_id_number_and_name_and_the_ticket_ranks_first_once_the_slot_began(
    terminal: SignedApi, db_url: str, clock: Clock
) -> None:
    for _ in range(2):
        terminal.post(
            "/api/v1/queue/tickets",
            {"category": "A"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    add_booking(db_url, *LI_SI, NOW + timedelta(minutes=10), day=TODAY)
    status, body = check_in(terminal, {"id_number": LI_SI[0], "name": LI_SI[1]})
    assert status == 201, body
    assert body["ticket"]["people_ahead"] == 2  # its slot has not begun: arrival order
    clock.now = NOW + timedelta(minutes=11)
    label = body["ticket"]["label"]
    page = terminal.client.get(body["ticket"]["follow_url"].split("testserver")[-1])
    assert page.status_code == 200 and label in page.text
    assert "前面还有 <b>0</b> 人" in page.text  # the slot began: it goes first


@pytest.mark.parametrize(
    ("offset", "reason", "said"),
    [(60, "too_early", "10:30"), (-20, "too_late", "10:15")],
)
def test_too_early_and_too_late_say_when_and_what_instead(
    terminal: SignedApi, db_url: str, offset: int, reason: str, said: str
) -> None:
    start = NOW + timedelta(minutes=offset)  # 11:00 opens 10:30; 09:40 closed 09:55...
    add_booking(db_url, *WANG_WU, start, day=TODAY)
    status, body = check_in(terminal, {"id_number": WANG_WU[0], "name": WANG_WU[1]})
    assert status == 409 and body["error"] == reason
    expected = said if reason == "too_early" else "09:55"
    assert expected in body["detail"] and "ticket" in body["detail"]
    assert booking_status(db_url, WANG_WU[0]) == "booked"


def test_not_today_cancelled_and_not_found(terminal: SignedApi, db_url: str) -> None:
    add_booking(db_url, *ZHANG_SAN, NOW + timedelta(days=1), day=TODAY + timedelta(days=1))
    status, body = check_in(terminal, {"id_number": ZHANG_SAN[0], "name": ZHANG_SAN[1]})
    assert status == 409 and body["error"] == "not_today" and "2026-12-08" in body["detail"]
    add_booking(db_url, *LI_SI, NOW + timedelta(minutes=5), day=TODAY, status="cancelled")
    status, body = check_in(terminal, {"id_number": LI_SI[0], "name": LI_SI[1]})
    assert status == 409 and body["error"] == "cancelled"
    status, body = check_in(terminal, {"id_number": LI_SI[0], "name": "别人"})
    assert status == 404 and body["error"] == "not_found"
    status, body = check_in(terminal, {"id_number": WANG_WU[0], "name": WANG_WU[1]})
    assert status == 404 and body["error"] == "not_found"


def test_a_code_that_does_not_verify_is_not_found(terminal: SignedApi, db_url: str) -> None:
    number = add_booking(db_url, *ZHANG_SAN, NOW + timedelta(minutes=10), day=TODAY)
    code = signed_code(db_url, number)
    head, _, sig = code.partition(".")
    forged = head + "." + ("A" if sig[0] != "A" else "B") + sig[1:]
    status, body = check_in(terminal, {"qr": forged})
    assert status == 404 and body["error"] == "not_found"
    status, body = check_in(terminal, {"qr": "TONGBAN-APPT:not-a-code-at-all"})
    assert status == 404
    status, body = check_in(terminal, {})
    assert status == 422
    assert booking_status(db_url, ZHANG_SAN[0]) == "booked"
