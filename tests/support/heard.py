"""The terminal's (or session's) events as a screen would get them, for tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from kiosk.events import KioskEvent

E = TypeVar("E", bound=KioskEvent)
TIMEOUT = 20.0


class Heard:
    """Subscribe it (``source.subscribe(heard)``), then read events by type."""

    def __init__(self, source: Any = None) -> None:
        self._lock = threading.Lock()
        self.items: list[KioskEvent] = []
        if source is not None:
            source.subscribe(self)

    def __call__(self, event: KioskEvent) -> None:
        with self._lock:
            self.items.append(event)

    def mark(self) -> int:
        with self._lock:
            return len(self.items)

    def of(self, kind: type[E], since: int = 0) -> list[E]:
        with self._lock:
            return [e for e in self.items[since:] if isinstance(e, kind)]

    def wait(self, kind: type[E], since: int = 0, where: Callable[[E], bool] = lambda e: True,
             timeout: float = TIMEOUT) -> E:
        """The first ``kind`` event after ``since`` that satisfies ``where``; the timeout
        only catches a hang (the test is driven by the event arriving)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.of(kind, since) if where(e)]
            if found:
                return found[0]
            assert time.monotonic() < deadline, f"no {kind.__name__} event in {timeout:g}s"
            time.sleep(0.02)
