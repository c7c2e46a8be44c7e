"""Capacity is never exceeded: 50 bookers, each on its own connection pool (as separate
workers would be), released together by a barrier for the last 3 places of a slot. Exactly
3 are booked, the other 47 are told `full`, and the counter equals the booking rows."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, time

from booking_helpers import JC, SOCIAL_CARD, beijing, book_as_of, citizen
from sqlalchemy import func, select

from central.booking import BookRequest, book
from central.booking_slots import Refused, slot_start
from central.db import Database
from central.models_hall import Booking, SlotCounter
from central.settings import Settings

BOOKERS = 50
NOW = beijing("2026-03-02 10:00")
DAY = date(2026, 3, 4)


def test_50_concurrent_bookers_for_the_last_places_of_a_slot(db_url: str) -> None:
    for n in range(2):  # 09:00 of category B has 5 places: 2 taken, 3 left
        book_as_of(db_url, NOW, DAY, "09:00", (citizen(n), "先到"))
    databases = [Database(Settings(db_url, pool_size=1, max_overflow=0)) for _ in range(BOOKERS)]
    barrier = threading.Barrier(BOOKERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        req = BookRequest(JC, SOCIAL_CARD, DAY, "09:00", citizen(100 + n), "后到")
        with databases[n].autocommit.connect() as conn:
            barrier.wait()
            try:
                book(conn, req, NOW)
                outcome = "booked"
            except Refused as err:
                outcome = err.reason
            except Exception as err:  # noqa: BLE001 - reported, so the test names it
                outcome = f"error: {err!r}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(BOOKERS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        for database in databases:
            database.close()
    assert Counter(outcomes) == {"booked": 3, "full": 47}
    check = Database(Settings(db_url))
    try:
        with check.autocommit.connect() as conn:
            booked = conn.scalar(
                select(SlotCounter.booked).where(
                    SlotCounter.hall_code == JC,
                    SlotCounter.category_code == "B",
                    SlotCounter.starts_at == slot_start(DAY, time(9, 0)),
                )
            )
            rows = conn.scalar(
                select(func.count()).select_from(Booking).where(Booking.status == "booked")
            )
    finally:
        check.close()
    assert booked == rows == 5


def test_a_retry_racing_the_first_attempt_gets_the_same_appointment(db_url: str) -> None:
    threads_n = 8
    databases = [Database(Settings(db_url, pool_size=1, max_overflow=0)) for _ in range(threads_n)]
    barrier = threading.Barrier(threads_n)
    answers: list[tuple[str, bool]] = []
    lock = threading.Lock()
    req = BookRequest(
        JC,
        SOCIAL_CARD,
        DAY,
        "10:00",
        citizen(7),
        "重试",
        terminal_id="T-0001",
        idempotency_key="T-0001:0b0e7f5c-3c4e-4f4a-9d55-6f1e2f3a4b5c",
    )

    def attempt(n: int) -> None:
        with databases[n].autocommit.connect() as conn:
            barrier.wait()
            try:
                appointment, created = book(conn, req, NOW)
                outcome = (appointment["number"], created)
            except Exception as err:  # noqa: BLE001 - reported, so the test names it
                outcome = (f"error: {err!r}", False)
        with lock:
            answers.append(outcome)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(threads_n)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        for database in databases:
            database.close()
    assert sorted(created for _number, created in answers) == [False] * (threads_n - 1) + [True]
    assert len({number for number, _created in answers}) == 1, answers
