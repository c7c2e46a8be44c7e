"""The simulated print mechanism: consumes received commands at paper speed, saves receipts.

The receiving side queues every parsed item here and goes on reading; this thread prints
them at ``speed_mm_s`` (8 dot rows a millimetre), so a job takes mechanical time and the
paper can run out in the middle of one. Then what is on the paper is saved as a partial
receipt and print data is dropped until an ``ESC @`` arrives with the printer able to print
again: a real printer stops, and the host is expected to notice through ``DLE EOT`` and print
the job again.

Each cut saves ``receipt-NNNN.png`` and its ``receipt-NNNN.json`` sidecar, both written to a
temporary name and renamed, sidecar first, so whoever watches for PNGs finds complete files
with their sidecar already there.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from .sim_parser import Command, Item
from .sim_render import CUT_COMMANDS, Page, ReceiptRenderer
from .sim_state import PrinterState, in_order_reply

log = logging.getLogger(__name__)

DOTS_PER_MM = 8
SLICE_SECONDS = 0.005   # paper moves (and can run out) in steps this short
_NAME = re.compile(r"^receipt-(\d{4,})(-partial)?\.png$")

Reply = Callable[[bytes], None]
_CHECK = Command("_check_paper", b"", 0)  # queued by notice(): look at the paper now


class Mechanism:
    def __init__(
        self, out_dir: Path, width: int, state: PrinterState, speed_mm_s: float = 0.0,
        paper_name: str = "",
    ) -> None:
        if speed_mm_s < 0:
            raise ValueError("speed must not be negative")
        self.out_dir = out_dir
        self._state = state
        self._paper_name = paper_name
        self._rows_per_s = speed_mm_s * DOTS_PER_MM
        self._slice_rows = max(1, round(self._rows_per_s * SLICE_SECONDS))
        self._renderer = ReceiptRenderer(width)
        self._queue: queue.Queue[tuple[Item, Reply | None]] = queue.Queue()
        self._cond = threading.Condition()
        self._pending = 0
        self._saved: list[Path] = []
        self._taken = 0           # receipts already handed out by wait_receipt
        self._job_bytes = 0
        self._discarded = 0
        self._stopped = False     # job cut short: drop data until ESC @
        self._clock = 0.0         # when the paper has finished moving (pacing)
        self._next_seq = 1
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._next_seq = _last_sequence(self.out_dir) + 1
        self._halt.clear()
        self._thread = threading.Thread(target=self._run, name="printer-sim mechanism", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._halt.set()
        self._queue.put((_CHECK, None))  # wake the thread now rather than at its next poll
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None

    # -- the receiving side's interface -------------------------------------------------

    def submit(self, item: Item, reply: Reply | None = None) -> None:
        with self._cond:
            self._pending += 1
        self._queue.put((item, reply))

    def notice(self) -> None:
        """The paper or cover changed: a job under way stops at once if it must."""
        self.submit(_CHECK)

    # -- what tests and the console read ------------------------------------------------

    @property
    def discarded_bytes(self) -> int:
        return self._discarded

    def receipts(self) -> list[Path]:
        with self._cond:
            return list(self._saved)

    def wait_receipt(self, timeout: float = 10.0) -> Path:
        """The next receipt not yet returned by this method; TimeoutError after ``timeout``."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._saved) > self._taken, timeout):
                raise TimeoutError(f"no receipt within {timeout} s")
            path = self._saved[self._taken]
            self._taken += 1
            return path

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once everything received has been printed (or dropped)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout)

    # -- the mechanism thread -----------------------------------------------------------

    def _run(self) -> None:
        while not self._halt.is_set():
            try:
                item, reply = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                self._process(item, reply)
            except Exception:  # a simulator bug must show in the log, not kill the printer
                log.exception("printer simulator failed on %r", item)
            finally:
                with self._cond:
                    self._pending -= 1
                    self._cond.notify_all()

    def _process(self, item: Item, reply: Reply | None) -> None:
        name = item.name if isinstance(item, Command) else "text"
        if item is _CHECK:
            if not self._stopped and not self._state.snapshot().can_print and self._renderer.height:
                self._stop_job()
            return
        if self._stopped:
            if name == "init" and self._state.snapshot().can_print:
                self._stopped = False
                self._state.set_stopped(False)
            else:
                self._discarded += item.size
                return
        self._job_bytes += item.size
        if reply is not None and isinstance(item, Command):
            answer = in_order_reply(name, item.params, self._state.snapshot())
            if answer is not None:
                reply(answer)
        before = self._renderer.height
        self._renderer.apply(item)
        added = self._renderer.height - before
        if added:
            printed = self._advance(added)
            if printed < added:
                self._renderer.truncate(before + printed)
                self._stop_job()
                return
        if name in CUT_COMMANDS:
            if not self._renderer.height:
                self._job_bytes = 0  # a cut with nothing printed since the last one
            elif self._state.snapshot().can_print:
                self._save(self._renderer.take_page(), completed=True)
            else:
                self._stop_job()

    def _advance(self, rows: int) -> int:
        """Move the paper ``rows`` rows at mechanism speed; returns how many got printed."""
        if self._rows_per_s <= 0:
            return self._state.consume(rows)
        printed = 0
        self._clock = max(self._clock, time.monotonic())
        while printed < rows:
            step = min(self._slice_rows, rows - printed)
            done = self._state.consume(step)
            printed += done
            self._clock += done / self._rows_per_s
            delay = self._clock - time.monotonic()
            if delay > 0 and self._halt.wait(delay):
                return rows  # shutting down: no partial receipt for that
            if done < step:
                break
        return printed

    def _stop_job(self) -> None:
        if self._renderer.height:
            self._save(self._renderer.take_page(), completed=False)
        else:
            self._renderer.take_page()
        self._job_bytes = 0
        self._stopped = True
        self._state.set_stopped(True)
        log.info("printer simulator: job stopped (paper out / cover open / fault)")

    def _save(self, page: Page, completed: bool) -> None:
        seq = self._next_seq
        self._next_seq += 1
        stem = f"receipt-{seq:04d}" + ("" if completed else "-partial")
        png = self.out_dir / f"{stem}.png"
        sidecar = {
            "sequence": seq, "image": png.name, "completed": completed,
            "bytes": self._job_bytes, "rows": page.image.height, "width": page.image.width,
            "paper": self._paper_name, "lines": page.lines, "qr_codes": page.qr_codes,
            "barcodes": page.barcodes, "saved_at": datetime.now(UTC).isoformat(),
        }
        self._job_bytes = 0
        _write_atomic(self.out_dir / f"{stem}.json",
                      lambda f: f.write(json.dumps(sidecar, ensure_ascii=False, indent=1).encode()))
        _write_atomic(png, lambda f: page.image.save(f, format="PNG"))
        with self._cond:
            self._saved.append(png)
            self._cond.notify_all()
        log.info("printer simulator: saved %s", png.name)


def _write_atomic(path: Path, write: Callable[[BinaryIO], object]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _last_sequence(out_dir: Path) -> int:
    """Numbering goes on after receipts a previous run left in the directory."""
    numbers = [int(m.group(1)) for p in out_dir.iterdir() if (m := _NAME.match(p.name))]
    return max(numbers, default=0)

