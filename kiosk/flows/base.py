"""What every flow shares: listeners, background work off the caller's thread, the wipe.

The citizen's clear card fields are never captured by background work: a closure keeps what
it captured for as long as its thread runs, which may be past the session's wipe (central
answering slowly, a delivery wait). Work asks ``_card_now(generation)`` at the moment it
needs them and gets None once the session that started it has ended.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..privacy import card_fields

if TYPE_CHECKING:
    from ..session import Session

log = logging.getLogger(__name__)

Runner = Callable[[Callable[[], None]], None]
KEEP_ALIVE_S = 5.0


@contextmanager
def keeping_alive(touch: Callable[[], None], every: float = KEEP_ALIVE_S) -> Iterator[None]:
    """Touch the session every ``every`` seconds while a long wait runs (a print job the
    citizen is watching must not run into the idle timeout and wipe the session)."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(every):
            touch()

    thread = threading.Thread(target=beat, name="session keep-alive", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()


def thread_runner(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="flow work", daemon=True).start()


def inline_runner(work: Callable[[], None]) -> None:
    """For tests and command-line use: do the work on the calling thread."""
    work()


class Flow:
    """Listeners are told "something changed" from whatever thread changed it."""

    _session: Session  # the session the flow serves (set by each flow)

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

    def _require_card(self) -> None:
        """For intents: raise when nobody is identified (a flow runs for a citizen only)."""
        if self._session.card is None:
            raise RuntimeError(f"{type(self).__name__} needs an identified session")

    def _card_now(self, generation: int) -> dict[str, str] | None:
        """The citizen's clear card fields, for work started in ``generation``: None once the
        flow was wiped (the session ended) or nobody is identified. Fetch them where they are
        used and keep them no longer than that call."""
        with self._lock:
            if generation != self._generation:
                return None
            card = self._session.card
            return card_fields(card, unmask=True) if card is not None else None

    def wait_idle(self, timeout: float) -> bool:
        return self._idle.wait(timeout)

    def _fail(self, code: str) -> None:  # overridden by flows
        raise NotImplementedError

    def wipe(self) -> None:
        with self._lock:
            self._generation += 1
