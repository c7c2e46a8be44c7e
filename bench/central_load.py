"""Bench: the central service under a terminal fleet's load, on SQLite and on PostgreSQL.

For each database: a fresh database (PostgreSQL: a private durable cluster from
tests/support/postgres.py, fsync on), `kiosk-central serve --workers 2` on 127.0.0.1,
the demo seed, N enrolled simulated terminals. Then an open-loop load at a fixed rate
for a fixed number of requests (time-capped): signed person-context fetches and
application submissions (a share of them retries of an earlier submission, as an outbox
does). Latency is taken from each request's scheduled start, so a client that falls
behind counts against the server rather than hiding it.

Judged by: PostgreSQL p99 <= 100 ms at 200 req/s.

    .venv/bin/python bench/central_load.py [--rate 200] [--duration 20] [--terminals 8]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from central.enrollment import issue_code  # noqa: E402
from central.migrate import upgrade  # noqa: E402
from central.seeding import seed  # noqa: E402
from central.settings import ENROLLMENT_VALIDITY  # noqa: E402
from central.timeutil import utcnow  # noqa: E402
from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.signer import TerminalKey  # noqa: E402

TARGET_P99_MS = 100.0
CITIZENS = [
    ("110101199003071233", "张三"),
    ("31010419880512006X", "李四"),
    ("640104196208150313", "王五"),
    ("810000199208150043", "陈美玲"),
    ("140502198507150022", "刘芳"),
    ("140525197011023513", "赵建国"),
]
JOB_SEEKING = "11140500MB1947258A4000301001"  # 求职登记: anyone may apply
PENSION = "11140500MB1947036N4000111001"  # 城乡居民基本养老保险参保登记: needs a hukou


@dataclass
class Terminal:
    terminal_id: str
    key: TerminalKey
    submitted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@dataclass
class Result:
    kind: str
    status: int
    latency_ms: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="tongban-bench-") as tmp:
            yield f"sqlite:///{tmp}/central.db"
        return
    with TempPostgres(durable=True) as pg:
        yield pg.create_database("central")


@contextlib.contextmanager
def central(db_url: str, workers: int, log_path: Path | None = None) -> Iterator[str]:
    """`kiosk-central serve` as a child process; yields its base URL. Its log goes to
    ``log_path`` (kept, for a bench that reads the server's own timings) or a temp file."""
    port = free_port()
    exe = Path(sys.executable).parent / "kiosk-central"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "central.cli"]
    # The server's log (an access line per request) goes to a file, not a pipe: nobody
    # reads a pipe while the load runs, and a full one blocks the server's next write.
    log = (log_path.open("w+", encoding="utf-8") if log_path is not None
           else tempfile.TemporaryFile(mode="w+", encoding="utf-8"))
    proc = subprocess.Popen(
        # PostgreSQL is production: serve needs its public URL (issue 10).
        [*command, "serve", "--db", db_url, "--port", str(port), "--workers", str(workers),
         "--public-url", f"http://127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"kiosk-central serve exited: {log.read()[-4000:]}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("kiosk-central serve did not come up within 60 s")
            time.sleep(0.1)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def prepare(db_url: str, terminals: int) -> list[str]:
    """Migrate, seed, and issue one enrollment code per simulated terminal."""
    upgrade(db_url)
    engine = create_engine(db_url)
    try:
        with Session(engine) as session:
            seed(session, utcnow())
            return [
                issue_code(session, f"压测大厅{i:02d}", "140500", "hall", utcnow(), ENROLLMENT_VALIDITY)[0]
                for i in range(terminals)
            ]
    finally:
        engine.dispose()


def enroll(base: str, codes: list[str]) -> list[Terminal]:
    out = []
    for i, code in enumerate(codes):
        key = TerminalKey.generate()
        response = httpx.post(
            f"{base}/api/v1/terminals/enroll",
            json={"code": code, "public_key": key.public_b64, "hostname": f"bench-{i:02d}"},
        )
        response.raise_for_status()
        out.append(Terminal(response.json()["terminal_id"], key))
    return out


def submission(rng: random.Random) -> dict[str, Any]:
    person = rng.choice(CITIZENS)
    if person[0] in ("110101199003071233", "31010419880512006X", "140502198507150022") and rng.random() < 0.5:
        item, form = PENSION, {"phone": "13800000000", "bank_account": "6222020200112233445", "insure_grade": "300元"}
        materials = [{"code": "M01", "source": "licence", "ref": "hukou"}]
    else:
        item, form = JOB_SEEKING, {"phone": "13800000000", "education": "本科", "desired_job": "会计"}
        materials = []
    return {
        "item_code": item,
        "local_receipt": f"BENCH-{rng.randrange(10**8):08d}",
        "applicant": {"kind": "person", "id_number": person[0], "name": person[1]},
        "company": None,
        "agent": None,
        "form": form,
        "materials": materials,
        "submitted_at": "2026-11-23T09:30:00+08:00",
    }


class Connection:
    """A minimal HTTP/1.1 keep-alive client connection.

    httpx costs several milliseconds of CPU per request here, as much as the server it
    measures on the same two cores; this costs a fraction of one. It speaks exactly what
    central answers: a status line, headers, a Content-Length body.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> int:
        return (await self.exchange(method, path, headers, body))[0]

    async def exchange(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        """One request; its status, headers (names in lower case) and body."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 f"Content-Length: {len(body)}"]
        if body:
            lines.append("Content-Type: application/json")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        found: dict[str, str] = {}
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            found[name.decode("latin-1").lower()] = value.decode("latin-1").strip()
        data = await self.reader.readexactly(int(found.get("content-length", "0")))
        if found.get("connection", "").lower() == "close":
            await self.close()
        return status, found, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


@dataclass
class Job:
    terminal: Terminal
    kind: str
    path: str
    body: bytes
    headers: dict[str, str]
    scheduled: float


def make_job(terminal: Terminal, rng: random.Random, submit_share: float, retry_share: float,
             scheduled: float) -> Job:
    headers: dict[str, str] = {}
    if rng.random() < submit_share:
        if terminal.submitted and rng.random() < retry_share:
            kind, (key, body) = "retry", rng.choice(terminal.submitted)
        else:
            kind, key, body = "submit", str(uuid.uuid4()), submission(rng)
            terminal.submitted.append((key, body))
        path, headers["Idempotency-Key"] = "/api/v1/applications", key
    else:
        person = rng.choice(CITIZENS)
        kind, path, body = "context", "/api/v1/persons/context", {"id_number": person[0], "name": person[1]}
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return Job(terminal, kind, path, raw, headers, scheduled)


async def send(conn: Connection, job: Job) -> Result:
    headers = {**job.headers, **job.terminal.key.sign(job.terminal.terminal_id, "POST", job.path, job.body)}
    try:
        status = await conn.request("POST", job.path, headers, job.body)
    except (OSError, asyncio.IncompleteReadError, ValueError):
        await conn.close()
        status = 0
    return Result(job.kind, status, (time.perf_counter() - job.scheduled) * 1000)


async def drive(base: str, terminals: list[Terminal], rate: float, total: int, cap: float,
                submit_share: float, retry_share: float, connections: int) -> tuple[list[Result], float]:
    rng = random.Random(20261123)
    host, port = base.removeprefix("http://").split(":")
    pool = [Connection(host, int(port)) for _ in range(connections)]
    # Warm-up: every connection open, each worker has served requests.
    for _ in range(2):
        await asyncio.gather(*(send(c, make_job(terminals[i % len(terminals)], rng, 0.5, 0.0, time.perf_counter()))
                               for i, c in enumerate(pool)))
    queue: asyncio.Queue[Job | None] = asyncio.Queue()
    results: list[Result] = []

    async def worker(conn: Connection) -> None:
        while (job := await queue.get()) is not None:
            results.append(await send(conn, job))

    workers = [asyncio.create_task(worker(c)) for c in pool]
    start = time.perf_counter()
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if time.perf_counter() - start > cap:
            break
        queue.put_nowait(make_job(terminals[i % len(terminals)], rng, submit_share, retry_share, scheduled))
    for _ in workers:
        queue.put_nowait(None)
    _done, pending = await asyncio.wait(workers, timeout=max(1.0, cap - (time.perf_counter() - start)))
    for task in pending:
        task.cancel()
    elapsed = time.perf_counter() - start
    for conn in pool:
        await conn.close()
    return results, elapsed


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summarise(results: list[Result], elapsed: float, requested: int) -> dict[str, Any]:
    latencies = [r.latency_ms for r in results]
    ok = [r for r in results if 200 <= r.status < 300]
    by_kind = {
        kind: round(percentile([r.latency_ms for r in results if r.kind == kind], 99), 1)
        for kind in ("context", "submit", "retry")
    }
    return {
        "requests": requested,
        "completed": len(results),
        "ok": len(ok),
        "statuses": dict(sorted(Counter(r.status for r in results).items())),
        "rps": round(len(results) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
        "p99_ms_by_kind": by_kind,
    }


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    total = int(args.rate * args.duration)
    with database(backend) as db_url:
        codes = prepare(db_url, args.terminals)
        with central(db_url, args.workers) as base:
            terminals = enroll(base, codes)
            results, elapsed = asyncio.run(
                drive(base, terminals, args.rate, total, args.duration + args.grace,
                      args.submit_share, args.retry_share, args.connections)
            )
    figures = summarise(results, elapsed, total)
    print(
        f"{backend:<10} {figures['rps']:7.1f} req/s  p50 {figures['p50_ms']:6.1f} ms  "
        f"p99 {figures['p99_ms']:6.1f} ms  max {figures['max_ms']} ms  "
        f"ok {figures['ok']}/{figures['requests']}  statuses {figures['statuses']}  "
        f"p99 by kind {figures['p99_ms_by_kind']}",
        flush=True,
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second (default 200)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load (default 20)")
    parser.add_argument("--grace", type=float, default=10.0, help="extra seconds before the cap")
    parser.add_argument("--terminals", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32, help="client keep-alive connections")
    parser.add_argument("--submit-share", type=float, default=0.5, help="share of submissions")
    parser.add_argument("--retry-share", type=float, default=0.1, help="share of submissions that are retries")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"central load: {args.rate:g} req/s for {args.duration:g} s, {args.terminals} terminals, "
          f"{args.workers} workers, cpu count {os.cpu_count()}", flush=True)
    figures = {backend: run_backend(backend, args) for backend in args.backends.split(",")}
    pg = figures.get("postgresql", {})
    p99 = pg.get("p99_ms", float("nan"))
    print(json.dumps({
        "metric": "central_p99_ms_postgresql",
        "value": p99,
        "unit": "ms",
        "target": TARGET_P99_MS,
        "ratio": round(p99 / TARGET_P99_MS, 3),
        "rps": pg.get("rps"),
        "sqlite": figures.get("sqlite", {}),
        "postgresql": pg,
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
