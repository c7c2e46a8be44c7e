"""PcscCardReader: the CardReader contract over PC/SC readers (contact and contactless).

The driver's I/O thread (drivers.device) steps the monitor (monitor.py), which reports
insertions and removals; each insertion is read on a worker thread of its own, so a
citizen typing a PIN never stalls the monitor (pcscd restarts, other readers, the removal
that cancels that PIN prompt). Per insertion the
events are, in this order: CardInserted, then SmartCardRead or ReadFailed (or nothing when
the driver is closing), then SmartCardRemoved. A removal seen while the read still runs is
published when the read ends; a re-insertion meanwhile is read after it.

Kinds are tried in order: staff (configured AIDs / UIDs), social security, bank; a card
that is none of them is published as kind "unknown".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..device import DeviceBase, next_event
from ..errors import DeviceError, DeviceTimeout, DeviceUnavailable, ErrorCode, OperationCancelled
from ..events import CardInserted, ReadFailed, SmartCardRead, SmartCardRemoved
from ..status import DeviceState, DeviceStatus, FaultAction
from . import scard
from .apdu import CardChannel, Transport
from .bank import read_bank
from .model import CardData, CardKind
from .monitor import PcscApi, ReaderMonitor
from .pinpad import CancellablePinPad, PinPad
from .ssse import read_social_security
from .staff import TONGBAN_STAFF_AID, card_uid, normalise_uid, read_staff
from .trace import ApduTrace

log = logging.getLogger(__name__)

_STARTING = DeviceStatus(DeviceState.OFFLINE, FaultAction.WAIT, fault="", detail="starting")


@dataclass(frozen=True)
class ReadOptions:
    staff_aids: tuple[bytes, ...] = ()
    staff_uids: frozenset[str] = frozenset()
    ssse_pin_required: bool = False
    pin_pad: PinPad | None = None


def read_any(channel: CardChannel, options: ReadOptions) -> CardData:
    """Identify and read the connected card: staff -> social security -> bank -> unknown."""
    uid = card_uid(channel) if options.staff_uids else ""
    if options.staff_aids or options.staff_uids:
        staff = read_staff(channel, options.staff_aids, options.staff_uids, uid)
        if staff is not None:
            return staff
    card = read_social_security(channel, options.pin_pad, options.ssse_pin_required)
    if card is None:
        card = read_bank(channel)
    return card or CardData(CardKind.UNKNOWN)


class Connection(Transport, Protocol):
    def disconnect(self, reset: bool = False) -> None: ...


Connect = Callable[[str], Connection]   # reader name -> connected card (scard.connect)


@dataclass
class _ReaderSlot:
    worker: threading.Thread | None = None
    removed: bool = False            # the card left while the worker was reading
    reinserted: bytes | None = None  # ATR of a card put back before the worker ended


class PcscCardReader(DeviceBase):
    """CardReader over pcscd. ``readers``: substrings of reader names to use (None: all)."""

    thread_name = "pcsc monitor"
    stop_timeout = 3.0
    online_when_connected = False    # the reader list says so, not the context

    def __init__(
        self,
        name: str,
        readers: Sequence[str] | None = None,
        staff_aids: Iterable[str | bytes] = (TONGBAN_STAFF_AID,),
        staff_uids: Iterable[str] = (),
        ssse_pin_required: bool = False,
        pin_pad: PinPad | None = None,
        poll: float = 1.0,
        reconnect_interval: float = 0.2,
        max_backoff: float = 2.0,
        carry_grace: float = 3.0,
        api: PcscApi | None = None,
        connect: Connect | None = None,
    ) -> None:
        super().__init__(name, reconnect_interval, status=_STARTING)
        self.max_backoff = max_backoff
        self._backoff = reconnect_interval
        self.readers = list(readers or [])
        self.options = ReadOptions(
            staff_aids=tuple(bytes.fromhex(a) if isinstance(a, str) else a for a in staff_aids),
            staff_uids=frozenset(normalise_uid(u) for u in staff_uids),
            ssse_pin_required=ssse_pin_required,
            pin_pad=pin_pad,
        )
        self._connect_card: Connect = connect or scard.connect
        self._monitor = ReaderMonitor(
            api or scard.ScardApi(), self, self._matches, self._stop, poll=poll,
            carry_grace=carry_grace, label=name,
        )
        self._slots: dict[str, _ReaderSlot] = {}

    # -- the contract ---------------------------------------------------------------------

    def wait_card(self, timeout: float) -> CardData:
        """The next card read (opens the reader for the call if it is not open, so a card
        already lying on it is seen). Raises the read's DeviceError, DeviceTimeout(no_card),
        or the reader's error at once when it is not online (no reader, no pcscd)."""
        deadline = time.monotonic() + timeout
        with self._collecting(SmartCardRead, ReadFailed) as results:
            opened_here = not self.running
            if opened_here:
                self.open()
            try:
                self._await_first_attempt(deadline)
                event = next_event(results, deadline, DeviceTimeout(
                    "no card was read in time", ErrorCode.NO_CARD))
            finally:
                if opened_here:
                    self.close()
        if isinstance(event, ReadFailed):
            raise event.error
        card = event.card if isinstance(event, SmartCardRead) else None
        if not isinstance(card, CardData):  # pragma: no cover - only this driver publishes here
            raise DeviceError("unexpected card object", ErrorCode.READ_FAILED)
        return card

    # -- monitor callbacks (monitor thread) -----------------------------------------------

    def card_inserted(self, reader: str, atr: bytes) -> None:
        with self._lock:
            slot = self._slots.setdefault(reader, _ReaderSlot())
            if slot.worker is not None:
                slot.reinserted = atr       # read once the current read has ended
                return
            slot.worker = worker = threading.Thread(
                target=self._work, args=(reader, atr), name=f"pcsc read {self.name}", daemon=True)
        self.events.publish(CardInserted(self.name, reader))   # before the read's own events
        worker.start()

    def card_removed(self, reader: str) -> None:
        with self._lock:
            slot = self._slots.get(reader)
            if slot is not None and slot.worker is not None:
                if slot.reinserted is not None:
                    slot.reinserted = None   # put back and pulled again: nothing to read
                else:
                    slot.removed = True
                pad = self.options.pin_pad
                if isinstance(pad, CancellablePinPad):
                    pad.cancel()             # nobody is there to type a PIN any more
                return
        self.events.publish(SmartCardRemoved(self.name, reader))

    def status_changed(self, status: DeviceStatus, error: DeviceError | None) -> None:
        self._settle(status, error)

    # -- the I/O thread: the monitor (drivers.device runs it) -----------------------------

    def _before_start(self) -> None:
        self._monitor.reset()
        self._backoff = self.reconnect_interval

    def _wake_io(self) -> None:
        pad = self.options.pin_pad
        if isinstance(pad, CancellablePinPad):
            pad.cancel()
        self._monitor.cancel()

    def _after_stop(self) -> None:
        with self._lock:
            workers = [s.worker for s in self._slots.values() if s.worker is not None]
        for worker in workers:
            if worker.ident is None:      # created, not started yet: nothing to wait for
                continue
            worker.join(timeout=2.0)
            if worker.is_alive():
                log.warning("%s: a card read did not end in time", self.name)

    def _connect(self) -> None:
        self._monitor.connect()
        self._backoff = self.reconnect_interval

    def _io_step(self) -> None:
        self._monitor.cycle()

    def _disconnect(self) -> None:
        self._monitor.release()

    def _io_fault(self, err: DeviceError) -> None:
        if not self._monitor.connected:              # no context: pcscd is not there
            self._report_down(err)
            self._stop.wait(self._backoff)
            self._backoff = min(self._backoff * 2, self.max_backoff)
        elif err.code in (ErrorCode.PCSC_UNAVAILABLE, ErrorCode.DEVICE_ERROR):
            # pcscd went away (or a bug): start over on a new context.
            log.warning("%s: lost pcscd (%s); reconnecting", self.name, err)
            self._monitor.lose_context()
            self._connected = False
            self._report_down(err)
            self._stop.wait(self.reconnect_interval)
        else:                                         # a reader left, a PC/SC hiccup
            if not isinstance(err, DeviceUnavailable):
                log.warning("%s: %s", self.name, err)
            self._stop.wait(self._monitor.poll)

    def _report_down(self, err: DeviceError) -> None:
        self._report_fault(DeviceUnavailable(str(err), ErrorCode.PCSC_UNAVAILABLE))

    # -- reading (worker threads) ---------------------------------------------------------

    def _work(self, reader: str, atr: bytes) -> None:
        while True:
            self._read_and_publish(reader, atr)
            with self._lock:
                slot = self._slots[reader]
                removed, slot.removed = slot.removed, False
                again, slot.reinserted = slot.reinserted, None
                if again is None or self._stop.is_set():
                    slot.worker = None
            if removed:
                self.events.publish(SmartCardRemoved(self.name, reader))
            if again is None or self._stop.is_set():
                return
            self.events.publish(CardInserted(self.name, reader))
            atr = again

    def _read_and_publish(self, reader: str, atr: bytes) -> None:
        try:
            card = self._read(reader)
        except OperationCancelled as err:
            if not self._stop.is_set():
                self.events.publish(ReadFailed(self.name, err))
            return
        except DeviceError as err:
            log.info("%s: %s: card read failed (%s)", self.name, reader, err.code.value)
            self.events.publish(ReadFailed(self.name, err))
            return
        except Exception:
            log.exception("%s: unexpected error reading a card", self.name)
            self.events.publish(ReadFailed(self.name, DeviceError("driver error",
                                                                  ErrorCode.READ_FAILED)))
            return
        card.reader, card.atr = reader, atr.hex().upper()
        log.info("%s: %s: %s card read", self.name, reader, card.kind.value)
        self.events.publish(SmartCardRead(self.name, reader, card))

    def _read(self, reader: str) -> CardData:
        handle = self._connect_card(reader)
        channel = CardChannel(handle, ApduTrace(prefix=f"{self.name} {reader}: "))
        try:
            return read_any(channel, self.options)
        finally:
            channel.wipe()
            # A reset drops the verified-PIN state, so the next program cannot ride on it.
            handle.disconnect(reset=self.options.ssse_pin_required)

    # -- helpers --------------------------------------------------------------------------

    def _matches(self, reader: str) -> bool:
        return not self.readers or any(part in reader for part in self.readers)

