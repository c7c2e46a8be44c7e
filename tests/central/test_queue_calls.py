"""Calling (叫号) on both back ends: the hall's calling order (the default and another),
a window's categories and preference, and each window action."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Connection, create_engine, select

from central.livefeed import events_after
from central.queue import Taken, take_ticket
from central.queue_base import HallInfo, QueueError, load_hall, tickets
from central.queue_calls import call_next, finish, hall_status, recall, skip, transfer
from tests.central.queue_helpers import HALL, make_hall

NOW = datetime(2026, 12, 7, 2, 0)  # 10:00 Beijing, Monday
OLD = Taken(birth_date=datetime(1950, 1, 1).date())
ANYONE = Taken()


@pytest.fixture
def conn(db_url: str) -> Iterator[Connection]:
    make_hall(db_url)
    engine = create_engine(db_url).execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def hall(conn: Connection) -> HallInfo:
    return load_hall(conn, HALL)


def take(conn: Connection, category: str, minute: int, asked: Taken = ANYONE) -> str:
    ticket = take_ticket(conn, hall(conn), category, NOW + timedelta(minutes=minute), asked, "")
    return str(ticket["label"])


def appointment_ticket(conn: Connection, category: str, minute: int, slot_minute: int) -> str:
    """A checked-in appointment ticket (as check-in makes it) whose slot starts then."""
    from central.db import write_transaction
    from central.queue import insert_ticket, next_numbers

    info = hall(conn)
    day = NOW.date()
    with write_transaction(conn):
        number = next_numbers(conn, HALL, day, category, 1)
        insert_ticket(
            conn,
            info,
            day,
            category,
            number,
            "appointment",
            NOW + timedelta(minutes=minute),
            Taken(),
            slot_starts_at=NOW + timedelta(minutes=slot_minute),
        )
    return f"{category}{number:03d}"


def calls(conn: Connection, window: int, count: int, minute: int = 30) -> list[str]:
    at = NOW + timedelta(minutes=minute)
    out = []
    for _ in range(count):
        out.append(call_next(conn, hall(conn), window, at)["label"])
    return out


def test_default_order_appointments_begun_then_green_then_arrival(conn: Connection) -> None:
    take(conn, "A", 0)  # A001
    take(conn, "A", 1, OLD)  # A002 green
    appointment_ticket(conn, "A", 2, slot_minute=20)  # A003, slot begun at :20
    appointment_ticket(conn, "A", 3, slot_minute=90)  # A004, slot not begun: arrival order
    take(conn, "A", 4)  # A005
    assert calls(conn, 1, 5) == ["A003", "A002", "A001", "A004", "A005"]


def test_a_configured_order_green_first_then_arrival_then_appointments(
    conn: Connection, db_url: str
) -> None:
    make_hall(db_url, order="green,arrival,appointment")
    appointment_ticket(conn, "A", 0, slot_minute=10)  # A001 appointment, begun
    take(conn, "A", 1)  # A002
    take(conn, "A", 2, OLD)  # A003 green
    take(conn, "A", 3)  # A004
    assert calls(conn, 1, 4) == ["A003", "A002", "A004", "A001"]


def test_a_window_calls_only_its_categories_in_its_preference(conn: Connection) -> None:
    take(conn, "A", 0)
    take(conn, "C", 1)
    take(conn, "B", 2)
    # Window 2 serves B then A; window 3 only C; window 1 only A.
    assert calls(conn, 2, 2) == ["B001", "A001"]
    with pytest.raises(QueueError) as refused:
        call_next(conn, hall(conn), 1, NOW)
    assert refused.value.reason == "empty"
    assert calls(conn, 3, 1) == ["C001"]
    with pytest.raises(QueueError) as no_window:
        call_next(conn, hall(conn), 9, NOW)
    assert no_window.value.reason == "not_found"


def test_recall_then_skip_after_max_calls(conn: Connection) -> None:
    take(conn, "A", 0)
    info = hall(conn)
    first = call_next(conn, info, 1, NOW)
    assert (first["label"], first["calls"], first["window_name"]) == ("A001", 1, "综合窗口")
    with pytest.raises(QueueError) as early:
        skip(conn, info, 1, NOW)
    assert early.value.reason == "too_soon"
    assert recall(conn, info, 1, NOW)["calls"] == 2
    assert recall(conn, info, 1, NOW)["calls"] == 3
    skipped = skip(conn, info, 1, NOW)
    assert skipped["status"] == "skipped"
    status = conn.execute(select(tickets.c.status).where(tickets.c.label == "A001")).scalar()
    assert status == "skipped"
    with pytest.raises(QueueError) as nothing:
        recall(conn, info, 1, NOW)
    assert nothing.value.reason == "not_found"


def test_finish_and_call_next_finishes_the_current_one(conn: Connection) -> None:
    for minute in range(3):
        take(conn, "A", minute)
    info = hall(conn)
    call_next(conn, info, 1, NOW + timedelta(minutes=10))
    call_next(conn, info, 1, NOW + timedelta(minutes=16))  # A001 done after 6 minutes
    done = finish(conn, info, 1, NOW + timedelta(minutes=20))
    assert (done["label"], done["status"]) == ("A002", "done")
    rows = dict(conn.execute(select(tickets.c.label, tickets.c.status)).all())
    assert rows == {"A001": "done", "A002": "done", "A003": "waiting"}
    # Today's service times now drive the estimate: (6 + 4) / 2 = 5 per person.
    from central.queue import service_minutes

    assert service_minutes(conn, HALL, NOW.date(), "A") == pytest.approx(5.0)


def test_transfer_keeps_the_arrival_time(conn: Connection) -> None:
    take(conn, "A", 0)  # A001 arrived first
    take(conn, "B", 5)  # B001 arrived later
    info = hall(conn)
    assert call_next(conn, info, 1, NOW + timedelta(minutes=6))["label"] == "A001"
    moved = transfer(conn, info, 1, "B", NOW + timedelta(minutes=7))
    assert (moved["from_label"], moved["label"], moved["category"]) == ("A001", "B002", "B")
    # B002 arrived at :00, before B001: window 2 calls it first.
    assert call_next(conn, info, 2, NOW + timedelta(minutes=8))["label"] == "B002"
    with pytest.raises(QueueError) as same:
        transfer(conn, info, 2, "B", NOW)
    assert same.value.reason == "duplicate"


def test_every_change_is_an_event_with_nothing_personal(conn: Connection) -> None:
    take(conn, "A", 0, OLD)
    info = hall(conn)
    call_next(conn, info, 1, NOW)
    recall(conn, info, 1, NOW)
    finish(conn, info, 1, NOW)
    events = events_after(conn, HALL, 0)
    assert [e.kind for e in events] == ["take", "call", "recall", "finish"]
    assert events[1].data["label"] == "A001" and events[1].data["window"] == 1
    assert events[0].data["waiting"] == {"A": 1} and events[1].data["waiting"] == {}
    allowed = {"label", "category", "kind", "waiting", "window", "window_name", "calls"}
    assert all(set(e.data) <= allowed for e in events)
    status = hall_status(conn, info, NOW)
    assert status["last_event_id"] == events[-1].id
    assert all(w["current"] is None for w in status["windows"])
