"""Bench: ID card read latency against the wire time of the read.

Runs the pty simulator at 115200 baud and SamSerialReader in-process. For each of the
placements: place a card, wait for IdentityRead, remove it, wait for CardRemoved. Latency
is place() to IdentityRead; wire time is what the frames of that read need on the line
(the find that found the card, select and read; requests and replies; 10 bits a byte).
Judged by: median latency / median wire time <= 1.5.

    .venv/bin/python bench/idcard_read.py [--placements 50] [--poll-interval 0.05]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from drivers.events import CardRemoved, DeviceEvent, IdentityRead, ReadFailed  # noqa: E402
from drivers.idcard.frames import SW3, Command, wire_seconds  # noqa: E402
from drivers.idcard.reader import SamSerialReader  # noqa: E402
from drivers.idcard.sim_cards import load_cards  # noqa: E402
from drivers.idcard.simulator import Exchange, IdCardSimulator  # noqa: E402
from drivers.status import DeviceState  # noqa: E402

TARGET_RATIO = 1.5
CARD_KEYS = ["zhang_san", "li_si", "wang_wu", "chen_hk", "smith_2017", "mary_2023"]
READ_PART = {
    Command.FIND_CARD: SW3.CARD_FOUND,
    Command.SELECT_CARD: SW3.OK,
    Command.READ_TEXT_PHOTO: SW3.OK,
}


class Timeline:
    """Timestamps of the reader's events, taken on its I/O thread as they are published."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.read_at: float | None = None
        self.removed = False
        self.failed: str | None = None

    def on_event(self, event: DeviceEvent) -> None:
        now = time.monotonic()
        with self._cond:
            if isinstance(event, IdentityRead):
                self.read_at = now
            elif isinstance(event, ReadFailed):
                self.failed = event.error.code.value
            elif isinstance(event, CardRemoved):
                self.removed = True
            self._cond.notify_all()

    def reset(self) -> None:
        with self._cond:
            self.read_at, self.removed, self.failed = None, False, None

    def wait(self, what: str, timeout: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: getattr(self, what) or self.failed is not None, timeout
            )


def read_wire_bytes(exchanges: list[Exchange]) -> int:
    """Bytes of the successful find, select and read of one placement."""
    total = 0
    for command, status in READ_PART.items():
        match = next((e for e in exchanges if e.command == command and e.sw3 == status), None)
        if match is None:
            raise RuntimeError(f"no successful {command.name} recorded for this placement")
        total += match.request_bytes + match.reply_bytes
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--placements", type=int, default=50)
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--poll-interval", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=467)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    timeline = Timeline()
    latencies: list[float] = []
    wires: list[float] = []
    with tempfile.TemporaryDirectory(prefix="idcard-bench-") as tmp:
        sim = IdCardSimulator(load_cards(), baud=args.baud, link=Path(tmp) / "idreader")
        sim.start()
        reader = SamSerialReader(
            "bench", str(sim.link_path), baud=args.baud, poll_interval=args.poll_interval
        )
        reader.events.subscribe(timeline.on_event)
        reader.open()
        try:
            deadline = time.monotonic() + 5
            while reader.status().state is not DeviceState.ONLINE:
                if time.monotonic() > deadline:
                    print(f"reader not online: {reader.status().as_dict()}", file=sys.stderr)
                    return 1
                time.sleep(0.01)
            for run in range(1, args.placements + 1):
                key = CARD_KEYS[(run - 1) % len(CARD_KEYS)]
                # A citizen's card lands at any moment of the poll cycle, not just after one.
                time.sleep(rng.uniform(0, 2 * args.poll_interval))
                timeline.reset()
                sim.place(key)
                placed_at = sim.placed_at
                if not timeline.wait("read_at") or timeline.read_at is None or placed_at is None:
                    print(f"run {run}: no identity ({timeline.failed or 'timeout'})", file=sys.stderr)
                    return 1
                latency = timeline.read_at - placed_at
                wire = wire_seconds(read_wire_bytes(sim.exchanges_since_place()), args.baud)
                latencies.append(latency)
                wires.append(wire)
                sim.remove()
                if not timeline.wait("removed"):
                    print(f"run {run}: card removal not seen", file=sys.stderr)
                    return 1
                print(
                    f"run {run:2d} {key:<11} latency {latency * 1000:6.1f} ms  "
                    f"wire {wire * 1000:6.1f} ms  ratio {latency / wire:4.2f}"
                )
        finally:
            reader.close()
            sim.stop()

    median_latency = statistics.median(latencies)
    median_wire = statistics.median(wires)
    ratio = median_latency / median_wire
    print(
        f"placements {len(latencies)}  poll interval {args.poll_interval * 1000:.0f} ms  "
        f"latency median {median_latency * 1000:.1f} ms (min {min(latencies) * 1000:.1f}, "
        f"max {max(latencies) * 1000:.1f})  wire median {median_wire * 1000:.1f} ms"
    )
    print(f"ratio {ratio:.3f} (target <= {TARGET_RATIO}): {'PASS' if ratio <= TARGET_RATIO else 'FAIL'}")
    print(
        json.dumps(
            {
                "metric": "idcard_read_latency_ratio",
                "value": round(median_latency * 1000, 2),
                "unit": "ms",
                "ratio": round(ratio, 3),
                "target": TARGET_RATIO,
                "wire_ms": round(median_wire * 1000, 2),
                "poll_interval_s": args.poll_interval,
                "placements": len(latencies),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
