"""The queue's signed terminal endpoints (docs/hall-day.md): categories, tickets with the
green channel and Idempotency-Key, offline blocks and offline tickets; both back ends."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from central_helpers import SignedApi
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.central.queue_helpers import HALL, enroll_at_hall, make_hall

# 10:00 Beijing on a Monday: the tests never read the real date.
NOW = datetime(2026, 12, 7, 2, 0)


@pytest.fixture
def terminal(db_url: str, app: FastAPI, client: TestClient) -> SignedApi:
    make_hall(db_url)
    app.state.clock = lambda: NOW
    return enroll_at_hall(client, app)


def take(api: SignedApi, body: dict[str, object], key: str | None = None) -> tuple[int, dict]:
    response = api.post(
        "/api/v1/queue/tickets", body, headers={"Idempotency-Key": key or str(uuid.uuid4())}
    )
    return response.status_code, response.json()


def test_tickets_count_up_per_category_and_say_who_is_ahead(terminal: SignedApi) -> None:
    status, first = take(terminal, {"category": "A"})
    assert status == 201, first
    assert first["label"] == "A001" and first["kind"] == "normal" and first["people_ahead"] == 0
    assert first["hall"] == HALL and first["category_name"] == "综合" and first["offline"] is False
    assert first["day"] == "2026-12-07" and first["taken_at"].startswith("2026-12-07T10:00:00")
    assert f"/hall/{HALL}/ticket/A001?c=" in first["follow_url"]
    assert first["estimated_wait_minutes"] == 0
    _, second = take(terminal, {"category": "A"})
    _, other = take(terminal, {"category": "B"})
    assert (second["label"], second["people_ahead"]) == ("A002", 1)
    # The default 5 minutes per person, one window serves A alone... and window 2 too.
    assert second["estimated_wait_minutes"] == 3  # ceil(1 * 5 / 2)
    assert (other["label"], other["people_ahead"]) == ("B001", 0)


def test_a_retry_gets_the_same_ticket_and_another_body_is_a_conflict(terminal: SignedApi) -> None:
    key = str(uuid.uuid4())
    status, first = take(terminal, {"category": "A"}, key)
    assert status == 201
    status, again = take(terminal, {"category": "A"}, key)
    assert status == 200 and again["label"] == first["label"]
    status, refused = take(terminal, {"category": "B"}, key)
    assert status == 409 and refused["error"] == "idempotency_conflict"
    _, next_one = take(terminal, {"category": "A"})
    assert next_one["label"] == "A002"  # the retry took no number


def test_the_green_channel_goes_by_the_birth_date_on_the_halls_day(terminal: SignedApi) -> None:
    take(terminal, {"category": "A"})
    _, young = take(terminal, {"category": "A", "birth_date": "1961-12-08"})  # 64 tomorrow...
    _, turning = take(terminal, {"category": "A", "birth_date": "1961-12-07"})  # 65 today
    assert young["kind"] == "normal" and turning["kind"] == "green"
    assert turning["people_ahead"] == 0  # green before arrival order


def test_categories_show_waiting_counts_and_the_wait(terminal: SignedApi) -> None:
    for _ in range(3):
        take(terminal, {"category": "C"})
    response = terminal.get("/api/v1/queue/categories")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["hall"] == HALL
    by_code = {c["code"]: c for c in body["categories"]}
    assert [c["code"] for c in body["categories"]] == ["A", "B", "C"]
    assert by_code["C"]["waiting"] == 3 and by_code["C"]["estimated_wait_minutes"] == 15
    assert by_code["A"]["waiting"] == 0


def test_a_terminal_whose_site_has_no_hall_gets_not_found(
    db_url: str, app: FastAPI, client: TestClient
) -> None:
    make_hall(db_url)
    response = enroll_at_hall(client, app, "没有大厅的网点").get("/api/v1/queue/categories")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_offline_blocks_and_uploaded_tickets_join_in_arrival_order(terminal: SignedApi) -> None:
    block = terminal.post("/api/v1/queue/blocks", {"category": "A"}).json()
    assert block == {"day": "2026-12-07", "category": "A", "first": 9001, "last": 9050}
    _, first = take(terminal, {"category": "A"})
    assert first["label"] == "A001"  # a block reserved at opening takes no online number
    second = terminal.post("/api/v1/queue/blocks", {"category": "A"}).json()
    assert (second["first"], second["last"]) == (9051, 9100)  # the next block follows on
    _, after = take(terminal, {"category": "A"})
    assert after["label"] == "A002"
    earlier = NOW - timedelta(minutes=20)  # naive UTC
    body = {"category": "A", "number": 9007, "taken_at": f"{earlier.isoformat()}+00:00"}
    key = str(uuid.uuid4())
    response = terminal.post(
        "/api/v1/queue/tickets/offline", body, headers={"Idempotency-Key": key}
    )
    assert response.status_code == 201, response.text
    offline = response.json()
    assert offline["label"] == "A9007" and offline["offline"] is True
    assert offline["estimated_wait_minutes"] is None  # unknown when it was printed
    assert offline["people_ahead"] == 0  # it arrived before A001
    again = terminal.post("/api/v1/queue/tickets/offline", body, headers={"Idempotency-Key": key})
    assert again.status_code == 200 and again.json()["label"] == "A9007"
    twice = terminal.post(
        "/api/v1/queue/tickets/offline", body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert twice.status_code == 409 and twice.json()["error"] == "duplicate"
    for number in (2, 9101):  # an online number, a number past the reserved blocks
        outside = terminal.post(
            "/api/v1/queue/tickets/offline",
            {**body, "number": number},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert outside.status_code == 422 and "block" in outside.json()["detail"]


def test_another_terminals_block_is_not_yours(
    terminal: SignedApi, app: FastAPI, client: TestClient
) -> None:
    other = enroll_at_hall(client, app)
    block = other.post("/api/v1/queue/blocks", {"category": "B"}).json()
    body = {"category": "B", "number": block["first"], "taken_at": "2026-12-07T09:50:00+08:00"}
    response = terminal.post(
        "/api/v1/queue/tickets/offline", body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 422
    yesterday = {**body, "taken_at": "2026-12-06T09:50:00+08:00"}
    response = other.post(
        "/api/v1/queue/tickets/offline", yesterday, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 409 and response.json()["error"] == "not_today"


def test_bad_bodies_are_422(terminal: SignedApi) -> None:
    status, body = take(terminal, {"category": "a"})
    assert status == 422 and body["error"] == "validation_failed"
    status, body = take(terminal, {"category": "Z"})
    assert status == 404 and body["error"] == "not_found"
    response = terminal.post("/api/v1/queue/tickets", {"category": "A"})
    assert response.status_code == 422  # no Idempotency-Key


def test_the_seeded_hall_queues_for_the_terminals_enrolled_there(
    db_url: str, app: FastAPI, client: TestClient
) -> None:
    """central/seed/halls.toml's 晋城市政务服务中心 (JC-ZWZX), as `kiosk-central seed` loads it."""
    make_hall(db_url)  # empties the queue's tables (PostgreSQL keeps rows between tests)
    app.state.clock = lambda: NOW
    terminal = enroll_at_hall(client, app, "晋城市政务服务中心")
    body = terminal.get("/api/v1/queue/categories").json()
    assert body["hall"] == "JC-ZWZX"
    assert [c["code"] for c in body["categories"]] == ["A", "B", "C"]
    status, ticket = take(terminal, {"category": "B"})
    assert status == 201 and ticket["label"] == "B001" and ticket["hall"] == "JC-ZWZX"
