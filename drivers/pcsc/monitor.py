"""Watching PC/SC readers, surviving pcscd and the readers coming and going.

pyscard's CardMonitor thread dies when pcscd restarts or a reader is unplugged, and one
release lost the "card already present" event. This monitor instead is stepped by the
card reader driver's own I/O thread (drivers.device): ``connect()`` establishes a context,
each ``cycle()`` is one SCardGetStatusChange (bounded by ``poll``, woken early by
``cancel()``, SCardCancel, on close):

- pcscd down or restarted (SCARD_E_NO_SERVICE / SERVICE_STOPPED / INVALID_HANDLE): the
  driver calls ``lose_context()`` and connects again, with backoff. A card that lay on a reader when
  pcscd went away and is seen there again with the same ATR within ``carry_grace`` seconds
  of the new context is the same insertion: no second read, no removal. (A restarted pcscd
  first reports the reader empty until its driver has polled the card again.)
- readers plugged / unplugged: the ``\\\\?PnP?\\Notification`` pseudo-reader wakes the
  wait; the reader list is refreshed (and, as a fallback, every ``relist_interval``).
- fast taps: the upper 16 bits of a reader's event state count insertions and removals
  (pcsc-lite, Windows). A changed count with the card still present means it was pulled
  and put back between two waits: a removal, then a new insertion. A tap missed entirely
  (count moved, card gone) produces nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..device import fault_status
from ..errors import DeviceError, DeviceUnavailable, ErrorCode
from ..status import DeviceState, DeviceStatus
from .scard import (
    E_CANCELLED,
    E_READER_UNAVAILABLE,
    E_TIMEOUT,
    E_UNKNOWN_READER,
    S_SUCCESS,
    SERVICE_GONE,
    error_for,
)

log = logging.getLogger(__name__)

PNP = "\\\\?PnP?\\Notification"
STATE_CHANGED, STATE_UNKNOWN, STATE_UNAVAILABLE = 0x0002, 0x0004, 0x0008
STATE_IGNORE, STATE_PRESENT = 0x0001, 0x0020
READER_GONE = STATE_UNKNOWN | STATE_UNAVAILABLE | STATE_IGNORE


class PcscApi(Protocol):
    def establish(self) -> int: ...

    def release(self, context: int) -> None: ...

    def list_readers(self, context: int) -> list[str]: ...

    def get_status_change(
        self, context: int, timeout_ms: int, states: list[tuple[str, int]]
    ) -> tuple[int, list[tuple[str, int, bytes]]]: ...

    def cancel(self, context: int) -> None: ...


class MonitorListener(Protocol):
    """Called on the monitor thread; must return quickly (start work elsewhere)."""

    def card_inserted(self, reader: str, atr: bytes) -> None: ...

    def card_removed(self, reader: str) -> None: ...

    def status_changed(self, status: DeviceStatus, error: DeviceError | None) -> None: ...


@dataclass
class _Slot:
    state: int = 0               # what the next wait is told we believe (0 = unaware)
    present: bool = False
    atr: bytes = b""
    counter: int = -1
    carried: bytes | None = None  # ATR of a card present when the context was lost
    carry_until: float = 0.0      # ... and until when it may still turn up again


class ReaderMonitor:
    """The readers and cards of one PC/SC context, stepped by the driver's I/O thread;
    ``stop`` is the driver's stop event (waits end when it is set)."""

    def __init__(
        self,
        api: PcscApi,
        listener: MonitorListener,
        match: Callable[[str], bool],
        stop: threading.Event,
        poll: float = 1.0,
        relist_interval: float = 5.0,
        carry_grace: float = 3.0,
        label: str = "pcsc",
    ) -> None:
        self.api = api
        self.listener = listener
        self.match = match
        self.poll = poll
        self.relist_interval = relist_interval
        self.carry_grace = carry_grace
        self.label = label
        self._stop = stop
        self._lock = threading.Lock()     # guards _context against cancel() racing release
        self._context: int | None = None
        self._slots: dict[str, _Slot] = {}
        self._listed: list[str] = []      # matching readers pcscd lists now
        self._pnp_state = 0
        self._use_pnp = True
        self._dirty = True
        self._listed_at = 0.0

    # -- driven by the driver's I/O thread ------------------------------------------------

    def reset(self) -> None:
        """A fresh start knows nothing: a card lying on a reader is a new insertion."""
        self._slots, self._listed, self._use_pnp, self._dirty = {}, [], True, True

    @property
    def connected(self) -> bool:
        return self._context is not None

    def connect(self) -> None:
        """Establish a context; DeviceUnavailable while pcscd is not there."""
        context = self.api.establish()
        with self._lock:
            self._context = context
        self._dirty, self._pnp_state = True, 0
        carry_until = time.monotonic() + self.carry_grace
        for slot in self._slots.values():
            slot.carry_until = carry_until
        log.info("%s: PC/SC context established", self.label)

    def cycle(self) -> None:
        """One wait for a change (at most ``poll``), and what it reports."""
        context = self._context
        if context is None:  # pragma: no cover - the driver connects first
            raise DeviceUnavailable("no PC/SC context", ErrorCode.PCSC_UNAVAILABLE)
        try:
            self._cycle(context)
        except DeviceError:
            self._dirty = True           # list the readers afresh on the next cycle
            raise

    def cancel(self) -> None:
        """End a wait in progress (SCardCancel); from any thread."""
        with self._lock:
            if self._context is not None:
                self.api.cancel(self._context)

    def lose_context(self) -> None:
        """pcscd went away: release the context; the cards that lay on a reader are carried
        over to the next context (see carry_grace)."""
        self.release()
        for slot in self._slots.values():
            if slot.present:
                slot.carried = slot.atr
            slot.state, slot.present, slot.counter = 0, False, -1

    def release(self) -> None:
        with self._lock:
            context, self._context = self._context, None
        if context is not None:
            self.api.release(context)

    def _cycle(self, context: int) -> None:
        now = time.monotonic()
        relist = self.relist_interval if self._use_pnp else self.poll
        if self._dirty or now - self._listed_at >= relist:
            self._refresh(context)
        states = [(name, self._slots[name].state) for name in self._listed]
        if self._use_pnp:
            states.insert(0, (PNP, self._pnp_state))
        if not states:   # no PnP support and no reader: poll the list
            self._stop.wait(self.poll)
            self._dirty = True
            return
        code, result = self.api.get_status_change(context, int(self.poll * 1000), states)
        self._expire_carried()
        if code in (E_TIMEOUT, E_CANCELLED):
            return
        if code in SERVICE_GONE:
            raise DeviceUnavailable(str(error_for(code, "SCardGetStatusChange")),
                                    ErrorCode.PCSC_UNAVAILABLE)
        if code in (E_UNKNOWN_READER, E_READER_UNAVAILABLE):
            self._dirty = True   # a reader left between listing and waiting
            return
        if code != S_SUCCESS:
            raise error_for(code, "SCardGetStatusChange")
        for name, event, atr in result:
            if name == PNP:
                self._pnp_event(event)
            elif name in self._slots:
                self._reader_event(name, self._slots[name], event, atr)

    def _pnp_event(self, event: int) -> None:
        if event & STATE_UNKNOWN:
            # No PnP notifications from this resource manager: list on every poll instead.
            log.info("%s: no PnP notification support; polling the reader list", self.label)
            self._use_pnp = False
            return
        if event & STATE_CHANGED:
            self._dirty = True
        self._pnp_state = event & ~STATE_CHANGED

    def _reader_event(self, name: str, slot: _Slot, event: int, atr: bytes) -> None:
        slot.state = event & ~STATE_CHANGED
        if event & READER_GONE:
            self._dirty = True
            return
        present, counter = bool(event & STATE_PRESENT), event >> 16
        if slot.carried is not None:     # a card lay here when pcscd went away
            if not present and time.monotonic() < slot.carry_until:
                slot.counter = counter
                return                   # pcscd may not have polled the card yet
            carried, slot.carried = slot.carried, None
            if present and atr == carried:
                slot.present, slot.atr, slot.counter = True, atr, counter
                return
            self.listener.card_removed(name)
        if slot.present and (not present or counter != slot.counter):
            slot.present = False
            self.listener.card_removed(name)
        if present and not slot.present:
            slot.present, slot.atr = True, atr
            self.listener.card_inserted(name, atr)
        slot.counter = counter

    def _expire_carried(self) -> None:
        now = time.monotonic()
        for name, slot in list(self._slots.items()):
            if slot.carried is not None and now >= slot.carry_until:
                slot.carried = None
                if name not in self._listed:
                    del self._slots[name]
                self.listener.card_removed(name)

    def _refresh(self, context: int) -> None:
        names = [name for name in self.api.list_readers(context) if self.match(name)]
        self._listed, self._listed_at, self._dirty = names, time.monotonic(), False
        for gone in [n for n in self._slots if n not in names]:
            slot = self._slots[gone]
            if slot.carried is not None and time.monotonic() < slot.carry_until:
                continue                 # its reader may still be coming back after a restart
            del self._slots[gone]
            log.info("%s: reader %s gone", self.label, gone)
            if slot.present or slot.carried is not None:
                self.listener.card_removed(gone)
        for name in names:
            if name not in self._slots:
                log.info("%s: reader %s", self.label, name)
                self._slots[name] = _Slot()
        if names:
            self.listener.status_changed(
                DeviceStatus(DeviceState.ONLINE, detail=", ".join(names)), None)
        else:
            error = DeviceUnavailable("no matching PC/SC reader", ErrorCode.NO_DEVICE)
            self.listener.status_changed(fault_status(error), error)
