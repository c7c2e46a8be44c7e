"""Bench: 200 simulated terminals through a 3-wave rollout, 5 % of them failing their
self-test (issue 13 §6).

`kiosk-central serve --workers 2` on a fresh database (SQLite by default; `--backend
postgresql` a private durable cluster), its TUF repository initialised, release 0.3.0
published from a bundle built here per docs/fleet.md §4, N terminals enrolled (each signs
its requests with its own Ed25519 key, as a real terminal does) running 0.2.0, and a
rollout started with waves 5,30,100 and error threshold 0.04. The fleet clock (the demo's,
TONGBAN_CENTRAL_DEMO=1) reads a Monday 22:00, inside every update window.

Each simulated terminal heartbeats in rounds; given an offer it refreshes python-tuf's
Updater against central's /updates routes (its own trusted metadata: every terminal
verifies root, timestamp, snapshot and targets itself), downloads and verifies the target,
then reports `trial`, then `committed` on the new version, or, for the failing 5 %,
`rolled_back` with `self_test_failed:devices` and keeps reporting the OLD version. The
failing terminals are drawn by `--seed` from waves 2 and 3 (4 and 6 of them), so wave 2
(50 terminals, threshold 0.04 -> at most 2 failures) pauses the rollout.

Checked: the rollout paused at wave 2 by itself, every failed terminal's last heartbeat
(central's terminal_health) says the old version, and each terminal's outcome here matches
its rollout target and the counts of `rollout status`. The last line is one JSON object;
`value` counts the mismatches (0 expected).

    .venv/bin/python bench/update_rollout.py [--terminals 200] [--seed 13] [--backend sqlite]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import random
import sys
import tarfile
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout
sys.path.insert(0, str(REPO / "bench"))

from central_load import central, database  # noqa: E402
from sqlalchemy import create_engine, insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from tuf.api import exceptions  # noqa: E402
from tuf.ngclient import FetcherInterface, Updater  # noqa: E402

from central.migrate import upgrade  # noqa: E402
from central.models import Terminal  # noqa: E402
from central.models_fleet import TerminalHealth  # noqa: E402
from central.seeding import seed  # noqa: E402
from central.timeutil import utcnow  # noqa: E402
from central.updates import rollouts  # noqa: E402
from central.updates.releases import publish_release  # noqa: E402
from central.updates.repository import RepoPaths, init_repository  # noqa: E402
from central.updates.windows import set_clock  # noqa: E402
from tests.support.signer import TerminalKey  # noqa: E402

OLD, NEW = "0.2.0", "0.3.0"
MONDAY_NIGHT = datetime.fromisoformat("2025-12-08T22:00:00+08:00")


def bundle(directory: Path, version: str) -> Path:
    """A small valid bundle per docs/fleet.md §4 (a wheel-shaped file; central's side)."""
    lock = b"httpx==0.28.1\n"
    wheel = f"tongban_kiosk-{version}-py3-none-any.whl"
    manifest = {
        "format": 1,
        "name": "tongban-kiosk",
        "version": version,
        "python": "3.11",
        "wheel": wheel,
        "lock_hash": hashlib.sha256(lock).hexdigest(),
    }
    path = directory / f"tongban-kiosk-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in (
            ("manifest.json", json.dumps(manifest).encode()),
            ("requirements.lock", lock),
            (f"wheels/{wheel}", b"PK\x05\x06" * 64),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


class Fetcher(FetcherInterface):
    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def _fetch(self, url: str) -> Any:
        response = self.client.get(url)
        if response.status_code != 200:
            raise exceptions.DownloadHTTPError(url, response.status_code)
        return iter([response.content])


@dataclass
class Sim:
    terminal_id: str
    key: Any
    fails: bool
    running: str = OLD
    state: str = "idle"
    target: str | None = None
    reason: str = ""
    offers: int = 0
    verified: bool = False
    history: list[str] = field(default_factory=list)


def heartbeat(client: httpx.Client, base: str, sim: Sim) -> dict[str, Any]:
    body = {
        "sent_at": datetime.now().astimezone().isoformat(),
        "reason": "timer",
        "software_version": sim.running,
        "uptime_s": 60,
        "free_disk_mb": 20480,
        "outbox": {"depth": 0},
        "update": {
            "state": sim.state,
            "version": sim.running,
            "target_version": sim.target,
            "reason": sim.reason,
        },
    }
    raw = json.dumps(body).encode()
    path = "/api/v1/terminals/heartbeat"
    headers = {
        "Content-Type": "application/json",
        **sim.key.sign(sim.terminal_id, "POST", path, raw),
    }
    answer = client.post(f"{base}{path}", content=raw, headers=headers)
    answer.raise_for_status()
    return dict(answer.json())


def step(client: httpx.Client, base: str, sim: Sim, root: bytes, work: Path) -> bool:
    """One heartbeat and what the terminal does with its answer; whether anything moved."""
    answer = heartbeat(client, base, sim)
    offer = answer.get("update")
    if sim.state == "trial":  # the self-test's verdict, reported on the next heartbeat
        if sim.fails:
            sim.running, sim.state, sim.reason = OLD, "rolled_back", "self_test_failed:devices"
        else:
            sim.state, sim.target = "committed", None
        sim.history.append(sim.state)
        return True
    if offer is None or sim.state != "idle":
        return False
    sim.offers += 1
    tuf = Updater(
        metadata_dir=str(_dir(work / sim.terminal_id / "meta")),
        metadata_base_url=f"{base}/updates/metadata/",
        target_dir=str(_dir(work / sim.terminal_id / "targets")),
        target_base_url=f"{base}/updates/targets/",
        fetcher=Fetcher(client),
        bootstrap=root,
    )
    tuf.refresh()
    info = tuf.get_targetinfo(offer["target"])
    if info is None or info.custom.get("version") != offer["version"]:
        raise RuntimeError(f"{sim.terminal_id}: the offered target is not in the signed targets")
    tuf.download_target(info)  # length and SHA-256 checked by python-tuf
    sim.verified = True
    sim.running, sim.state, sim.target = offer["version"], "trial", offer["version"]
    sim.history.append("trial")
    return True


def _dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def enrolled(engine: Any, count: int) -> dict[str, TerminalKey]:
    """N terminals as enrollment leaves them (the enroll route is rate limited per client,
    one bench client cannot enroll 200 at once): each with its own Ed25519 key."""
    keys = {f"T-{n:04d}": TerminalKey.generate() for n in range(1, count + 1)}
    with engine.begin() as conn:
        conn.execute(
            insert(Terminal),
            [
                {
                    "terminal_id": t,
                    "public_key": k.public_b64,
                    "hall_name": f"压测大厅{n % 20:02d}",
                    "region_code": "140500",
                    "profile": "hall",
                    "hostname": f"bench-{n}",
                    "enrolled_at": utcnow(),
                    "revoked": False,
                }
                for n, (t, k) in enumerate(keys.items())
            ],
        )
    return keys


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tongban-rollout-")))
        db_url = stack.enter_context(database(args.backend))
        updates = RepoPaths(tmp / "central" / "updates")
        os.environ["TONGBAN_UPDATES_DIR"] = str(updates.base)
        os.environ["TONGBAN_CENTRAL_DEMO"] = "1"  # the fleet clock counts (the demo's rule)
        upgrade(db_url)
        engine = create_engine(db_url)
        with Session(engine) as session:
            seed(session, utcnow())
        keys = enrolled(engine, args.terminals)
        init_repository(updates, None, utcnow())
        with engine.begin() as conn:
            publish_release(conn, updates.base, bundle(tmp, NEW), NEW, "bench", "bench", utcnow())
            set_clock(conn, MONDAY_NIGHT, utcnow())
        base = stack.enter_context(central(db_url, workers=2))
        with engine.begin() as conn:
            rid = rollouts.start_rollout(
                conn, NEW, "5,30,100", args.threshold, {}, "bench", utcnow()
            )
            waves: dict[int, list[str]] = {}
            for row in rollouts.rollout_targets(conn, rid):
                waves.setdefault(row["wave"], []).append(row["terminal_id"])
        rng = random.Random(args.seed)
        failing = set(rng.sample(sorted(waves[2]), 4) + rng.sample(sorted(waves[3]), 6))
        sims = [Sim(t, key, t in failing) for t, key in keys.items()]
        root = (updates.metadata / "1.root.json").read_bytes()
        rounds = 0
        with httpx.Client(timeout=30) as client, ThreadPoolExecutor(args.threads) as pool:
            while True:
                rounds += 1
                moved = list(
                    pool.map(lambda s: step(client, base, s, root, tmp / "terminals"), sims)
                )
                with engine.connect() as conn:
                    state = rollouts.rollout_status(conn, rid)["state"]
                if not any(moved) and state != "running" or rounds > 20:
                    break
        with engine.connect() as conn:
            status = rollouts.rollout_status(conn, rid)
            targets = {r["terminal_id"]: r for r in rollouts.rollout_targets(conn, rid)}
            reported = dict(
                conn.execute(
                    select(TerminalHealth.terminal_id, TerminalHealth.software_version)
                ).all()
            )
        engine.dispose()
    return judge(sims, status, targets, reported, rounds, time.monotonic() - started, args)


def judge(
    sims: list[Sim],
    status: dict[str, Any],
    targets: dict[str, Any],
    reported: dict[str, str],
    rounds: int,
    elapsed: float,
    args: argparse.Namespace,
) -> dict[str, Any]:
    mismatches: list[str] = []
    expected = {"committed": "committed", "rolled_back": "failed", "idle": "waiting"}
    for sim in sims:
        row = targets[sim.terminal_id]
        if row["state"] != expected.get(sim.state, "?"):
            mismatches.append(f"{sim.terminal_id}: here {sim.state}, central {row['state']}")
        if sim.state == "idle" and sim.offers:
            mismatches.append(f"{sim.terminal_id}: offered but never updated")
    failed = [s for s in sims if s.state == "rolled_back"]
    committed = [s for s in sims if s.state == "committed"]
    on_old = sum(1 for s in failed if reported.get(s.terminal_id) == OLD)
    mismatches += [
        f"{s.terminal_id}: failed but reports {reported.get(s.terminal_id)}"
        for s in failed
        if reported.get(s.terminal_id) != OLD
    ]
    if sum(w["failed"] for w in status["waves"]) != len(failed):
        mismatches.append("status failed count")
    if sum(w["committed"] for w in status["waves"]) != len(committed):
        mismatches.append("status committed count")
    if not all(s.verified for s in sims if s.offers):
        mismatches.append("a terminal updated without python-tuf's verification")
    for line in mismatches[:20]:
        print("MISMATCH", line)
    print("status:", json.dumps(status, ensure_ascii=False))
    return {
        "metric": "rollout_consistency",
        "value": len(mismatches),
        "unit": "mismatches",
        "paused_at_wave": status["current_wave"] if status["state"] == "paused" else None,
        "state": status["state"],
        "pause_reason": status["pause_reason"],
        "failed": len(failed),
        "committed": len(committed),
        "rolled_back_on_old_version": on_old,
        "terminals": len(sims),
        "tuf_verified": sum(1 for s in sims if s.verified),
        "rounds": rounds,
        "backend": args.backend,
        "seed": args.seed,
        "elapsed_s": round(elapsed, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=200)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threshold", type=float, default=0.04)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    result = run(parser.parse_args())
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["value"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
