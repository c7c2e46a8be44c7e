"""What every flow shares: the step and its declared transitions, listeners, background work
off the caller's thread, the identified citizen's fields (never captured by that work), and
the wipe.

A flow is a plain state machine a screen drives and a test or the command line can run
without a window. Each flow declares ``STEPS`` (its StrEnum), ``FIRST`` and
``TRANSITIONS`` (step -> the steps it may move to); every move goes through ``_back_to`` under
the flow's lock and is checked against the table, so a flow cannot wander into a step its
screens do not expect. Work that waits (central, a printer) runs through ``_background``;
its result is applied with ``_apply(generation, ...)``, which drops it if the session ended
(and the flow was wiped) meanwhile.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from kiosk.privacy import card_fields

if TYPE_CHECKING:
    from kiosk.session import Session

log = logging.getLogger(__name__)

Runner = Callable[[Callable[[], None]], None]
KEEP_ALIVE_S = 5.0


class IllegalTransition(RuntimeError):
    """A flow tried a move its transition table does not allow (a bug, never user input)."""


class NotIdentified(RuntimeError):
    """A flow needed the citizen's identity after the session lost it."""


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


@dataclass(frozen=True)
class FlowState:
    """What screens read of a flow besides its own view objects."""

    service_id: str
    step: str
    error: str


@dataclass(frozen=True)
class Handling:
    """One completed service handling, the thing 好差评 rates (一次一评, docs/casework.md
    §8). Nothing personal: an application's number is the most it names."""

    service_id: str
    title: str                          # what was done, e.g. 证明打印：社会保险参保证明
    item_code: str | None = None
    application_number: str | None = None
    local_receipt: str | None = None


class Flow:
    """Listeners are told "something changed" from whatever thread changed it."""

    SERVICE_ID: ClassVar[str] = ""
    FIRST: ClassVar[StrEnum]
    ERROR_STEP: ClassVar[StrEnum | None] = None
    TRANSITIONS: ClassVar[Mapping[Any, frozenset[Any]]] = {}
    KEEPS_ERROR: ClassVar[frozenset[Any]] = frozenset()  # steps entered with the reason kept

    def __init__(self, session: Session | None = None, runner: Runner = thread_runner) -> None:
        self._session = session
        self._runner = runner
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.RLock()
        self._generation = 0  # bumped by wipe(): late results of old work are dropped
        self._idle = threading.Event()
        self._idle.set()
        self.step: Any = self.FIRST
        self.error = ""

    # -- reading ---------------------------------------------------------------------------
    def state(self) -> FlowState:
        with self._lock:
            return FlowState(self.SERVICE_ID, str(self.step), self.error)

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def wait_idle(self, timeout: float) -> bool:
        return self._idle.wait(timeout)

    def completed_handling(self) -> Handling | None:
        """The handling this flow completed (offered for 好差评 when the citizen finishes),
        None while nothing was completed. Flows that complete something override it."""
        return None

    def load(self) -> None:
        """Start the flow's first work (the terminal calls it once the flow is built)."""

    def identity_arrived(self) -> None:
        """A card was read during a flow whose service needs no identity (registry
        ``identify="optional"``): the session lends it until ``Session.drop_identity``.
        Called on the device's thread; must not block. Other flows never get it."""

    # -- steps -----------------------------------------------------------------------------
    def _back_to(self, step: Any, error: str) -> None:
        """Go to ``step`` with ``error`` as the reason to show, if the table allows it."""
        with self._lock:
            if step != self.step and step not in self.TRANSITIONS.get(self.step, frozenset()):
                raise IllegalTransition(f"{type(self).__name__}: {self.step} -> {step}")
            self.step = step
            self.error = error
        self._changed()

    def _set(self, step: Any) -> None:
        """Go to ``step``; the reason shown is cleared unless the step keeps it."""
        self._back_to(step, self.error if step in self.KEEPS_ERROR else "")

    def _fail(self, code: str) -> None:
        if self.ERROR_STEP is None:
            raise IllegalTransition(f"{type(self).__name__} has no error step ({code})")
        with self._lock:
            self.step = self.ERROR_STEP  # any step may fail: the error step is always allowed
            self.error = code
        self._changed()

    def _set_error(self, code: str) -> None:
        """Stay on the step, with a reason to show (a field the citizen must correct)."""
        with self._lock:
            self.error = code
        self._changed()

    def _changed(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                log.exception("flow listener failed")

    # -- work off the caller's thread ------------------------------------------------------
    def _background(self, work: Callable[[], None]) -> None:
        generation = self._generation
        self._idle.clear()

        def run() -> None:
            try:
                if generation == self._generation:
                    work()
            except Exception:  # a flow bug must end in an error state, not a dead thread
                log.exception("flow work failed")
                self._apply(generation, lambda: self._fail("internal"))
            finally:
                self._idle.set()
                self._changed()

        self._runner(run)

    def _apply(self, generation: int, change: Callable[[], object]) -> None:
        with self._lock:
            if generation != self._generation:
                return  # the session ended while the work ran: drop its result
            change()

    # -- the citizen -----------------------------------------------------------------------
    # The citizen's clear card fields are never captured by background work: a closure keeps
    # what it captured for as long as its thread runs, which may be past the session's wipe
    # (central answering slowly, a delivery wait). Work asks ``_card_now(generation)`` at the
    # moment it needs them and gets None once the session that started it has ended.
    def _require_card(self) -> None:
        """For intents: raise when nobody is identified (a flow runs for a citizen only)."""
        if self._session is None or self._session.card is None:
            raise NotIdentified(f"{type(self).__name__} needs an identified session")

    def _card(self) -> dict[str, str]:
        """The identified citizen's fields in the clear, for a call made right now on the
        caller's thread; never kept on the flow."""
        card = self._session.card if self._session is not None else None
        if card is None:
            raise NotIdentified(f"{type(self).__name__} needs an identified session")
        return card_fields(card, unmask=True)

    def _card_now(self, generation: int) -> dict[str, str] | None:
        """The citizen's clear card fields, for work started in ``generation``: None once the
        flow was wiped (the session ended) or nobody is identified. Fetch them where they are
        used and keep them no longer than that call."""
        with self._lock:
            if generation != self._generation or self._session is None:
                return None
            card = self._session.card
            return card_fields(card, unmask=True) if card is not None else None

    def _principal(self) -> dict[str, str]:
        """帮办代办: the principal's fields in the clear (as ``_card``), for a call made
        right now; raises when the session holds no principal."""
        card = self._session.principal if self._session is not None else None
        if card is None:
            raise NotIdentified(f"{type(self).__name__} needs a principal")
        return card_fields(card, unmask=True)

    def _principal_now(self, generation: int) -> dict[str, str] | None:
        """The principal's clear fields for work started in ``generation`` (``_card_now``'s
        rules): None once the flow was wiped or no principal is held."""
        with self._lock:
            if generation != self._generation or self._session is None:
                return None
            card = self._session.principal
            return card_fields(card, unmask=True) if card is not None else None

    def _touch(self) -> None:
        if self._session is not None:
            self._session.touch()

    # -- the end ---------------------------------------------------------------------------
    def wipe(self) -> None:
        """Drop everything of the citizen; subclasses clear their own data after this."""
        with self._lock:
            self._generation += 1
            self.step = self.FIRST
            self.error = ""


def check_table(flow: type[Flow]) -> list[str]:
    """Problems with a flow's declared table (tests run it over every registered flow)."""
    problems = []
    steps = set(type(flow.FIRST))
    for source, targets in flow.TRANSITIONS.items():
        if source not in steps:
            problems.append(f"{source} is not a step")
        problems.extend(f"{source} -> {t}: not a step" for t in targets if t not in steps)
    reachable, frontier = {flow.FIRST}, [flow.FIRST]
    while frontier:
        for target in flow.TRANSITIONS.get(frontier.pop(), frozenset()):
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    if flow.ERROR_STEP is not None:
        reachable.add(flow.ERROR_STEP)
    problems.extend(f"{s} cannot be reached" for s in steps - reachable)
    return problems
