"""Bench: a hall's day of queue tickets and calls on PostgreSQL with 2 central workers.

A private durable PostgreSQL (tests/support/postgres.py, fsync on), `kiosk-central serve
--workers 2`, a bench hall with 3 categories and 10 windows. Then, at once:

- 8 simulated terminals take `--tickets` tickets (3,000) through the signed API
  (POST /api/v1/queue/tickets), open loop at `--rate` per second (a day compressed; one in
  ten an older citizen's, green channel); latency from each request's scheduled start;
- 10 windows call through the window page's API (a clerk's cookie): call next (which
  finishes the previous ticket), serve a random moment, call again;
- 2 display pages hold the events long-poll (GET /hall/{code}/events); each call's
  display latency is from the moment its call request was sent to the moment a long-poll
  answered with it (so it includes the call itself).

Checked afterwards from the database and the events: every ticket number once (0
duplicates), every ticket called, and the calling order as configured: no call passed
over a ticket of that window's categories that ranks before it (appointment, green,
arrival) and had been waiting for over `RACE_S` (a ticket taken while the call was in
flight may lose to it honestly).

    .venv/bin/python bench/queue_calls.py [--tickets 3000] [--rate 20]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout
sys.path.insert(0, str(REPO / "bench"))

from central_load import Connection, Terminal, central, enroll, percentile  # noqa: E402
from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from central.enrollment import issue_code  # noqa: E402
from central.livefeed import events_t  # noqa: E402
from central.migrate import upgrade  # noqa: E402
from central.models_hall import Hall, HallWindow, QueueCategory  # noqa: E402
from central.queue_base import load_hall, parse_order, rank_key, tickets  # noqa: E402
from central.queue_staff import add_staff  # noqa: E402
from central.settings import ENROLLMENT_VALIDITY  # noqa: E402
from central.timeutil import utcnow  # noqa: E402
from tests.support.postgres import TempPostgres  # noqa: E402

HALL, HALL_NAME = "BENCH-HALL", "压测政务大厅"
ORDER = "appointment,green,arrival"
CATEGORIES = [("A", "综合", 6), ("B", "社保", 3), ("C", "不动产", 1)]  # code, name, weight
WINDOWS = [
    (1, ["A"]), (2, ["A"]), (3, ["A"]), (4, ["A"]), (5, ["B"]), (6, ["B", "A"]),
    (7, ["B"]), (8, ["C"]), (9, ["C", "A"]), (10, ["A", "B", "C"]),
]  # fmt: skip
TARGET_TICKET_P99_MS = 50.0
TARGET_DISPLAY_MS = 500.0
RACE_S = 0.5


def prepare(db_url: str, terminals: int) -> list[str]:
    """Migrate; the bench hall, its categories, windows and a clerk; enrollment codes."""
    upgrade(db_url)
    engine = create_engine(db_url)
    try:
        with Session(engine) as session:
            session.add(Hall(code=HALL, name=HALL_NAME, region_code="140500", calling_order=ORDER))
            session.flush()
            for position, (code, name, _w) in enumerate(CATEGORIES):
                session.add(
                    QueueCategory(hall_code=HALL, code=code, name=name, items=[], position=position)
                )
            for number, cats in WINDOWS:
                session.add(
                    HallWindow(
                        hall_code=HALL, number=number, name=f"{number}号窗口", categories=cats
                    )
                )
            session.commit()
            codes = [
                issue_code(session, HALL_NAME, "140500", "hall", utcnow(), ENROLLMENT_VALIDITY)[0]
                for _ in range(terminals)
            ]
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            add_staff(conn, load_hall(conn, HALL), "bench", "压测", "bench-pass")
        return codes
    finally:
        engine.dispose()


class Day:
    """What the simulated day records while it runs."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.ticket_ms: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.labels: list[str] = []
        self.call_sent: dict[str, float] = {}  # label -> monotonic time its call was sent
        self.seen: dict[str, float] = {}  # label -> when a long-poll first showed its call
        self.called = 0
        self.done = asyncio.Event()


async def terminals_take(
    host: str, port: int, terms: list[Terminal], rate: float, day: Day
) -> None:
    rng = random.Random(12)
    start = time.perf_counter()
    conns = [Connection(host, port) for _ in range(32)]
    free: asyncio.Queue[Connection] = asyncio.Queue()
    for c in conns:
        free.put_nowait(c)
    weights = [w for _c, _n, w in CATEGORIES]

    async def one(index: int, scheduled: float) -> None:
        term = terms[index % len(terms)]
        body: dict[str, Any] = {
            "category": rng.choices([c for c, _n, _w in CATEGORIES], weights)[0]
        }
        if rng.random() < 0.1:
            body["birth_date"] = "1950-03-07"
        raw = json.dumps(body).encode()
        path = "/api/v1/queue/tickets"
        conn = await free.get()
        try:
            headers = term.key.sign(term.terminal_id, "POST", path, raw)
            headers["Idempotency-Key"] = str(uuid.uuid4())
            status, _h, data = await conn.exchange("POST", path, headers, raw)
        finally:
            free.put_nowait(conn)
        day.ticket_ms.append((time.perf_counter() - scheduled) * 1000)
        day.statuses[status] += 1
        if status == 201:
            day.labels.append(json.loads(data)["label"])

    tasks = []
    for i in range(day.total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    for c in conns:
        await c.close()


async def window_calls(host: str, port: int, number: int, cookie: str, day: Day) -> None:
    rng = random.Random(number)
    conn = Connection(host, port)
    path = f"/hall/{HALL}/window/{number}/call"
    while not day.done.is_set():
        sent = time.monotonic()
        status, _h, data = await conn.exchange("POST", path, {"Cookie": cookie}, b"{}")
        if status == 200:
            label = json.loads(data)["label"]
            day.call_sent[label] = sent
            day.called += 1
            if day.called >= day.total:
                day.done.set()
            await asyncio.sleep(rng.uniform(0.02, 0.2))  # serving
        else:
            await asyncio.sleep(0.5)  # nobody waiting for this window: a clerk looks again
    await conn.close()


async def display(host: str, port: int, day: Day) -> None:
    conn = Connection(host, port)
    after = 0
    while not day.done.is_set():
        with contextlib.suppress(asyncio.TimeoutError):
            status, _h, data = await asyncio.wait_for(
                conn.exchange("GET", f"/hall/{HALL}/events?after={after}&timeout=5", {}), 10
            )
            if status != 200:
                continue
            now = time.monotonic()
            body = json.loads(data)
            for ev in body["events"]:
                if ev["kind"] == "call":
                    day.seen.setdefault(ev["data"]["label"], now)
            after = body["last"]
    await conn.close()


async def run_day(base: str, terms: list[Terminal], args: argparse.Namespace) -> Day:
    host, port = base.split("//")[1].split(":")
    login = httpx.post(
        f"{base}/hall/{HALL}/login", json={"login": "bench", "password": "bench-pass"}
    )
    login.raise_for_status()
    cookie = f"tongban_staff={login.cookies['tongban_staff']}"
    day = Day(args.tickets)
    displays = [asyncio.create_task(display(host, int(port), day)) for _ in range(2)]
    windows = [
        asyncio.create_task(window_calls(host, int(port), n, cookie, day)) for n, _c in WINDOWS
    ]
    await terminals_take(host, int(port), terms, args.rate, day)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(day.done.wait(), args.cap)
    day.done.set()
    await asyncio.gather(*windows, *displays)
    return day


def check_order(db_url: str) -> dict[str, Any]:
    """Duplicates and calling-order violations, from the database and the events."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = {
                r.label: r for r in conn.execute(select(tickets).where(tickets.c.hall_code == HALL))
            }
            calls = conn.execute(
                select(events_t.c.at, events_t.c.data)
                .where(events_t.c.hall_code == HALL, events_t.c.kind == "call")
                .order_by(events_t.c.id)
            ).all()
            dup = conn.execute(
                select(tickets.c.label)
                .where(tickets.c.hall_code == HALL)
                .group_by(tickets.c.day, tickets.c.label)
                .having(func.count() > 1)
            ).all()
    finally:
        engine.dispose()
    order = parse_order(ORDER)
    first_call = {}
    for ev in calls:
        first_call.setdefault(ev.data["label"], ev.at)
    by_window = dict(WINDOWS)
    violations = 0
    race = timedelta(seconds=RACE_S)
    # A sweep in time: the pool holds the tickets waiting (for over RACE_S) at each call.
    arrivals = sorted(rows.values(), key=lambda r: r.created_at)
    pool: dict[str, Any] = {}
    next_arrival = 0
    for ev in sorted(calls, key=lambda e: e.at):
        while next_arrival < len(arrivals) and arrivals[next_arrival].created_at < ev.at - race:
            pool[arrivals[next_arrival].label] = arrivals[next_arrival]
            next_arrival += 1
        for label in [lb for lb in pool if first_call.get(lb, ev.at + race) < ev.at]:
            del pool[label]
        called = rows[ev.data["label"]]
        cats = by_window[ev.data["window"]]
        mine = rank_key(called, order, ev.at, cats)
        if any(
            other.category_code in cats
            and other.label != called.label
            and rank_key(other, order, ev.at, cats) < mine
            for other in pool.values()
        ):
            violations += 1
    return {
        "tickets": len(rows),
        "calls": len(calls),
        "duplicate_labels": len(dup),
        "uncalled": sum(1 for r in rows.values() if r.label not in first_call),
        "order_violations": violations,
        "green": sum(1 for r in rows.values() if r.kind == "green"),
    }


def server_take_ms(log: Path) -> list[float]:
    """Each take's time inside central (its access log: `POST <route> 201 12.3ms`), to
    tell central's own time from the queueing a loaded machine adds."""
    out = []
    for line in log.read_text(errors="replace").splitlines():
        parts = line.split()
        if "central.access:" in parts and "POST" in parts and "201" in parts:
            with contextlib.suppress(ValueError):
                out.append(float(parts[-2].removesuffix("ms")))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument(
        "--rate",
        type=float,
        default=20.0,
        help="tickets per second (default 20: a 9-hour day of 3,000 in 150 s)",
    )
    parser.add_argument("--terminals", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cap", type=float, default=180.0, help="seconds to let windows finish")
    args = parser.parse_args()
    print(f"queue calls: {args.tickets} tickets at {args.rate:g}/s from {args.terminals} terminals, "
          f"{len(WINDOWS)} windows, {args.workers} workers, cpu count {os.cpu_count()}", flush=True)  # fmt: skip
    with TempPostgres(durable=True) as pg:
        db_url = pg.create_database("central")
        codes = prepare(db_url, args.terminals)
        log = Path(tempfile.mkdtemp(prefix="tongban-queue-bench-")) / "central.log"
        with central(db_url, args.workers, log) as base:
            terms = enroll(base, codes)
            started = time.perf_counter()
            day = asyncio.run(run_day(base, terms, args))
            elapsed = time.perf_counter() - started
        checked = check_order(db_url)
    inside = server_take_ms(log)
    display_ms = [
        (day.seen[label] - sent) * 1000
        for label, sent in day.call_sent.items()
        if label in day.seen
    ]
    figures = {
        "metric": "queue_ticket_p99_ms",
        "value": round(percentile(day.ticket_ms, 99), 1),
        "unit": "ms",
        "target": TARGET_TICKET_P99_MS,
        "ratio": round(percentile(day.ticket_ms, 99) / TARGET_TICKET_P99_MS, 3),
        "ticket_p50_ms": round(percentile(day.ticket_ms, 50), 1),
        "ticket_statuses": dict(day.statuses),
        "ticket_server_p50_ms": round(percentile(inside, 50), 1),
        "ticket_server_p99_ms": round(percentile(inside, 99), 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "display_latency_p50_ms": round(percentile(display_ms, 50), 1),
        "display_latency_p99_ms": round(percentile(display_ms, 99), 1),
        "display_latency_max_ms": round(max(display_ms), 1) if display_ms else None,
        "display_latency_mean_ms": round(statistics.fmean(display_ms), 1) if display_ms else None,
        "display_target_ms": TARGET_DISPLAY_MS,
        "calls_seen_on_display": len(display_ms),
        "duplicate_numbers": checked["duplicate_labels"] + (len(day.labels) - len(set(day.labels))),
        "calling_order_violations": checked["order_violations"],
        "calls": checked["calls"],
        "tickets": checked["tickets"],
        "uncalled": checked["uncalled"],
        "green_tickets": checked["green"],
        "calling_order": ORDER,
        "seconds": round(elapsed, 1),
        "workers": args.workers,
        "today": date.today().isoformat(),
    }
    print(
        f"tickets p99 {figures['value']} ms (p50 {figures['ticket_p50_ms']}), display p99 "
        f"{figures['display_latency_p99_ms']} ms, duplicates {figures['duplicate_numbers']}, order "
        f"violations {figures['calling_order_violations']}, calls {figures['calls']}/{figures['tickets']}",
        flush=True,
    )
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
