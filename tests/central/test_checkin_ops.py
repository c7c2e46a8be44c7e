"""报到 of an appointment made by operations (`kiosk-central appointment issue` at a hall in
`halls`, channel ops): the CLI books the place (booking row, slot counted, the category
serving the item), so the QR checks in and prints a priority ticket; with a person given
the ID card checks in too; a full slot grows by the ops place; both back ends."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from central_helpers import ZHANG_SAN, SignedApi
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, delete, insert, select, update

from central.booking_lists import cancel, day_list
from central.booking_slots import Refused
from central.cli import main
from central.models import Appointment
from central.models_hall import Booking, QueueCategory, SlotCounter
from central.timeutil import BEIJING, to_db
from tests.central.queue_helpers import HALL, HALL_NAME, enroll_at_hall, make_hall

NOW = datetime(2026, 12, 7, 2, 0)  # 10:00 Beijing: the start below is in the check-in window
START = "2026-12-07T10:10"
START_DB = to_db(datetime(2026, 12, 7, 10, 10, tzinfo=BEIJING))
PENSION = "11140500MB1947036N4000111001"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def engine(db_url: str) -> Any:
    """The test hall, whose category B serves the pension item while the test runs; no
    counters of it yet."""
    make_hall(db_url)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            update(QueueCategory)
            .where(QueueCategory.hall_code == HALL, QueueCategory.code == "B")
            .values(items=[PENSION])
        )
        conn.execute(delete(SlotCounter).where(SlotCounter.hall_code == HALL))
    yield engine
    with engine.begin() as conn:  # PostgreSQL is shared: `hall list` must not show it bookable
        conn.execute(update(QueueCategory).where(QueueCategory.hall_code == HALL).values(items=[]))
    engine.dispose()


@pytest.fixture
def terminal(engine: Engine, app: FastAPI, client: TestClient) -> SignedApi:
    app.state.clock = Clock()
    return enroll_at_hall(client, app)


def issue(capsys: pytest.CaptureFixture[str], db_url: str, *extra: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(
        ["appointment", "issue", "--db", db_url, "--item", PENSION, "--start", START, *extra]
    )
    out, err = capsys.readouterr()
    return status, out.strip(), err


def booking_of(engine: Engine, number: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            select(Booking)
            .join(Appointment, Appointment.id == Booking.appointment_id)
            .where(Appointment.number == number)
        ).one()


def counter(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        row = conn.execute(
            select(SlotCounter.booked, SlotCounter.capacity).where(
                SlotCounter.hall_code == HALL, SlotCounter.starts_at == START_DB
            )
        ).one()
    return row.booked, row.capacity


def check_in(api: SignedApi, body: dict[str, Any]) -> tuple[int, Any]:
    response = api.post(
        "/api/v1/appointments/checkin", body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    return response.status_code, response.json()


def test_an_ops_appointment_without_a_person_checks_in_by_its_qr(
    terminal: SignedApi, engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, code, err = issue(capsys, db_url, "--hall", HALL_NAME)
    assert status == 0, err
    assert f"booked at {HALL}" in err and "category B" in err
    status, body = check_in(terminal, {"qr": code})
    assert status == 201, body
    booking = booking_of(engine, body["appointment"]["number"])
    assert (booking.channel, booking.category_code, booking.day) == ("ops", "B", date(2026, 12, 7))
    assert (booking.person_id_number, booking.person_name) == (None, "")
    assert booking.status == "checked_in"
    assert body["appointment"]["time"] == "10:10" and body["appointment"]["name_masked"] == ""
    ticket = body["ticket"]
    assert (ticket["label"], ticket["kind"], ticket["category"]) == ("B001", "appointment", "B")
    assert counter(engine) == (1, 1)  # not a slot start of the hall's plan: a place of its own
    status, again = check_in(terminal, {"qr": code})
    assert status == 409 and again["error"] == "already_checked_in"


def test_with_a_person_the_id_card_checks_in_and_a_full_slot_grows(
    terminal: SignedApi, engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with engine.begin() as conn:  # the slot was booked full by citizens already
        conn.execute(
            insert(SlotCounter).values(
                hall_code=HALL, category_code="B", starts_at=START_DB, capacity=2, booked=2
            )
        )
    status, code, err = issue(
        capsys, db_url, "--hall", HALL, "--person", ZHANG_SAN[0], "--name", ZHANG_SAN[1]
    )  # the hall's code works as well as its name
    assert status == 0, err
    assert counter(engine) == (3, 3)
    status, body = check_in(terminal, {"id_number": ZHANG_SAN[0], "name": ZHANG_SAN[1]})
    assert status == 201, body
    assert body["appointment"]["hall_name"] == HALL_NAME
    assert body["appointment"]["name_masked"] == ZHANG_SAN[1][0] + "*"
    assert body["ticket"]["kind"] == "appointment"
    listed = _cli_json(capsys, "appointment", "list", "--db", db_url, "--hall", HALL,
                       "--date", "2026-12-07", "--json")  # fmt: skip
    assert [a["status"] for a in listed] == ["checked_in"]
    status, twice = check_in(terminal, {"qr": code})
    assert status == 409 and twice["error"] == "already_checked_in"


def test_the_list_and_cancel_cope_with_an_appointment_of_nobody(
    terminal: SignedApi, engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, code, err = issue(capsys, db_url, "--hall", HALL_NAME, "--minutes", "20")
    assert status == 0, err
    earlier = NOW - timedelta(days=1)  # cancelling is allowed up to 2 h before the start
    with engine.connect() as conn:
        [listed] = day_list(conn, HALL, date(2026, 12, 7), earlier)
        assert (listed["status"], listed["name_masked"], listed["end"]) == ("booked", "", "10:30")
        with pytest.raises(Refused):  # a terminal cancels only its booker's appointment
            cancel(conn, listed["number"], earlier, id_number=ZHANG_SAN[0])
        assert cancel(conn, listed["number"], earlier)["status"] == "cancelled"
    assert counter(engine) == (0, 1)  # the place is given back
    status, body = check_in(terminal, {"qr": code})
    assert status == 409 and body["error"] == "cancelled"


def test_a_hall_that_does_not_serve_the_item_is_refused_and_nothing_is_stored(
    engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with engine.begin() as conn:
        conn.execute(update(QueueCategory).where(QueueCategory.hall_code == HALL).values(items=[]))
        before = conn.execute(select(Appointment.id)).all()
    status, out, err = issue(capsys, db_url, "--hall", HALL_NAME)
    assert status != 0 and out == ""
    assert err.count("\n") == 1 and "does not serve item" in err and HALL in err
    with engine.connect() as conn:
        assert conn.execute(select(Appointment.id)).all() == before


def _cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    assert status == 0, err
    return json.loads(out)
