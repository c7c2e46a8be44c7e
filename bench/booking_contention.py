"""Bench: booking under contention and under a steady load, on PostgreSQL with 2 workers.

A private durable PostgreSQL cluster, `kiosk-central serve --workers 2`, the seed, enrolled
terminals of 晋城市政务服务中心 (central_load.py's machinery, reused). Then:

1. Contention: 200 distinct citizens (valid GB 11643 numbers) book at once, 10 for each of
   20 slots of capacity 5 (社会保障卡补领, category B, the first bookable regular-session
   slots; 错时 slots have 2 places and are left out): exactly 100 must be booked, the rest refused `full`; afterwards the booking rows
   per slot are counted in the database (over capacity: must be 0) and compared with the
   slot counters.
2. Steady load: new bookings paced at --rate (100/s) for --duration seconds, spread over
   every bookable slot of the hall's three categories; latency from each request's
   scheduled start (a client falling behind counts against the server). Target p99 < 100 ms.

    .venv/bin/python bench/booking_contention.py [--rate 100] [--duration 10]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout
sys.path.insert(0, str(REPO / "bench"))

from central_load import Connection, Terminal, central, database, enroll, percentile  # noqa: E402
from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from stdnum.cn import ric  # noqa: E402

from central.booking_slots import slots_view  # noqa: E402
from central.calendar import YearFile, import_year, known_years  # noqa: E402
from central.enrollment import issue_code  # noqa: E402
from central.halls import load_hall  # noqa: E402
from central.migrate import upgrade  # noqa: E402
from central.models import Appointment  # noqa: E402
from central.models_hall import Booking, SlotCounter  # noqa: E402
from central.seeding import seed  # noqa: E402
from central.settings import ENROLLMENT_VALIDITY  # noqa: E402
from central.timeutil import to_beijing, utcnow  # noqa: E402

TARGET_P99_MS = 100.0
HALL, HALL_NAME = "JC-ZWZX", "晋城市政务服务中心"
SOCIAL_CARD = "11140500MB195021524000112003"  # category B
ITEMS = {  # one item per category: capacity is counted per category
    "A": "11140500MB1986001U5000171002",
    "B": SOCIAL_CARD,
    "C": "11140500MB1973322L1000151004",
}
BENCH_SOURCE = "bench data: weekends only (bench/booking_contention.py)"
PATH = "/api/v1/appointments/book"


def citizen(n: int) -> str:
    """A valid ID number, distinct for each n (born 1960-01-01 + n // 900 days)."""
    born = date(1960, 1, 1) + timedelta(days=n // 900)
    body = f"140502{born:%Y%m%d}{n % 900 + 100:03d}"
    return body + ric.calc_check_digit(body + "0")  # python-stdnum >= 2 skips the last


def prepare(db_url: str, terminals: int) -> tuple[list[str], list[tuple[date, str, str, int]]]:
    """Migrate, seed (the years around today made known: a year chinese-calendar does not
    know is imported as weekends-only bench data), enrollment codes; and every bookable
    (day, time, item, places) of the hall from now on."""
    upgrade(db_url)
    engine = create_engine(db_url)
    now = utcnow()
    today = to_beijing(now).date()
    try:
        with Session(engine) as session:
            seed(session, now)
            conn = session.connection()
            have = known_years(conn)
            for year in (today.year, today.year + 1):
                if year not in have:
                    import_year(conn, YearFile(year=year, source=BENCH_SOURCE), now)
            codes = [
                issue_code(session, HALL_NAME, "140500", "hall", now, ENROLLMENT_VALIDITY)[0]
                for _ in range(terminals)
            ]
            session.commit()
        with engine.connect() as conn:
            plan = load_hall(conn, HALL)
            assert plan is not None
            places = []
            for offset in range(1, 30):
                day = today + timedelta(days=offset)
                for item in ITEMS.values():
                    for slot in slots_view(conn, plan, item, day, now)["slots"]:
                        if slot["bookable"]:
                            places.append((day, slot["time"], item, slot["remaining"]))
    finally:
        engine.dispose()
    return codes, places


async def post(conn: Connection, headers: dict[str, str], raw: bytes) -> int:
    """One booking; 0 for a connection that failed or an answer later than 30 s."""
    try:
        return await asyncio.wait_for(conn.request("POST", PATH, headers, raw), timeout=30)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
        await conn.close()
        return 0


def request(
    terminal: Terminal, day: date, at: str, item: str, n: int
) -> tuple[dict[str, str], bytes]:
    body = {
        "hall": HALL,
        "item_code": item,
        "date": day.isoformat(),
        "time": at,
        "id_number": citizen(n),
        "name": "压测",
    }
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    headers.update(terminal.key.sign(terminal.terminal_id, "POST", PATH, raw))
    return headers, raw


async def contention(
    base: str, terminals: list[Terminal], slots: list[tuple[date, str]], per_slot: int
) -> Counter[int]:
    """Every booker on its own connection, all released at once."""
    host, port = base.removeprefix("http://").split(":")
    jobs = [
        (day, at, i * per_slot + k) for i, (day, at) in enumerate(slots) for k in range(per_slot)
    ]
    pool = [Connection(host, int(port)) for _ in jobs]
    await asyncio.gather(*(c.request("GET", "/api/v1/health", {}, b"") for c in pool))
    signed = [
        request(terminals[n % len(terminals)], day, at, SOCIAL_CARD, n) for day, at, n in jobs
    ]
    statuses = await asyncio.gather(
        *(post(c, h, raw) for c, (h, raw) in zip(pool, signed, strict=True))
    )
    for conn in pool:
        await conn.close()
    return Counter(statuses)


def counted(db_url: str, slots: list[tuple[date, str]]) -> tuple[int, int, bool]:
    """(booked rows, rows over capacity, counters == rows) for the contended slots."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Appointment.starts_at, func.count())
                .join(Booking, Booking.appointment_id == Appointment.id)
                .where(Booking.status == "booked", Booking.item_code == SOCIAL_CARD)
                .group_by(Appointment.starts_at)
            ).all()
            counters = dict(
                conn.execute(
                    select(SlotCounter.starts_at, SlotCounter.booked).where(
                        SlotCounter.hall_code == HALL, SlotCounter.category_code == "B"
                    )
                ).all()
            )
    finally:
        engine.dispose()
    per_slot = {starts_at: n for starts_at, n in rows}
    over = sum(max(0, n - 5) for n in per_slot.values())
    return sum(per_slot.values()), over, per_slot == {k: v for k, v in counters.items() if v}


async def paced(
    base: str,
    terminals: list[Terminal],
    places: list[tuple[date, str, str, int]],
    rate: float,
    total: int,
    connections: int,
    first_citizen: int,
) -> tuple[list[tuple[int, float]], float]:
    host, port = base.removeprefix("http://").split(":")
    pool = [Connection(host, int(port)) for _ in range(connections)]
    await asyncio.gather(*(c.request("GET", "/api/v1/health", {}, b"") for c in pool))
    # One request per place left, in slot order (places run out: the rest are refusals).
    wanted = [(day, at, item) for day, at, item, left in places for _ in range(left)]
    queue: asyncio.Queue[tuple[float, dict[str, str], bytes] | None] = asyncio.Queue()
    results: list[tuple[int, float]] = []

    async def worker(conn: Connection) -> None:
        while (job := await queue.get()) is not None:
            scheduled, headers, raw = job
            status = await post(conn, headers, raw)
            results.append((status, (time.perf_counter() - scheduled) * 1000))

    tasks = [asyncio.create_task(worker(c)) for c in pool]
    start = time.perf_counter()
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        day, at, item = wanted[i % len(wanted)]
        headers, raw = request(terminals[i % len(terminals)], day, at, item, first_citizen + i)
        queue.put_nowait((scheduled, headers, raw))
    for _ in tasks:
        queue.put_nowait(None)
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    for conn in pool:
        await conn.close()
    return results, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookers", type=int, default=200)
    parser.add_argument("--slots", type=int, default=20)
    parser.add_argument("--rate", type=float, default=100.0, help="paced bookings per second")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of paced load")
    parser.add_argument("--terminals", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    print(
        f"booking contention: {args.bookers} bookers for {args.slots} slots of 5, then "
        f"{args.rate:g} bookings/s for {args.duration:g} s; {args.workers} workers, "
        f"cpu count {os.cpu_count()}",
        flush=True,
    )
    with database("postgresql") as db_url:
        codes, places = prepare(db_url, args.terminals)
        contended = [
            (day, at) for day, at, item, left in places if item == SOCIAL_CARD and left == 5
        ]
        contended = contended[: args.slots]
        if len(contended) < args.slots:
            raise SystemExit(f"only {len(contended)} bookable slots of {SOCIAL_CARD}")
        with central(db_url, args.workers) as base:
            terminals = enroll(base, codes)
            statuses = asyncio.run(
                contention(base, terminals, contended, args.bookers // args.slots)
            )
            booked, over, consistent = counted(db_url, contended)
            print(
                f"contention: statuses {dict(sorted(statuses.items()))}; booked rows {booked}, "
                f"over capacity {over}, counters == rows: {consistent}",
                flush=True,
            )
            left = [
                (day, at, item, n - (5 if item == SOCIAL_CARD and (day, at) in contended else 0))
                for day, at, item, n in places
            ]
            left = [p for p in left if p[3] > 0]
            total = int(args.rate * args.duration)
            results, elapsed = asyncio.run(
                paced(base, terminals, left, args.rate, total, args.connections, args.bookers)
            )
    latencies = [ms for _status, ms in results]
    p99 = round(percentile(latencies, 99), 1)
    paced_statuses = dict(sorted(Counter(s for s, _ms in results).items()))
    print(
        f"paced: {len(results)} bookings in {elapsed:.1f} s ({len(results) / elapsed:.1f}/s), "
        f"p50 {percentile(latencies, 50):.1f} ms, p99 {p99} ms, max {max(latencies):.1f} ms, "
        f"statuses {paced_statuses}",
        flush=True,
    )
    print(
        json.dumps(
            {
                "metric": "booking_p99_ms_postgresql",
                "value": p99,
                "unit": "ms",
                "target": TARGET_P99_MS,
                "ratio": round(p99 / TARGET_P99_MS, 3),
                "booked": statuses.get(201, 0),
                "booked_rows": booked,
                "over_capacity": over,
                "counters_match_rows": consistent,
                "refused_full": statuses.get(409, 0),
                "contention_statuses": dict(sorted(statuses.items())),
                "paced_rate": args.rate,
                "paced_requests": len(results),
                "paced_statuses": paced_statuses,
                "p50_ms": round(percentile(latencies, 50), 1),
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
