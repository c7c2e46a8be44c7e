"""Test data of the queue tests: a hall of their own (categories, windows, a calling
order), a terminal enrolled at it, bookings for check-in. Inserted through the models, so
the tests do not depend on the demo seed's halls; on PostgreSQL the queue's tables are
emptied first (the shared test database keeps rows between tests)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, delete, text
from sqlalchemy.orm import Session

from central.models import Appointment
from central.models_hall import Booking, Hall, HallWindow, QueueCategory
from central.queue_base import HallInfo, load_hall
from central.settings import ENROLLMENT_VALIDITY
from central.timeutil import utcnow
from tests.central.central_helpers import SignedApi, new_code
from tests.support.signer import TerminalKey

HALL = "QT-TEST"
HALL_NAME = "排队测试大厅"
QUEUE_TABLES = "queue_events, queue_tickets, queue_series, queue_blocks, hall_staff, bookings"
# (number, name, categories in preference)
WINDOWS = [(1, "综合窗口", ["A"]), (2, "社保窗口", ["B", "A"]), (3, "不动产窗口", ["C"])]
CATEGORIES = [("A", "综合"), ("B", "社保"), ("C", "不动产")]


def engine_for(db_url: str) -> Engine:
    return create_engine(db_url)


def make_hall(db_url: str, order: str = "appointment,green,arrival", **rules: Any) -> None:
    """The test hall (replacing an earlier one) with empty queue tables."""
    engine = engine_for(db_url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {QUEUE_TABLES} RESTART IDENTITY CASCADE"))
            for table in (HallWindow, QueueCategory):
                conn.execute(delete(table).where(table.hall_code == HALL))
            conn.execute(delete(Hall).where(Hall.code == HALL))
        with Session(engine) as session:
            session.add(
                Hall(
                    code=HALL,
                    name=HALL_NAME,
                    region_code="140500",
                    calling_order=order,
                    **rules,
                )
            )
            session.flush()
            for position, (code, name) in enumerate(CATEGORIES):
                session.add(
                    QueueCategory(hall_code=HALL, code=code, name=name, items=[], position=position)
                )
            for number, name, cats in WINDOWS:
                session.add(HallWindow(hall_code=HALL, number=number, name=name, categories=cats))
            session.commit()
    finally:
        engine.dispose()


def hall_info(db_url: str) -> HallInfo:
    engine = engine_for(db_url)
    try:
        with engine.connect() as conn:
            return load_hall(conn, HALL)
    finally:
        engine.dispose()


def enroll_at_hall(client: TestClient, app: FastAPI, hall_name: str = HALL_NAME) -> SignedApi:
    key = TerminalKey.generate()
    code = new_code(app, hall=hall_name, now=utcnow())
    assert ENROLLMENT_VALIDITY
    response = client.post(
        "/api/v1/terminals/enroll",
        json={"code": code, "public_key": key.public_b64, "hostname": "kiosk-queue"},
    )
    assert response.status_code == 201, response.text
    return SignedApi(client, key, response.json()["terminal_id"], "140500")


def add_booking(
    db_url: str,
    id_number: str,
    name: str,
    starts_at: datetime,
    *,
    day: date,
    category: str = "A",
    status: str = "booked",
    number: str | None = None,
) -> str:
    """A booking (and its appointment row) at the test hall; its appointment number."""
    engine = engine_for(db_url)
    try:
        with Session(engine) as session:
            appointment = Appointment(
                item_code="TEST-ITEM",
                item_name="测试事项",
                hall_name=HALL_NAME,
                region_code="140500",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=30),
                expires_at=starts_at + timedelta(minutes=30),
                person_id_number=id_number,
                kid="test",
                created_at=starts_at - timedelta(days=2),
            )
            session.add(appointment)
            session.flush()
            appointment.number = number or f"YY140500{day:%Y%m%d}{appointment.id:06d}"
            session.add(
                Booking(
                    appointment_id=appointment.id,
                    hall_code=HALL,
                    category_code=category,
                    item_code="TEST-ITEM",
                    day=day,
                    session="regular",
                    person_id_number=id_number,
                    person_name=name,
                    phone=None,
                    channel="phone",
                    terminal_id=None,
                    status=status,
                    status_at=starts_at - timedelta(days=2),
                )
            )
            session.commit()
            return str(appointment.number)
    finally:
        engine.dispose()
