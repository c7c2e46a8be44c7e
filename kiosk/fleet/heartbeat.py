"""The heartbeat's clock (docs/fleet.md §1): one thread that beats at start, every period
± 10 % (a fleet restarted together after a region's power cut must not beat in step), and
soon after something worth telling — a device's status changed, a command finished —
with such nudges coalesced to at most one beat per 2 s (a printer flapping between
"paper low" and "out" does not flood central).

What a beat does is the caller's ``beat(reason)`` (kiosk/fleet/service.py): build, send,
read the answer. It must not raise; this loop also survives it if it does. A beat that
fails is not queued anywhere: the next carries the then-current state.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

COALESCE_S = 2.0
JITTER = 0.10
# A nudge for a reason outranks a timer beat; among nudges the first one names the beat.
START, TIMER = "start", "timer"


class HeartbeatLoop:
    def __init__(
        self,
        beat: Callable[[str], None],
        period: Callable[[], float],
        *,
        rng: Callable[[], float] | None = None,
        clock: Callable[[], float] = time.monotonic,
        coalesce_s: float = COALESCE_S,
    ) -> None:
        self._beat = beat
        self._period = period
        self._rng = rng or random.Random().random
        self._clock = clock
        self._coalesce = coalesce_s
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._pending: str | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def nudge(self, reason: str) -> None:
        """Beat soon (``device_change``, ``command``): from any thread, returns at once."""
        with self._lock:
            if self._pending is None:
                self._pending = reason
        self._wake.set()

    def next_wait(self) -> float:
        """The period with its jitter: uniform within ±10 %."""
        return self._period() * (1 + JITTER * (2 * self._rng() - 1))

    def _run(self) -> None:
        reason = START
        while not self._stop.is_set():
            try:
                self._beat(reason)
            except Exception:   # the beat logs its own failures; this is a bug's last net
                log.exception("heartbeat failed")
            last = self._clock()
            due = last + self.next_wait()
            reason = self._wait(last, due) or ""
            if not reason:
                return

    def _wait(self, last: float, due: float) -> str | None:
        """The next beat's reason once it is time, None when stopped."""
        while True:
            left = due - self._clock()
            if left <= 0:
                if self._stop.is_set():
                    return None
                self._wake.clear()
                with self._lock:   # a nudge waiting for its gap rides on this beat
                    reason, self._pending = self._pending or TIMER, None
                return reason
            self._wake.wait(left)
            if self._stop.is_set():
                return None
            if not self._wake.is_set():
                continue
            self._wake.clear()
            with self._lock:
                nudged = self._pending is not None
            if not nudged:
                continue
            # At most one beat per coalesce_s: nudges arriving meanwhile join this beat.
            gap = last + self._coalesce - self._clock()
            if gap > 0 and self._stop.wait(gap):
                return None
            self._wake.clear()
            with self._lock:
                taken, self._pending = self._pending or TIMER, None
            return taken
