"""Bench: a province's fleet heartbeating (issue 13 §6) against 2 central workers on
PostgreSQL.

A private durable PostgreSQL (tests/support/postgres.py, fsync on), migrated and seeded,
and `--terminals` (20,000) enrolled terminals. Enrolling that many through the enrollment
API would take longer than the run, so they are inserted straight into `terminals` with a
freshly generated Ed25519 key each; every request is still signed with that key and
verified by central's own signing path, exactly as a real terminal's. The fleet is put in
its steady state first: each terminal has its latest health (sent up to a minute ago) and
its last history row written somewhen in the last hour, as a fleet that has been running
for a while has.

Then `kiosk-central serve --workers 2` and, for `--seconds` (120), open loop:

- every terminal heartbeats every 60 s ± 10 % (first beats spread over the first minute):
  20,000 / 60 ≈ 333 a second;
- a share of heartbeats (`--change-share`, 1 %) is followed within the minute by a device
  status change (the receipt printer's paper full → low → out → full) and its immediate
  `device_change` heartbeat: a history row each;
- `--command-rate` commands a second (1) are queued for random terminals through
  central.fleet_commands.queue_command (as the console and the CLI do): the terminal runs
  what its answer delivers, posts the result, and acknowledges it on a `command`
  heartbeat 2 s later.

Latency is taken from each request's scheduled start (a client that falls behind counts
against the server). Database growth: pg_total_relation_size of terminal_health,
terminal_health_history and terminal_commands before and after the run. History and
commands only grow (the history is pruned at 14 days); their growth over the run is
extrapolated linearly to one terminal-day: Δbytes × 86,400 / (seconds × terminals). That
holds because the run is a steady-state slice of a day: the hourly history rows fall due
at the same rate as in a day (the last ones were spread over the hour) and the change and
command rates are per second. terminal_health is one row per terminal replaced in place:
its growth during the run is dead row versions that autovacuum reuses, printed but not
extrapolated. The retained total is 14 × the per-day figure plus the latest row (~1.5 KB).

    .venv/bin/python bench/fleet_heartbeats.py [--seconds 120] [--terminals 20000]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import heapq
import json
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout
sys.path.insert(0, str(REPO / "bench"))

from central_load import Connection, central, percentile  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # noqa: E402
from sqlalchemy import Engine, create_engine, insert, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from central.db import write_transaction  # noqa: E402
from central.fleet_commands import queue_command  # noqa: E402
from central.fleet_health import digest_of  # noqa: E402
from central.migrate import upgrade  # noqa: E402
from central.models import Terminal  # noqa: E402
from central.models_fleet import TerminalHealth, TerminalHealthHistory  # noqa: E402
from central.seeding import seed  # noqa: E402
from central.timeutil import to_beijing, utcnow  # noqa: E402
from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.signer import TerminalKey  # noqa: E402

TARGET_P99_MS = 100.0
HEARTBEAT = "/api/v1/terminals/heartbeat"
HALLS = [  # hall name (a hall, or a site booking for one), region
    ("晋城市政务服务中心", "140500"),
    ("泽州县政务服务中心", "140525"),
    ("泽州县南村镇便民服务站", "140525"),
    ("山西银行晋城分行营业部", "140502"),
]
PAPER_NEXT = {"full": "low", "low": "out", "out": "full"}
KINDS = ["doctor", "reload_config", "maintenance_on", "maintenance_off", "pull_log"]
TABLES = ("terminal_health", "terminal_health_history", "terminal_commands")


@dataclass
class Sim:
    """One simulated terminal: its key and what it reports."""

    terminal_id: str
    key: TerminalKey
    paper: str = "full"
    uptime_s: int = 0
    acks: list[int] = field(default_factory=list)
    maintenance: bool = False


def body_of(sim: Sim, reason: str) -> dict[str, Any]:
    printer_ok = sim.paper != "out"
    return {
        "sent_at": to_beijing(utcnow()).isoformat(),
        "reason": reason,
        "software_version": "0.2.0",
        "config_version": "local",
        "uptime_s": sim.uptime_s,
        "free_disk_mb": 20480,
        "maintenance": sim.maintenance,
        "session_active": False,
        "last_session_end": None,
        "outbox": {"depth": 0, "oldest_age_s": None, "failed": 0},
        "print_log_head": {"count": 12, "mac": "ab12cd34ab12cd34"},
        "devices": {
            "receipt_printer": {
                "state": "online",
                "action": "none" if printer_ok else "clear_by_staff",
                "supplies": {"paper": sim.paper},
                "fault": "" if printer_ok else "paper_out",
                "ready": printer_ok,
            },
            "a4_printer": {
                "state": "online",
                "action": "none",
                "supplies": {"paper": "full", "toner": "full"},
                "fault": "",
                "ready": True,
            },
            "id_reader": {
                "state": "online",
                "action": "none",
                "supplies": {},
                "fault": "",
                "ready": True,
            },
            "qr_scanner": {
                "state": "online",
                "action": "none",
                "supplies": {},
                "fault": "",
                "ready": True,
            },
        },  # fmt: skip
        "update": {"state": "idle", "version": "0.2.0", "target_version": None, "reason": ""},
        "config": {"state": "ok", "version": "local", "reason": ""},
        "acks": sim.acks,
    }


def prepare(db_url: str, terminals: int, rng: random.Random) -> list[Sim]:
    """Migrate, seed, enroll `terminals` (keys generated here) and give each the steady
    state: its latest health and its last history row within the hour."""
    upgrade(db_url)
    engine = create_engine(db_url)
    now = utcnow()
    sims = []
    rows, health, hist = [], [], []
    for i in range(1, terminals + 1):
        private = Ed25519PrivateKey.generate()
        raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        sim = Sim(f"T-{i:05d}", TerminalKey(private), uptime_s=rng.randrange(3600, 864000))
        sims.append(sim)
        hall, region = HALLS[i % len(HALLS)]
        rows.append({
            "id": i, "terminal_id": sim.terminal_id, "public_key": base64.b64encode(raw).decode(),
            "hall_name": hall, "region_code": region, "profile": "hall",
            "hostname": f"bench-{i:05d}", "enrolled_at": now, "revoked": False,
        })  # fmt: skip
        body = body_of(sim, "timer")
        del body["acks"]
        digest = digest_of(body)
        seen = now - timedelta(seconds=rng.uniform(0, 60))
        written = now - timedelta(seconds=rng.uniform(0, 3600))
        health.append({
            "terminal_id": sim.terminal_id, "received_at": seen, "software_version": "0.2.0",
            "config_version": "local", "maintenance": False, "session_active": False,
            "faults": 0, "supplies_low": False, "outbox_depth": 0, "update_state": "idle",
            "digest": digest, "body": body, "history_at": written, "commands_pending": False,
        })  # fmt: skip
        hist.append(
            {"terminal_id": sim.terminal_id, "received_at": written, "digest": digest, "body": body}
        )
    try:
        with Session(engine) as session:
            seed(session, now)
        with engine.begin() as conn:
            for table, values in ((Terminal, rows), (TerminalHealth, health),
                                  (TerminalHealthHistory, hist)):  # fmt: skip
                for start in range(0, len(values), 2000):
                    conn.execute(insert(table), values[start : start + 2000])
            conn.execute(text("SELECT setval('terminals_id_seq', :n)"), {"n": terminals})
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
    return sims


def sizes(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT pg_total_relation_size('{t}')")).scalar_one())
            for t in TABLES
        }


class Run:
    """The open-loop fleet and what it measured."""

    def __init__(self, base: str, sims: list[Sim], args: argparse.Namespace) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.sims, self.args = sims, args
        self.rng = random.Random(20261206)
        self.beat_ms: list[float] = []
        self.result_ms: list[float] = []
        self.statuses: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.delivered = 0
        self.schedule: list[tuple[float, int, int, str]] = []  # (due, seq, terminal, reason)
        self.seq = 0
        self.tasks: set[asyncio.Task[None]] = set()

    def at(self, due: float, index: int, reason: str) -> None:
        self.seq += 1
        heapq.heappush(self.schedule, (due, self.seq, index, reason))

    async def request(self, path: str, sim: Sim, raw: bytes) -> tuple[int, bytes]:
        conn = await self.free.get()
        try:
            headers = sim.key.sign(sim.terminal_id, "POST", path, raw)
            status, _h, data = await conn.exchange("POST", path, headers, raw)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            await conn.close()
            status, data = 0, b""
        finally:
            self.free.put_nowait(conn)
        return status, data

    async def beat(self, index: int, reason: str, scheduled: float) -> None:
        sim = self.sims[index]
        if reason == "device_change":
            sim.paper = PAPER_NEXT[sim.paper]
        body = body_of(sim, reason)
        sent_acks = list(sim.acks)
        status, data = await self.request(HEARTBEAT, sim, json.dumps(body).encode())
        self.beat_ms.append((time.perf_counter() - scheduled) * 1000)
        self.statuses[f"heartbeat {status}"] += 1
        self.kinds[reason] += 1
        if status != 200:
            return
        sim.acks = [a for a in sim.acks if a not in sent_acks]
        for command in json.loads(data)["commands"]:
            self.delivered += 1
            self.spawn(self.run_command(index, command))

    async def run_command(self, index: int, command: dict[str, Any]) -> None:
        """What the terminal does: run it, post the result, acknowledge it 2 s later."""
        sim = self.sims[index]
        if command["kind"] in ("maintenance_on", "maintenance_off"):
            sim.maintenance = command["kind"] == "maintenance_on"
        result: dict[str, Any] = {"ok": True, "result": {"maintenance": sim.maintenance}}
        if command["kind"] == "pull_log":
            result["log"] = "2026-12-06 09:00:00 INFO kiosk.session: ended\n" * 200
        started = time.perf_counter()
        path = f"/api/v1/terminals/commands/{command['id']}/result"
        status, _ = await self.request(path, sim, json.dumps(result).encode())
        self.result_ms.append((time.perf_counter() - started) * 1000)
        self.statuses[f"result {status}"] += 1
        sim.acks.append(command["id"])
        self.at(time.perf_counter() + 2.0, index, "command")

    def spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def queue_commands(self, engine: Engine, stop: float) -> None:
        queued = 0
        start = time.perf_counter()
        while time.perf_counter() < stop:
            due = start + queued / self.args.command_rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            sim = self.rng.choice(self.sims)
            kind = self.rng.choice(KINDS)
            await asyncio.to_thread(self._queue, engine, sim.terminal_id, kind)
            queued += 1
        self.kinds["queued_commands"] = queued

    @staticmethod
    def _queue(engine: Engine, terminal_id: str, kind: str) -> None:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            with write_transaction(conn):
                queue_command(conn, terminal_id, kind, {}, "bench", utcnow())

    async def drive(self, engine: Engine) -> float:
        self.free: asyncio.Queue[Connection] = asyncio.Queue()
        pool = [Connection(self.host, self.port) for _ in range(self.args.connections)]
        for conn in pool:
            self.free.put_nowait(conn)
        # Warm-up: every connection open, both workers have served heartbeats.
        await asyncio.gather(
            *(self.beat(i, "start", time.perf_counter()) for i in range(len(pool)))
        )
        self.beat_ms.clear()
        self.statuses.clear()
        self.kinds.clear()
        start = time.perf_counter()
        stop = start + self.args.seconds
        for index in range(len(self.sims)):
            self.at(start + self.rng.uniform(0, 60), index, "timer")
        commands = asyncio.create_task(self.queue_commands(engine, stop))
        while self.schedule:
            due, _seq, index, reason = heapq.heappop(self.schedule)
            if due >= stop:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if reason == "timer":
                self.sims[index].uptime_s += 60
                self.at(due + 60 * self.rng.uniform(0.9, 1.1), index, "timer")
                if self.rng.random() < self.args.change_share:
                    self.at(due + self.rng.uniform(1, 60), index, "device_change")
            self.spawn(self.beat(index, reason, due))
        await commands
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=30)
        elapsed = time.perf_counter() - start
        for conn in pool:
            await conn.close()
        return elapsed


def server_beat_ms(log: Path) -> list[float]:
    """Each heartbeat's time inside central (its access log: `POST <route> 200 12.3ms`),
    to tell central's own time from the queueing a loaded machine adds."""
    out = []
    for line in log.read_text(errors="replace").splitlines():
        parts = line.split()
        if "central.access:" in parts and HEARTBEAT in parts:
            try:
                out.append(float(parts[-2].removesuffix("ms")))
            except ValueError:
                continue
    return out


def descendants_cpu() -> dict[str, float]:
    """CPU seconds used so far by this process's descendants, by kind: `postgres` (the
    server and the backends it reaped) and `central` (kiosk-central serve and its workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    stats: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
        used = sum(int(f) for f in fields[11:15]) / tick  # utime stime cutime cstime
        stats[int(entry.name)] = (name, used)
    me, out = os.getpid(), {"postgres": 0.0, "central": 0.0}
    for pid, (name, used) in stats.items():
        ancestor = parents.get(pid)
        while ancestor not in (None, 0, 1, me):
            ancestor = parents.get(ancestor)
        if ancestor == me or (ancestor is not None and parents.get(pid) == me):
            out["postgres" if name.startswith("postgres") else "central"] += used
    return out


def hot_share(engine: Engine) -> float | None:
    """The share of terminal_health's updates that were HOT (no index entry written)."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables"
                " WHERE relname = 'terminal_health'"
            )
        ).one()
    return round(row.n_tup_hot_upd / row.n_tup_upd, 3) if row.n_tup_upd else None


def history_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM terminal_health_history")).scalar_one())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="seconds of load (120)")
    parser.add_argument("--terminals", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections")
    parser.add_argument("--change-share", type=float, default=0.01,
                        help="share of heartbeats followed by a device change (0.01)")  # fmt: skip
    parser.add_argument("--command-rate", type=float, default=1.0, help="commands queued a second")
    args = parser.parse_args()
    print(f"fleet heartbeats: {args.terminals} terminals every 60 s ± 10 % "
          f"(~{args.terminals / 60:.0f}/s) for {args.seconds:g} s, {args.workers} workers, "
          f"cpu count {os.cpu_count()}", flush=True)  # fmt: skip
    rng = random.Random(13)
    with TempPostgres(durable=True) as pg:
        db_url = pg.create_database("central")
        started = time.perf_counter()
        sims = prepare(db_url, args.terminals, rng)
        print(
            f"enrolled {len(sims)} terminals in {time.perf_counter() - started:.1f} s", flush=True
        )
        engine = create_engine(db_url, pool_size=2)
        log = Path(tempfile.mkdtemp(prefix="tongban-fleet-bench-")) / "central.log"
        try:
            with central(db_url, args.workers, log) as base:
                run = Run(base, sims, args)
                before, rows_before = sizes(engine), history_rows(engine)
                cpu_before = resource.getrusage(resource.RUSAGE_SELF)
                tree_before = descendants_cpu()
                elapsed = asyncio.run(run.drive(engine))
                tree_after = descendants_cpu()
                cpu_after = resource.getrusage(resource.RUSAGE_SELF)
                after, rows_after = sizes(engine), history_rows(engine)
                time.sleep(1)  # the statistics collector's last report
                hot = hot_share(engine)
        finally:
            engine.dispose()
    inside = server_beat_ms(log)
    served = max(1, sum(run.statuses.values()))
    per_request = {k: (tree_after[k] - tree_before[k]) * 1000 / served for k in tree_after}
    client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    load = [round(x, 2) for x in os.getloadavg()]
    errors = sum(n for k, n in run.statuses.items() if not k.endswith(" 200"))
    requests = sum(run.statuses.values())
    delta = {t: after[t] - before[t] for t in TABLES}
    retained = delta["terminal_health_history"] + delta["terminal_commands"]
    per_day = retained * 86400 / (elapsed * args.terminals)
    p50, p95, p99 = (round(percentile(run.beat_ms, q), 1) for q in (50, 95, 99))
    print(f"heartbeats {len(run.beat_ms)} in {elapsed:.1f} s ({len(run.beat_ms) / elapsed:.0f}/s), "
          f"p50 {p50} ms  p95 {p95} ms  p99 {p99} ms  max {max(run.beat_ms):.1f} ms", flush=True)  # fmt: skip
    print(f"inside central (its access log): p50 {percentile(inside, 50):.1f} ms  p99 "
          f"{percentile(inside, 99):.1f} ms; the load generator used {client_cpu / elapsed:.0%} "
          f"of a core", flush=True)  # fmt: skip
    print(f"CPU per request: central workers {per_request['central']:.2f} ms, PostgreSQL "
          f"{per_request['postgres']:.2f} ms, load generator {client_cpu * 1000 / served:.2f} ms",
          flush=True)  # fmt: skip
    print(f"by reason {dict(run.kinds)}; commands delivered {run.delivered}, results "
          f"{len(run.result_ms)} (p99 {percentile(run.result_ms, 99):.1f} ms)", flush=True)  # fmt: skip
    print(f"errors {errors} of {requests} requests; statuses {dict(run.statuses)}", flush=True)
    print(f"database: history rows +{rows_after - rows_before}; bytes history "
          f"+{delta['terminal_health_history']}, commands +{delta['terminal_commands']} -> "
          f"{per_day:.0f} B per terminal-day (x86400/(s x terminals)); terminal_health "
          f"{before['terminal_health']} -> {after['terminal_health']} (in place, not extrapolated; HOT updates {hot}); "
          f"load average {load}", flush=True)  # fmt: skip
    print(json.dumps({
        "metric": "heartbeat_p99",
        "value": p99,
        "unit": "ms",
        "target": TARGET_P99_MS,
        "ratio": round(p99 / TARGET_P99_MS, 3),
        "errors": errors,
        "requests": requests,
        "db_growth_bytes_per_terminal_day": round(per_day),
        "heartbeats": len(run.beat_ms),
        "heartbeat_p50_ms": p50,
        "heartbeat_p95_ms": p95,
        "heartbeats_per_s": round(len(run.beat_ms) / elapsed, 1),
        "result_p99_ms": round(percentile(run.result_ms, 99), 1),
        "server_p50_ms": round(percentile(inside, 50), 1),
        "server_p99_ms": round(percentile(inside, 99), 1),
        "client_cpu_share": round(client_cpu / elapsed, 3),
        "cpu_ms_per_request": {
            "central": round(per_request["central"], 2),
            "postgres": round(per_request["postgres"], 2),
            "client": round(client_cpu * 1000 / served, 2),
        },
        "by_reason": dict(run.kinds),
        "commands_delivered": run.delivered,
        "history_rows_added": rows_after - rows_before,
        "terminal_health_hot_update_share": hot,
        "table_bytes_before": before,
        "table_bytes_after": after,
        "terminals": args.terminals,
        "seconds": round(elapsed, 1),
        "workers": args.workers,
        "load_average": load,
    }, ensure_ascii=False))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
