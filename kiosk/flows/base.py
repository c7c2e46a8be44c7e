"""What every flow shares: listeners, background work off the caller's thread, the wipe."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Runner = Callable[[Callable[[], None]], None]


def thread_runner(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="flow work", daemon=True).start()


def inline_runner(work: Callable[[], None]) -> None:
    """For tests and command-line use: do the work on the calling thread."""
    work()


class Flow:
    """Listeners are told "something changed" from whatever thread changed it."""

    def __init__(self, runner: Runner = thread_runner) -> None:
        self._runner = runner
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.RLock()
        self._generation = 0  # bumped by wipe(): late results of old work are dropped
        self._idle = threading.Event()
        self._idle.set()

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                log.exception("flow listener failed")

    def _background(self, work: Callable[[], None]) -> None:
        generation = self._generation
        self._idle.clear()

        def run() -> None:
            try:
                if generation == self._generation:
                    work()
            except Exception:  # a flow bug must end in an error state, not a dead thread
                log.exception("flow work failed")
                self._fail("internal")
            finally:
                self._idle.set()
                self._changed()

        self._runner(run)

    def wait_idle(self, timeout: float) -> bool:
        return self._idle.wait(timeout)

    def _fail(self, code: str) -> None:  # overridden by flows
        raise NotImplementedError

    def wipe(self) -> None:
        with self._lock:
            self._generation += 1
