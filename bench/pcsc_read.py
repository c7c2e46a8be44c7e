"""Bench: PC/SC card reads through a real pcscd, from insertion to the card's identity.

Starts a private pcscd with vsmartcard's vpcd (tests/support/pcsc.py: its own mount
namespace, so a system pcscd is never touched), opens PcscCardReader on the first vpcd
reader and, for each card type, puts the virtual card in INSERTIONS times and takes it out
again. Per insertion the timeline is:

    insert     VirtualCard.insert() returned
    connected  the card's TCP connection to vpcd is up (the card is "in the slot")
    detected   the driver published CardInserted (pcscd polls vpcd every ~400 ms: this
               part is pcscd's polling delay, not the driver's)
    read       the driver published SmartCardRead (connect, the APDUs, disconnect)

and the figures are: detection = detected - connected, read = read - detected, total =
read - insert (insertion -> identity), the APDUs the card answered per read (counted by
the virtual card). Each insertion comes at a random point of pcscd's polling period, as a
citizen's card would, so detection spreads over 0..400 ms. Needs root (pcscd binds its socket directory over /run/pcscd).

    .venv/bin/python bench/pcsc_read.py [--insertions 20] [--cards zhang_san_ssse,...]

The last line printed is one JSON object: metric pcsc_read_ms is the median
insertion -> identity of the social security card. The issue sets no target for it.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

# First: it points libpcsclite at the private pcscd's socket before any SCard call.
from tests.support.pcsc import (  # noqa: E402, I001
    Pcscd,
    PcscdError,
    pcscd_unavailable_reason,
    start_pcscd,
    stop_pcscd,
)
from drivers.events import (  # noqa: E402
    CardInserted,
    DeviceEvent,
    ReadFailed,
    SmartCardRead,
    SmartCardRemoved,
    StatusChanged,
)
from drivers.pcsc.reader import PcscCardReader  # noqa: E402
from drivers.pcsc.vcard_card import VirtualCard  # noqa: E402
from drivers.status import DeviceState  # noqa: E402

# card type -> demo card (drivers/pcsc/vcards.toml)
CARD_TYPES = {
    "bank_qpboc": "zhang_san_qpboc",     # contactless: PPSE, PDOL, GPO format 2
    "bank_pboc": "zhang_san_pboc",       # contact T=0: PSE, 61xx + GET RESPONSE
    "social_security": "zhang_san_ssse",
    "staff": "staff_tech",               # CPU card with the Tongban staff application
}
METRIC_TYPE = "social_security"
OUT_S = 0.6      # VpcdLink keeps a removed card out 0.5 s; after that insert() connects at once
POLL_S = 0.4     # pcscd's polling period of vpcd (IFD handler without an event thread)
EVENT_TIMEOUT = 10.0


@dataclass
class Insertion:
    insert: float
    connected: float
    detected: float
    read: float
    apdus: int

    @property
    def connect_ms(self) -> float:
        return (self.connected - self.insert) * 1000

    @property
    def detection_ms(self) -> float:
        return (self.detected - self.connected) * 1000

    @property
    def read_ms(self) -> float:
        return (self.read - self.detected) * 1000

    @property
    def total_ms(self) -> float:
        return (self.read - self.insert) * 1000


@dataclass
class Timeline:
    """Event times, taken on the driver's threads as the events are published."""

    cond: threading.Condition = field(default_factory=threading.Condition)
    detected: float | None = None
    read: float | None = None
    removed: bool = False
    failed: str | None = None
    online: bool = False

    def on_event(self, event: DeviceEvent) -> None:
        now = time.perf_counter()
        with self.cond:
            if isinstance(event, CardInserted):
                self.detected = now
            elif isinstance(event, SmartCardRead):
                self.read = now
                wipe = getattr(event.card, "wipe", None)
                if wipe is not None:
                    wipe()                # the bench keeps no card data
            elif isinstance(event, ReadFailed):
                self.failed = event.error.code.value
            elif isinstance(event, SmartCardRemoved):
                self.removed = True
            elif isinstance(event, StatusChanged):
                self.online = event.status.state is DeviceState.ONLINE
            self.cond.notify_all()

    def reset(self) -> None:
        with self.cond:
            self.detected = self.read = self.failed = None
            self.removed = False

    def wait(self, what: str, timeout: float = EVENT_TIMEOUT) -> bool:
        with self.cond:
            return self.cond.wait_for(
                lambda: bool(getattr(self, what)) or self.failed is not None, timeout)


def insert_once(card: VirtualCard, key: str, timeline: Timeline, phase: float) -> Insertion | str:
    """One insertion ``phase`` seconds into pcscd's polling period (after the removal was
    seen) and its removal; the timeline of it, or why it failed."""
    time.sleep(phase)
    timeline.reset()
    before = card.status().apdus
    card.insert(key)
    inserted = time.perf_counter()
    try:
        if not card.wait_connected(EVENT_TIMEOUT):
            return "vpcd did not take the card"
        connected = time.perf_counter()
        if not timeline.wait("read"):
            return "no SmartCardRead in time"
        if timeline.failed is not None:
            return f"read failed: {timeline.failed}"
        apdus = card.status().apdus - before
        assert timeline.detected is not None and timeline.read is not None
        return Insertion(inserted, connected, timeline.detected, timeline.read, apdus)
    finally:
        card.remove()
        # Removals are seen on a poll tick, so OUT_S later is a fixed point in the period.
        timeline.wait("removed")
        time.sleep(OUT_S)   # vpcd needs the card out a while to see it leave


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


def summarise(runs: list[Insertion], failures: list[str]) -> dict[str, float | int]:
    def figure(values: list[float]) -> tuple[float, float]:
        return round(statistics.median(values), 1), round(p90(values), 1)

    total = figure([r.total_ms for r in runs])
    detection = figure([r.detection_ms for r in runs])
    read = figure([r.read_ms for r in runs])
    apdus = statistics.median(r.apdus for r in runs)
    return {
        "n": len(runs), "failures": len(failures),
        "total_ms": total[0], "total_p90_ms": total[1],
        "detection_ms": detection[0], "detection_p90_ms": detection[1],
        "read_ms": read[0], "read_p90_ms": read[1],
        "connect_ms": round(statistics.median(r.connect_ms for r in runs), 2),
        "apdus": int(apdus),
    }


def bench(daemon: Pcscd, insertions: int, types: dict[str, str]) -> dict[str, dict[str, float | int]]:
    reader = PcscCardReader("bench", readers=[daemon.reader_names[0]], poll=1.0)
    timeline = Timeline()
    reader.events.subscribe(timeline.on_event)
    card = VirtualCard(None, port=daemon.ports[0], retry_s=0.05)
    card.start()
    reader.open()
    results: dict[str, dict[str, float | int]] = {}
    try:
        with timeline.cond:
            if not timeline.cond.wait_for(lambda: timeline.online, EVENT_TIMEOUT):
                raise PcscdError("the card reader did not come online")
        for name, key in types.items():
            insert_once(card, key, timeline, 0.0)     # warm-up: code paths, pcscd's reader
            # A citizen's card arrives at any point of pcscd's polling period; without a random
            # phase every insertion would land at the same point (the cycle locks onto the
            # ticks). The same phases for every type keep their totals comparable.
            phases = random.Random(1)
            runs: list[Insertion] = []
            failures: list[str] = []
            for _ in range(insertions):
                outcome = insert_once(card, key, timeline, phases.uniform(0, POLL_S))
                if isinstance(outcome, Insertion):
                    runs.append(outcome)
                else:
                    failures.append(outcome)
            if not runs:
                raise PcscdError(f"{name}: no read succeeded ({failures[0]})")
            results[name] = summarise(runs, failures)
            print_type(name, key, results[name])
    finally:
        reader.close()
        card.stop()
    return results


def print_type(name: str, key: str, r: dict[str, float | int]) -> None:
    print(f"{name:>15} ({key}): insertion->identity median {r['total_ms']} ms "
          f"(p90 {r['total_p90_ms']}) = detection {r['detection_ms']} ms (p90 "
          f"{r['detection_p90_ms']}, pcscd polling vpcd) + read {r['read_ms']} ms (p90 "
          f"{r['read_p90_ms']}, {r['apdus']} APDUs); "
          f"{r['n']} reads, {r['failures']} failed", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--insertions", type=int, default=20, help="insertions per card type")
    parser.add_argument("--cards", default=",".join(CARD_TYPES),
                        help=f"card types to measure (default: {','.join(CARD_TYPES)})")
    args = parser.parse_args()
    types = {name: CARD_TYPES.get(name, "") for name in args.cards.split(",") if name}
    unknown = [name for name, key in types.items() if not key]
    if unknown or not types or args.insertions < 1:
        print(f"pcsc_read: unknown card type {', '.join(unknown) or '(none)'} "
              f"(known: {', '.join(CARD_TYPES)}), or --insertions below 1", file=sys.stderr)
        return 2
    if (reason := pcscd_unavailable_reason()):
        print(f"pcsc_read: cannot run a private pcscd: {reason}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.ERROR)    # the driver's info lines are not figures
    try:
        daemon = start_pcscd()
    except PcscdError as err:
        print(f"pcsc_read: {str(err).splitlines()[0]}", file=sys.stderr)
        return 2
    try:
        results = bench(daemon, args.insertions, types)
    except PcscdError as err:
        print(f"pcsc_read: {err}", file=sys.stderr)
        return 1
    finally:
        stop_pcscd(daemon)
    headline = results.get(METRIC_TYPE) or next(iter(results.values()))
    summary = {
        "metric": "pcsc_read_ms", "value": headline["total_ms"], "unit": "ms",
        "card_type": METRIC_TYPE if METRIC_TYPE in results else next(iter(results)),
        "detection_ms": headline["detection_ms"], "read_ms": headline["read_ms"],
        "insertions": args.insertions, "types": results,
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
