"""Bench: outbox drain throughput against the real reference central, and duplicates.

Starts `kiosk-central serve` on 127.0.0.1 with a SQLite database (seeded, one terminal
enrolled through the real enrollment), queues COUNT submissions in a terminal's outbox
(committed locally: WAL, synchronous=FULL, payload encrypted), then runs the outbox worker
in this process until nothing is pending. Throughput is delivered submissions per second
of drain; duplicates are counted in central's database (rows minus distinct local
receipts, and minus distinct idempotency keys): they must be 0.

    .venv/bin/python bench/outbox_drain.py [--count 10000] [--concurrency 8] [--central-workers 1]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from kiosk.central_api import Applicant, ApplicationRequest, MaterialRef  # noqa: E402
from kiosk.central_api.enroll import enroll  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.outbox import open_outbox  # noqa: E402
from kiosk.store import open_store  # noqa: E402
from tests.support.real_central import PENSION_FORM, PENSION_ITEM, RealCentral, seed_person  # noqa: E402


def group_cpu_s(pgid: int) -> float:
    """CPU seconds used so far by the live processes of a process group (Linux /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:          # pgrp
            total += int(fields[11]) + int(fields[12])   # utime + stime
    return total / os.sysconf("SC_CLK_TCK")


def request() -> ApplicationRequest:
    citizen = seed_person()
    return ApplicationRequest(
        item_code=PENSION_ITEM,
        applicant=Applicant(kind="person", id_number=citizen.id_number, name=citizen.name),
        form=dict(PENSION_FORM),
        materials=[MaterialRef(code="M01", source="licence", ref=citizen.licences["hukou"])],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8, help="parallel deliveries in the worker")
    parser.add_argument("--central-workers", type=int, default=1, help="uvicorn workers of central")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="tongban-bench-outbox-"))
    central = RealCentral(folder / "central")
    try:
        central.seed()
        code = central.add_terminal()
        if args.central_workers > 1:
            central.extra_args = ["--workers", str(args.central_workers)]
        central.start()
        site = folder / "kiosk.toml"
        site.write_text(f'profile = "hall"\n[terminal]\ndata_dir = "data"\nterminal_code = "BENCH-0001"\n'
                        f'[central]\nurl = "{central.url}"\n', encoding="utf-8")
        config = load_config(site)
        identity = enroll(config.terminal.data_dir, central.url, code).identity

        with open_store(config.terminal.data_dir) as store:
            box = open_outbox(config, store, concurrency=args.concurrency)
            started = time.monotonic()
            for _ in range(args.count):
                box.submit_application(request())
            queue_s = time.monotonic() - started
            print(f"queued {args.count} submissions in {queue_s:.1f} s ({args.count / queue_s:.0f}/s, "
                  f"one durable transaction each)", flush=True)

            assert central.process is not None
            central_cpu0, terminal_cpu0 = group_cpu_s(central.process.pid), time.process_time()
            started = time.monotonic()
            box.start()
            last = started
            while True:
                status = box.status()
                if status.pending == 0:
                    break
                if time.monotonic() - last >= 5:
                    last = time.monotonic()
                    print(f"  delivered {status.delivered}, pending {status.pending}, failed {status.failed}",
                          flush=True)
                time.sleep(0.25)
            drain_s = time.monotonic() - started
            central_cpu = group_cpu_s(central.process.pid) - central_cpu0
            terminal_cpu = time.process_time() - terminal_cpu0
            box.stop()
            final = box.status()

        (rows, receipts, keys), = central.query(
            "SELECT count(*), count(DISTINCT local_receipt), count(DISTINCT idempotency_key) "
            "FROM applications WHERE terminal_id = ?", identity.terminal_id)
        duplicates = max(int(rows) - int(receipts), int(rows) - int(keys))  # type: ignore[call-overload]
        throughput = final.delivered / drain_s
        print(f"drained {final.delivered} in {drain_s:.1f} s: {throughput:.0f} submissions/s "
              f"(worker concurrency {args.concurrency}, central: 1 uvicorn process x{args.central_workers}, "
              f"SQLite); failed {final.failed}")
        per = 1000 / max(final.delivered, 1)
        print(f"CPU per submission: central {central_cpu * per:.1f} ms, terminal {terminal_cpu * per:.1f} ms "
              f"(this machine has {os.cpu_count()} CPUs; both sides share them)")
        print(f"central holds {rows} applications from {identity.terminal_id}, "
              f"{receipts} distinct receipts, {keys} distinct keys: duplicates {duplicates}, "
              f"missing {args.count - int(receipts)}")  # type: ignore[call-overload]
        ok = duplicates == 0 and int(receipts) == args.count and final.failed == 0  # type: ignore[call-overload]
        print(json.dumps({
            "metric": "outbox_drain_throughput", "value": round(throughput, 1), "unit": "submissions/s",
            "duplicates": duplicates, "count": args.count, "delivered": final.delivered,
            "failed": final.failed, "missing": args.count - int(receipts),  # type: ignore[call-overload]
            "drain_s": round(drain_s, 1),
            "central_cpu_ms": round(central_cpu * per, 2), "terminal_cpu_ms": round(terminal_cpu * per, 2), "queue_s": round(queue_s, 1), "concurrency": args.concurrency,
            "central": f"kiosk-central serve, SQLite, {args.central_workers} worker(s)",
        }))
        return 0 if ok else 1
    finally:
        central.stop()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
