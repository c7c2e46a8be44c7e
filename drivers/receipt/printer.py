"""ESC/POS receipt printer driver (the ReceiptPrinter contract).

A watcher thread (drivers.device) asks the printer for its real-time status (DLE EOT 1-4)
every ``status_interval`` while idle and publishes StatusChanged when it changes; a printer
that vanished is reconnected on the next poll. A job takes the same wire lock, so the watcher's
queries and a job's bytes never interleave on the wire:

1. status first: a printer that is not ready refuses the job before a byte is sent;
2. the bytes go out in chunks, cut only at command boundaries, with DLE EOT 4 and 2 asked
   between chunks (paper end, cover open, error);
3. then the status is followed until the mechanism should have finished: the paper length
   of the job (stream.py) at ``mechanism_mm_per_s``, plus a margin.

A printer that answers nothing within ``io_timeout`` gives DeviceTimeout, a lost or
refused connection DeviceUnavailable, a stop reported by the printer PrinterFault; no
call blocks longer than its ``timeout``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from ..contracts import PrintOutcome
from ..device import DeviceBase, fault_status
from ..errors import (
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
    ErrorCode,
    OperationCancelled,
    PrinterFault,
    ProtocolError,
)
from ..status import DeviceState, DeviceStatus, SupplyLevel
from .encode import ReceiptEncoder
from .model import ReceiptDocument
from .profiles import ChineseMode
from .status import (
    ALL_QUERIES,
    JOB_QUERIES,
    STOPS_JOB,
    Condition,
    decode_status_byte,
    error_for_status,
    query_bytes,
    status_from_conditions,
)
from .stream import command_chunks, estimate_print_seconds
from .transport import Transport, open_transport, parse_printer_url

log = logging.getLogger(__name__)

CHUNK_BYTES = 1024
FOLLOW_POLL = 0.05        # status poll while the mechanism prints
FINISH_MARGIN = 0.2       # on top of the estimated mechanism time (cut, acceleration)
MIN_FOLLOW = 0.3          # a fault shows up some time after the bytes were taken


class EscposPrinter(DeviceBase):
    """ReceiptPrinter for ESC/POS printers on tcp://, serial://, usb:// or file:// URLs."""

    thread_name = "printer"
    online_when_connected = False    # each poll says what the printer is

    def __init__(
        self,
        name: str,
        url: str,
        profile: str = "80mm",
        chinese: ChineseMode | str = "raster",
        font: str | Path | None = None,
        status_interval: float = 2.0,
        io_timeout: float = 2.0,
        mechanism_mm_per_s: float = 250.0,
    ) -> None:
        address = parse_printer_url(url)               # ValueError: bad configuration
        encoder = ReceiptEncoder(profile, chinese, font)  # DeviceError: no CJK font
        if status_interval <= 0 or io_timeout <= 0 or mechanism_mm_per_s <= 0:
            raise ValueError("status_interval, io_timeout and mechanism_mm_per_s must be > 0")
        # After a failed poll the watcher tries again at its usual pace.
        super().__init__(name, reconnect_interval=status_interval)
        self.address = address
        self.encoder = encoder
        self.profile = self.encoder.profile
        self.status_interval = status_interval
        self.io_timeout = io_timeout
        self.mechanism_mm_per_s = mechanism_mm_per_s
        self._wire = threading.Lock()          # one conversation with the printer at a time
        self._transport: Transport | None = None

    # -- the contract -------------------------------------------------------------------

    def _after_stop(self) -> None:
        # The watcher's waits are sliced (transport.SLICE) or stop-aware. A job still
        # running keeps the wire; it closes the transport when it fails.
        if self._wire.acquire(timeout=1.0):
            try:
                self._drop_transport()
            finally:
                self._wire.release()

    def render(self, document: ReceiptDocument) -> bytes:
        return self.encoder.render(document)

    def estimate_print_seconds(self, data: bytes) -> float:
        return estimate_print_seconds(data, self.profile, self.mechanism_mm_per_s)

    def print_bytes(self, data: bytes, job_id: str, timeout: float) -> PrintOutcome:
        started = time.monotonic()
        deadline = started + timeout
        if not self._wire.acquire(timeout=max(0.0, timeout)):
            raise DeviceTimeout(f"job {job_id}: printer busy until the timeout", ErrorCode.TIMEOUT)
        try:
            self._job(data, job_id, deadline)
        except DeviceError as err:
            if not isinstance(err, PrinterFault | _StillPrinting):
                # Lost, silent, or left mid-command: talk on a fresh connection next time.
                self._drop_transport()
            if isinstance(err, DeviceUnavailable | _NoAnswer):
                self._set_status(fault_status(err))
            log.warning("%s: job %s failed: %s (%s)", self.name, job_id, err.code.value, err)
            raise
        finally:
            self._wire.release()
        return PrintOutcome(job_id, 1, len(data), time.monotonic() - started)

    # -- a job (wire lock held) ---------------------------------------------------------

    def _job(self, data: bytes, job_id: str, deadline: float) -> None:
        transport = self._ready_transport(job_id, deadline)
        sent_at = time.monotonic()
        for chunk, at_boundary in command_chunks(data, CHUNK_BYTES):
            transport.write(chunk, _remaining(deadline, job_id))
            if at_boundary and transport.can_read:
                self._check_job(transport, JOB_QUERIES, job_id, deadline)
        if not transport.can_read:
            return
        mechanism = self.estimate_print_seconds(data)
        finish = max(sent_at + mechanism + FINISH_MARGIN, time.monotonic() + MIN_FOLLOW)
        while True:
            paused = self._check_job(transport, JOB_QUERIES, job_id, deadline)
            now = time.monotonic()
            if paused:  # e.g. the head cools down: the paper stands still meanwhile
                finish = max(finish, now + FOLLOW_POLL + FINISH_MARGIN)
            if now >= finish:
                return
            if now >= deadline:
                raise _StillPrinting(
                    f"job {job_id}: still printing at the timeout "
                    f"(about {mechanism:.1f} s of paper)", ErrorCode.TIMEOUT)
            time.sleep(min(FOLLOW_POLL, finish - now, max(0.0, deadline - now)))

    def _ready_transport(self, job_id: str, deadline: float) -> Transport:
        """A connected transport to a printer that reported itself ready."""
        transport, status = self._connect_and_ask(
            min(self.io_timeout, _remaining(deadline, job_id)), deadline)
        if status is not None:
            self._set_status(status)
            if not status.ready:
                raise error_for_status(status, f"job {job_id} refused")
        return transport

    def _connect_and_ask(
        self, connect_timeout: float, deadline: float, cancel: threading.Event | None = None
    ) -> tuple[Transport, DeviceStatus | None]:
        """Connect (or keep the connection) and ask the full status; None when the
        transport cannot read. A kept connection that turns out dead (printers drop idle
        ones) is replaced once, so that is not reported as the printer vanishing."""
        while True:
            fresh = self._transport is None
            transport = self._open_transport(connect_timeout, cancel)
            if not transport.can_read:
                return transport, None
            try:
                return transport, self._query_status(transport, ALL_QUERIES, deadline, cancel)
            except DeviceUnavailable:
                self._drop_transport()
                if fresh:
                    raise

    def _check_job(self, transport: Transport, queries: Iterable[int], job_id: str,
                   deadline: float) -> bool:
        """Raise if the printer stopped the job; True while it pauses by itself."""
        conditions = self._query(transport, queries, deadline)
        if conditions & (STOPS_JOB | Condition.ERROR):
            # Ask everything once more to name the cause (cutter, head ...) precisely.
            conditions |= self._query(transport, ALL_QUERIES, deadline)
        status = status_from_conditions(conditions, detail=str(self.address))
        self._set_status(status)
        if conditions & STOPS_JOB:
            raise error_for_status(status, f"job {job_id} stopped")
        return bool(conditions & Condition.ERROR)

    # -- the watcher thread (drivers.device runs it) -------------------------------------

    def _io_step(self) -> None:
        if self._wire.acquire(blocking=False):  # a job reports status itself
            try:
                self._poll()
            finally:
                self._wire.release()
        self._stop.wait(self.status_interval)

    def _poll(self) -> None:
        try:
            deadline = time.monotonic() + self.io_timeout * len(ALL_QUERIES)
            _transport, status = self._connect_and_ask(self.io_timeout, deadline, self._stop)
        except DeviceError as err:
            self._drop_transport()          # with the wire held: a job may be next on it
            if not self._stop.is_set():     # failing because we close says nothing
                self._report_fault(err)
            return
        self._set_status(status or DeviceStatus(
            DeviceState.ONLINE, supplies={"paper": SupplyLevel.UNKNOWN},
            detail=f"{self.address}: write-only, the printer's status is unknown"))

    # -- the wire (lock held) -----------------------------------------------------------

    def _open_transport(self, timeout: float, cancel: threading.Event | None = None) -> Transport:
        if self._transport is None:
            self._transport = open_transport(self.address, timeout, cancel)
            log.info("%s: connected to %s", self.name, self.address)
        return self._transport

    def _drop_transport(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()

    def _query_status(self, transport: Transport, queries: Iterable[int], deadline: float,
                      cancel: threading.Event | None = None) -> DeviceStatus:
        conditions = self._query(transport, queries, deadline, cancel)
        return status_from_conditions(conditions, detail=str(self.address))

    def _query(self, transport: Transport, queries: Iterable[int], deadline: float,
               cancel: threading.Event | None = None) -> Condition:
        found = Condition.NONE
        for n in queries:
            found |= self._ask(transport, n, deadline, cancel)
        return found

    def _ask(self, transport: Transport, n: int, deadline: float,
             cancel: threading.Event | None) -> Condition:
        """DLE EOT n and its one-byte answer; a garbled answer is asked once more."""
        for attempt in (1, 2):
            transport.discard_input()   # a late answer to an earlier query is not ours
            transport.write(query_bytes(n), max(0.001, deadline - time.monotonic()))
            remaining = deadline - time.monotonic()
            wait = min(self.io_timeout, remaining)
            answer = transport.read(1, max(0.0, wait), cancel)
            if not answer:
                if cancel is not None and cancel.is_set():
                    raise OperationCancelled("driver closing")
                if remaining < self.io_timeout:
                    # Cut short by the caller's timeout: says nothing about the printer.
                    raise DeviceTimeout(f"{self.address}: timeout reached waiting for "
                                        f"DLE EOT {n}", ErrorCode.TIMEOUT)
                raise _NoAnswer(
                    f"{self.address}: no answer to DLE EOT {n} within {wait:.1f} s",
                    ErrorCode.TIMEOUT)
            try:
                return decode_status_byte(n, answer[0])
            except ProtocolError as err:
                if attempt == 2:
                    raise DeviceUnavailable(f"{self.address}: {err}",
                                            ErrorCode.FRAME_GARBLED) from err
        raise AssertionError("unreachable")  # pragma: no cover


class _NoAnswer(DeviceTimeout):
    """The printer did not answer a status query (the connection is suspect)."""


class _StillPrinting(DeviceTimeout):
    """Every byte was taken and nothing went wrong, but the paper had not finished."""


def _remaining(deadline: float, job_id: str) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise DeviceTimeout(f"job {job_id}: timeout reached", ErrorCode.TIMEOUT)
    return remaining

