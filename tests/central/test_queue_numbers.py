"""Ticket numbers are unique across the hall's terminals and central's processes: two
engines (two workers' pools) × many threads, released together by a barrier, take
tickets and reserve offline blocks of one series; every number is handed out once and
the series has no gap. Both back ends."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import select, update

from central.db import make_engine, write_transaction
from central.queue import (
    OFFLINE_FIRST,
    OFFLINE_LAST,
    Taken,
    reserve_block,
    series_t,
    take_ticket,
)
from central.queue_base import QueueError, load_hall, tickets
from central.settings import Settings
from tests.central.queue_helpers import HALL, make_hall

NOW = datetime(2026, 12, 7, 2, 0)
THREADS_PER_ENGINE = 8
TICKETS_PER_THREAD = 15


def test_numbers_are_unique_under_two_engines_and_many_threads(db_url: str) -> None:
    make_hall(db_url, offline_block_size=10)
    engines = [make_engine(Settings(db_url=db_url), autocommit=True) for _ in range(2)]
    threads_total = 2 * THREADS_PER_ENGINE
    barrier = threading.Barrier(threads_total)
    labels: list[str] = []
    blocks: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        engine = engines[index % 2]
        try:
            with engine.connect() as conn:
                hall = load_hall(conn, HALL)
                barrier.wait(timeout=30)
                for n in range(TICKETS_PER_THREAD):
                    if index % 4 == 0 and n == 5:  # some threads are terminals going offline
                        block = reserve_block(conn, hall, "A", f"T-{index:04d}", NOW)
                        with lock:
                            blocks.append((block["first"], block["last"]))
                    ticket = take_ticket(conn, hall, "A", NOW, Taken(), "")
                    with lock:
                        labels.append(ticket["label"])
        except BaseException as err:  # reported below, with the thread's view
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_total)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for engine in engines:
        engine.dispose()
    assert not errors, errors[:3]
    assert len(labels) == threads_total * TICKETS_PER_THREAD
    assert [label for label, n in Counter(labels).items() if n > 1] == []
    numbers = sorted(int(label[1:]) for label in labels)
    reserved = sorted(n for first, last in blocks for n in range(first, last + 1))
    assert len(blocks) == threads_total // 4
    assert numbers == list(range(1, len(numbers) + 1))  # online: 1, 2, … with no gap
    assert reserved == list(range(9001, 9001 + len(reserved)))  # blocks: their own range

    check = make_engine(Settings(db_url=db_url))
    with check.connect() as conn:
        stored = conn.execute(select(tickets.c.label).where(tickets.c.hall_code == HALL)).scalars()
        assert sorted(stored) == sorted(labels)
    check.dispose()


def test_online_and_offline_ranges_stop_before_they_meet(db_url: str) -> None:
    """The last online number is 9000 and the last offline one 99999; past them central
    refuses (`full`) and leaves the series as it was."""
    make_hall(db_url, offline_block_size=10)
    engine = make_engine(Settings(db_url=db_url), autocommit=True)
    try:
        with engine.connect() as conn:
            hall = load_hall(conn, HALL)
            assert take_ticket(conn, hall, "A", NOW, Taken(), "")["label"] == "A001"
            with write_transaction(conn):
                conn.execute(
                    update(series_t)
                    .where(series_t.c.hall_code == HALL, series_t.c.category_code == "A")
                    .values(next_number=OFFLINE_FIRST - 1, next_offline=OFFLINE_LAST - 9)
                )
            assert take_ticket(conn, hall, "A", NOW, Taken(), "")["label"] == "A9000"
            with pytest.raises(QueueError) as refused:
                take_ticket(conn, hall, "A", NOW, Taken(), "")
            assert refused.value.reason == "full"
            block = reserve_block(conn, hall, "A", "T-0001", NOW)
            assert (block["first"], block["last"]) == (OFFLINE_LAST - 9, OFFLINE_LAST)
            with pytest.raises(QueueError) as none_left:
                reserve_block(conn, hall, "A", "T-0001", NOW)
            assert none_left.value.reason == "full"
            row = conn.execute(
                select(series_t.c.next_number, series_t.c.next_offline).where(
                    series_t.c.hall_code == HALL, series_t.c.category_code == "A"
                )
            ).one()
            assert tuple(row) == (OFFLINE_FIRST, OFFLINE_LAST + 1)  # the refusals rolled back
    finally:
        engine.dispose()
