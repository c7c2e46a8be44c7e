"""What staff mode and the technician's maintenance mode share: a hidden gesture, a PIN
login behind a ``PinGate`` (kiosk/staff.py) with its lockout, a card that opens the mode
without the PIN, and closing by itself when left alone, with a countdown before it does.

A mode opens only between citizens (``blocked()`` says when it may not: a citizen being
served, or the other mode open). PIN checks (scrypt, a lock file) run off the caller's
thread; a result that arrives after the mode closed is dropped.

closed --(gesture / card)--> pin --(PIN)--> checking --> OPEN_STEP (the mode's own steps)
   ^                          |                |               |
   +----------- exit, idle, citizen -----------+---------------+
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any, ClassVar

from kiosk.flows.base import Flow, Runner, thread_runner
from kiosk.staff import PinGate, PinResult, entry_places

GESTURE_TAPS, GESTURE_WINDOW_S = 5, 3.0
IDLE_NOTICE_S = 30.0   # the countdown shown before a mode closes by itself


class TapCounter:
    """True on the ``taps``-th tap within ``window_s`` seconds (then it starts over)."""

    def __init__(self, taps: int = GESTURE_TAPS, window_s: float = GESTURE_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.taps = taps
        self.window_s = window_s
        self._clock = clock
        self._times: list[float] = []

    def tap(self) -> bool:
        now = self._clock()
        self._times = [t for t in self._times if now - t <= self.window_s] + [now]
        if len(self._times) >= self.taps:
            self._times.clear()
            return True
        return False

    def reset(self) -> None:
        self._times.clear()


class PinMode(Flow):
    """A mode behind a PIN. Subclasses name their steps (``CLOSED``, ``PIN``, ``CHECKING``
    and ``OPEN_STEP``, the first step once in) and ``_opened()`` / ``_forget()``."""

    CLOSED: ClassVar[StrEnum]
    PIN: ClassVar[StrEnum]
    CHECKING: ClassVar[StrEnum]
    OPEN_STEP: ClassVar[StrEnum]
    ROLE: ClassVar[str] = "staff"     # log words: "staff: ...", "technician: ..."

    def __init__(self, gate: PinGate, blocked: Callable[[], bool], idle_s: float,
                 clock: Callable[[], float] = time.monotonic, runner: Runner = thread_runner,
                 notice_s: float = IDLE_NOTICE_S, gesture: TapCounter | None = None) -> None:
        super().__init__(None, runner)
        self._gate = gate
        self._blocked = blocked
        self.idle_s = idle_s
        self.notice_s = notice_s
        self._clock = clock
        self._gesture = gesture or TapCounter(clock=clock)
        self._touched = clock()
        self._told_left: int | None = None    # the countdown second last published
        self.pin_result: PinResult | None = None   # the last check's outcome (screen words)
        self.locked_for = 0.0

    # -- opening ---------------------------------------------------------------------------
    @property
    def configured(self) -> bool:
        return self._gate.configured

    @property
    def pin_places(self) -> tuple[int, int, int]:
        """(places shown, fewest digits, most digits) for the PIN entry."""
        return entry_places(self._gate)

    @property
    def is_open(self) -> bool:
        return self.step is not self.CLOSED

    @property
    def is_in(self) -> bool:
        """Past the PIN (or the card): the mode's own screens."""
        return self.step not in (self.CLOSED, self.PIN, self.CHECKING)

    def tap(self) -> bool:
        """A tap of the hidden gesture: the last one within the window opens the PIN screen."""
        return self._gesture.tap() and self.open_login()

    def open_login(self) -> bool:
        """The PIN screen, with no citizen being served."""
        if self.step is not self.CLOSED or self._blocked():
            return False
        self._note("%s: PIN screen opened", self.ROLE)
        self.pin_result, self.locked_for = None, 0.0
        self.touch()
        self._set(self.PIN)
        gen = self._generation
        self._background(lambda: self._apply(gen, lambda: self._locked(self._gate.locked_for())))
        return True

    def open_by_card(self) -> bool:
        """A card of this mode's role opens it without the PIN."""
        if self._blocked():
            return False
        if self.step is self.CLOSED:
            self.open_login()
        if self.step is self.PIN:
            self._note("%s: card accepted", self.ROLE)
            self._enter()
        return self.is_in

    def enter_pin(self, pin: str) -> None:
        if self.step is not self.PIN:
            return
        self.touch()
        self._set(self.CHECKING)
        gen = self._generation

        def work() -> None:
            result = self._gate.check(pin)
            self._apply(gen, lambda: self._checked(result))

        self._background(work)

    def clear_message(self) -> None:
        """Typing again: what the last check said goes (a lockout stays: it still holds)."""
        if self.pin_result is not None and self.pin_result.reason != "locked":
            self.pin_result = None
            self._changed()

    def _checked(self, result: PinResult) -> None:
        if result.ok and not self._blocked():
            self.pin_result, self.locked_for = None, 0.0   # nothing of a wrong PIN stays
            self._enter()
        else:
            self.pin_result = result
            self.locked_for = result.locked_for_s
            self._set(self.PIN)

    def _locked(self, seconds: float) -> None:
        self.locked_for = seconds
        self._changed()

    def _enter(self) -> None:
        self.pin_result, self.locked_for = None, 0.0
        self.touch()
        self._set(self.OPEN_STEP)
        self._opened()

    def _opened(self) -> None:
        """Past the PIN: the mode's first work."""

    # -- closing ---------------------------------------------------------------------------
    def touch(self) -> None:
        self._touched = self._clock()
        if self._told_left is not None:
            self._told_left = None
            self._changed()      # the countdown notice goes

    def seconds_left(self) -> float:
        """Until the mode closes by itself (while open)."""
        return max(0.0, self.idle_s - (self._clock() - self._touched))

    def notice_left(self) -> int | None:
        """Whole seconds left while the countdown notice shows, else None."""
        if not self.is_open:
            return None
        left = self.seconds_left()
        return math.ceil(left) if left <= min(self.notice_s, self.idle_s / 2) else None

    def tick(self) -> None:
        """The terminal's clock: close when left alone too long; before that, publish each
        second of the countdown (the screen shows it without polling)."""
        if not self.is_open:
            return
        if self._clock() - self._touched > self.idle_s:
            self.close("idle")
            return
        left = self.notice_left()
        if left != self._told_left:
            self._told_left = left
            self._changed()

    def close(self, why: str = "exit") -> None:
        if not self.is_open:
            self._gesture.reset()
            return
        self._note("%s: %s closed (%s)", self.ROLE, self.step.value, why)
        self.wipe()
        self._changed()

    def wipe(self) -> None:
        super().wipe()
        with self._lock:
            self._gesture.reset()
            self.pin_result, self.locked_for = None, 0.0
            self._told_left = None
            self._forget()

    def _forget(self) -> None:
        """What the mode showed goes with it (called under the lock at the wipe)."""

    def _note(self, what: str, *args: Any) -> None:
        """One line in the mode's log (stable words and codes only, never personal data)."""
        logging.getLogger(f"kiosk.{self.ROLE}").info(what, *args)
