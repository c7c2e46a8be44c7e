"""Bench: central's casework paths (docs/casework.md) for one terminal, in one process.

A fresh SQLite database (or PostgreSQL with --postgres: a private durable cluster from
tests/support/postgres.py), migrated and seeded as the demo's; the app served in-process
through FastAPI's TestClient, one terminal enrolled through the real enrollment, every
request signed as the terminal signs it. Timed, each as one request's round trip:

- filing an application in each mode: 全程网办 (pension), 异地代收 (住房公积金提取 at a
  晋城 terminal, two page references and a postal delivery), 多地联办 (户籍证明, split in
  two sub-cases);
- `POST /applications/mine` for 张三 with --mine applications (at least those filed
  above), and the person context with its `pending` list;
- a photographed page sealed to central's outbox key, as the terminal's outbox sends it
  (512 KiB, and a few at the 4 MiB page limit);
- the public tracking page `/t/{number}?c=` (25 renders: the page allows 30 a minute per
  client) and one `advance` step through the function the CLI runs.

    .venv/bin/python bench/casework.py [--runs 15] [--mine 50] [--postgres]

Medians are quoted; the machine is shared. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))                       # run from a checkout
sys.path.insert(0, str(REPO / "tests" / "central"))  # the central tests' bodies and helpers

from casework_helpers import POST, collect, hukou_proof  # noqa: E402
from central_bodies import pension  # noqa: E402
from central_helpers import ZHANG_SAN, SignedApi, enroll  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from tracking_helpers import code_of, jpeg, page_body, sealed  # noqa: E402

from central.app import create_app, dispose  # noqa: E402
from central.application_advance import advance  # noqa: E402
from tests.support.central_db import migrate_and_seed  # noqa: E402
from tests.support.postgres import TempPostgres  # noqa: E402

APPLICATIONS = "/api/v1/applications"
EVIDENCE = "/api/v1/applications/evidence"


def timed(fn: Callable[..., Any], *args: Any, **kw: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn(*args, **kw)
    return (time.perf_counter() - start) * 1000.0, value


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


@contextlib.contextmanager
def database(postgres: bool) -> Iterator[str]:
    if postgres:
        server = TempPostgres()
        server.start()
        try:
            yield server.create_database("casework_bench")
        finally:
            server.stop()
        return
    with tempfile.TemporaryDirectory(prefix="casework-bench-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'central.db'}"


class Filing:
    """Submissions of one terminal, each under its own receipt and idempotency key."""

    def __init__(self, api: SignedApi) -> None:
        self.api = api
        self.count = 0

    def file(self, body: dict[str, Any]) -> tuple[float, str]:
        self.count += 1
        body["local_receipt"] = f"BENCH-0001-20261206-{self.count:06d}"
        ms, answer = timed(self.api.post, APPLICATIONS, body,
                                  headers={"Idempotency-Key": str(uuid.uuid4())})
        if answer.status_code != 201:
            raise SystemExit(f"filing refused: {answer.status_code} {answer.text}")
        return ms, str(answer.json()["application_number"])


def bench_pages(client: TestClient, api: SignedApi, size: int, runs: int) -> list[float]:
    base = jpeg("bench page")
    data = base + b"\x00" * max(0, size - len(base))   # a JPEG padded to the size wanted
    times = []
    for n in range(runs):
        key = str(uuid.uuid4())
        envelope = sealed(client, page_body(f"BENCH-PAGES-{size}", n + 1, data), key)
        ms, answer = timed(api.post, EVIDENCE, envelope, headers={"Idempotency-Key": key})
        if answer.status_code != 201:
            raise SystemExit(f"page refused: {answer.status_code} {answer.text[:200]}")
        times.append(ms)
    return times


def run(url: str, runs: int, mine_count: int) -> dict[str, Any]:
    migrate_and_seed(url)
    app = create_app(url)
    try:
        with TestClient(app) as client:
            api = enroll(client, app)
            filing = Filing(api)
            modes: dict[str, list[float]] = {"全程网办": [], "异地代收": [], "多地联办": []}
            bodies = {"全程网办": lambda: pension(ZHANG_SAN), "异地代收": lambda: collect(ZHANG_SAN, POST),
                      "多地联办": lambda: hukou_proof(ZHANG_SAN)}
            numbers: dict[str, list[str]] = {mode: [] for mode in modes}
            for _ in range(runs):
                for mode, body in bodies.items():
                    ms, number = filing.file(body())
                    modes[mode].append(ms)
                    numbers[mode].append(number)
            while filing.count < mine_count:   # 张三's applications: --mine, or those filed above
                filing.file(pension(ZHANG_SAN))
            who = {"id_number": ZHANG_SAN[0], "name": ZHANG_SAN[1]}
            mine, context = [], []
            listed = 0
            for _ in range(runs):
                ms, answer = timed(api.post, f"{APPLICATIONS}/mine", who)
                mine.append(ms)
                listed = len(answer.json()["applications"])
                ms, answer = timed(api.post, "/api/v1/persons/context", who)
                context.append(ms)
            pending = len(answer.json()["pending"])
            small = bench_pages(client, api, 512 * 1024, runs)
            large = bench_pages(client, api, 4 * 1024 * 1024 - 1024, 5)
            number = numbers["异地代收"][0]
            code = code_of(app, number)
            page = []
            for _ in range(25):
                ms, answer = timed(client.get, f"/t/{number}", params={"c": code})
                if answer.status_code != 200:
                    raise SystemExit(f"/t/ answered {answer.status_code}")
                page.append(ms)
            steps = []
            for n in numbers["异地代收"][:runs]:
                ms, moved = timed(app.state.db.run, advance, n, actor="bench")
                if moved.status == "submitted":
                    raise SystemExit(f"advance left {n} where it was")
                steps.append(ms)
    finally:
        dispose(app)
    return {
        "submit_ms": {mode: median(times) for mode, times in modes.items()},
        "mine_ms": median(mine), "mine_applications": listed,
        "context_ms": median(context), "context_pending": pending,
        "page_512k_sealed_ms": median(small), "page_4m_sealed_ms": median(large),
        "tracking_page_ms": median(page), "advance_ms": median(steps),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed requests per path")
    parser.add_argument("--mine", type=int, default=50, help="applications 张三 holds for mine")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    args = parser.parse_args()
    backend = "postgresql" if args.postgres else "sqlite"
    with database(args.postgres) as url:
        figures = run(url, args.runs, args.mine)
    for mode, ms in figures["submit_ms"].items():
        print(f"submit {mode}: median {ms} ms")
    print(f"mine ({figures['mine_applications']} applications): median {figures['mine_ms']} ms")
    print(f"person context ({figures['context_pending']} pending): median {figures['context_ms']} ms")
    print(f"sealed page 512 KiB: median {figures['page_512k_sealed_ms']} ms; "
          f"4 MiB: median {figures['page_4m_sealed_ms']} ms")
    print(f"/t/ page: median {figures['tracking_page_ms']} ms; advance: median {figures['advance_ms']} ms")
    print(json.dumps({"metric": "casework_submit_collect_median", "value": figures["submit_ms"]["异地代收"],
                      "unit": "ms", "backend": backend, "runs": args.runs, **figures},
                     ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
