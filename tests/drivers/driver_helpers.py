"""Shared helpers of the driver tests (imported by conftest and the test modules)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from drivers.events import DeviceEvent, EventHub, StatusChanged
from drivers.idcard.reader import SamSerialReader
from drivers.status import DeviceState

E = TypeVar("E", bound=DeviceEvent)

# Fast settings so fault paths (timeouts, reconnects) stay quick; 115200 baud pacing stays.
FAST = {
    "timeout": 0.2,
    "poll_interval": 0.02,
    "presence_interval": 0.03,
    "reconnect_interval": 0.1,
}


class EventRecorder:
    """Collects a hub's events and waits for them, with a timeout."""

    def __init__(self, hub: EventHub) -> None:
        self.events: list[DeviceEvent] = []
        self._cond = threading.Condition()
        self._unsubscribe = hub.subscribe(self._on_event)

    def _on_event(self, event: DeviceEvent) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def mark(self) -> int:
        with self._cond:
            return len(self.events)

    def of(self, kind: type[E], since: int = 0) -> list[E]:
        with self._cond:
            return [e for e in self.events[since:] if isinstance(e, kind)]

    def wait_for(
        self,
        kind: type[E],
        timeout: float = 5.0,
        where: Callable[[E], bool] = lambda e: True,
        since: int = 0,
    ) -> E:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events[since:]:
                    if isinstance(event, kind) and where(event):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    names = [type(e).__name__ for e in self.events[since:]]
                    raise AssertionError(f"no {kind.__name__} within {timeout} s; saw {names}")
                self._cond.wait(remaining)

    def wait_state(self, state: DeviceState, timeout: float = 5.0, since: int = 0) -> StatusChanged:
        return self.wait_for(
            StatusChanged, timeout, lambda e: e.status.state is state, since=since
        )

    def close(self) -> None:
        self._unsubscribe()


ReaderFactory = Callable[..., tuple[SamSerialReader, EventRecorder]]
