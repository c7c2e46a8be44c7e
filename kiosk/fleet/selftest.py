"""The proof a freshly started version (or configuration) works: docs/fleet.md §3, §4.

A new version reports success only after the terminal proved itself, not when the install
finished (hawkBit reports success too early: hawkbit #3185, rauc-hawkbit-updater #161).
Four proofs, each recorded when it first arrives:

- ``devices``: the terminal opened every configured device, and each device expected ready
  (``expected[name]`` True: it was ready before the switch) is ready again; an expected
  device that is no longer configured never proves;
- ``ui``: the app drew its first frame (``Terminal.ui_drawn()``);
- ``central``: central answered a heartbeat;
- ``outbox``: no submission failed permanently since the start and the queue is no deeper
  than it was then. A new permanent failure fails the check at once instead of waiting.

``wait()`` blocks the caller (the update or config service's own thread, never the UI) until
the proofs it needs arrived or the deadline passed; device and outbox state are read from
memory and the store, every quarter second and whenever something is marked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from drivers.status import DeviceStatus
from kiosk.outbox_rows import OutboxStatus

CHECKS: tuple[str, ...] = ("devices", "ui", "central", "outbox")
POLL_S = 0.25


@dataclass(frozen=True)
class _Baseline:
    failed: int
    pending: int


class SelfTest:
    def __init__(
        self,
        statuses: Callable[[], Mapping[str, DeviceStatus]],
        outbox_status: Callable[[], OutboxStatus],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._statuses = statuses
        self._outbox_status = outbox_status
        self._clock = clock
        self._cond = threading.Condition()
        self._started_at: float | None = None
        self._opened = False
        self._expected: dict[str, bool] = {}
        self._baseline: _Baseline | None = None
        self._proofs: dict[str, float] = {}
        self._outbox_failed = False

    # -- what the terminal tells it ----------------------------------------------------------
    def started(self) -> None:
        """Terminal.start() opened the devices and the outbox runs: the clock of the proofs
        starts and the outbox's counts now are the baseline."""
        status = self._outbox_status()
        with self._cond:
            self._started_at = self._clock()
            self._opened = True
            self._baseline = _Baseline(status.failed, status.pending)
            self._cond.notify_all()

    def expect(self, expected: Mapping[str, bool]) -> None:
        """The devices' readiness before the switch (device name -> ready then)."""
        with self._cond:
            self._expected = dict(expected)
            self._proofs.pop("devices", None)
            self._cond.notify_all()

    def ui_drawn(self) -> None:
        self._mark("ui")

    def central_answered(self) -> None:
        self._mark("central")

    def nudge(self) -> None:
        """Something changed (a device's status): look again now."""
        with self._cond:
            self._cond.notify_all()

    def _mark(self, check: str) -> None:
        with self._cond:
            self._proofs.setdefault(check, self._clock())
            self._cond.notify_all()

    # -- what the update / config service asks ------------------------------------------------
    def proofs(self) -> dict[str, float | None]:
        """Seconds after the start at which each proof arrived (None: not yet)."""
        self._observe()
        with self._cond:
            start = self._started_at or 0.0
            return {c: (round(self._proofs[c] - start, 3) if c in self._proofs else None)
                    for c in CHECKS}

    def wait(self, deadline_s: float, need: Iterable[str] = CHECKS,
             expected: Mapping[str, bool] | None = None) -> str | None:
        """Block until every check in ``need`` has its proof (None) or ``deadline_s``
        seconds from now passed: the name of the first check, in ``CHECKS`` order, that
        failed. ``outbox`` fails before the deadline when a submission failed permanently.
        ``expected`` is this waiter's own (an update's trial and a configuration's trial
        may wait at once, each with the readiness it saw before its switch); without it,
        the one given to ``expect()``."""
        wanted = [c for c in CHECKS if c in set(need)]
        unknown = set(need) - set(CHECKS)
        if unknown:
            raise ValueError(f"unknown self-test checks: {sorted(unknown)}")
        own = dict(expected) if expected is not None else None
        own_devices = False
        end = self._clock() + deadline_s
        while True:
            self._observe()
            if own is not None and "devices" in wanted and not own_devices:
                own_devices = self._devices_ready(own)
            with self._cond:
                if "outbox" in wanted and self._outbox_failed and "outbox" not in self._proofs:
                    return "outbox"
                proven = set(self._proofs)
                if own is not None:
                    proven.discard("devices")
                    if own_devices:
                        proven.add("devices")
                missing = [c for c in wanted if c not in proven]
                if not missing:
                    return None
                left = end - self._clock()
                if left <= 0:
                    return missing[0]
                self._cond.wait(min(POLL_S, left))

    def _devices_ready(self, expected: Mapping[str, bool]) -> bool:
        """Every configured device opened, and each expected ready is ready."""
        with self._cond:
            if not self._opened:
                return False
        statuses = self._statuses()
        return all(name in statuses and (statuses[name].ready or not ready)
                   for name, ready in expected.items())

    def _observe(self) -> None:
        # Device and outbox proofs are conditions on state, looked at from the waiting
        # thread (statuses come from memory; the outbox counts are one small query).
        with self._cond:
            opened, expected, baseline = self._opened, dict(self._expected), self._baseline
            need_devices = opened and "devices" not in self._proofs
            need_outbox = baseline is not None and "outbox" not in self._proofs
        if need_devices and self._devices_ready(expected):
            self._mark("devices")
        if need_outbox and baseline is not None:
            status = self._outbox_status()
            if status.failed > baseline.failed:
                with self._cond:
                    self._outbox_failed = True
            elif status.pending <= baseline.pending:
                self._mark("outbox")
