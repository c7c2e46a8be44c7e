"""DocumentPrinter over a CUPS queue (pycups).

The status comes from the queue's printer attributes, mapped by the tables in
cups_status. While open, a watcher thread (drivers.device) polls every ``status_interval``
seconds and publishes StatusChanged when the state, action, supplies or fault change (not
for detail alone, which flips idle/processing on every job). Operations that must not act on a stale
view (submit, each step of a job) poll afresh.

A job that stops on the printer (paper out, jam, offline, queue paused, job held or
stopped) is cancelled before PrinterFault is raised: a printer that waits for paper would
otherwise print the citizen's document whenever staff refill it, long after the citizen
left, and the reprint the kiosk offers is a new job. A job that times out is cancelled for
the same reason.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import cups
import pypdfium2 as pdfium

from ..contracts import PrintOutcome
from ..device import DeviceBase, fault_status
from ..errors import DeviceError, DeviceTimeout, DeviceUnavailable, ErrorCode, PrinterFault
from ..status import DeviceState, DeviceStatus
from .cups_link import CupsLink
from .cups_status import (
    JOB_ACTIVE,
    JobState,
    base_reason,
    classify,
    fault_code,
    reasons_of,
)

log = logging.getLogger(__name__)

PRINTER_ATTRIBUTES = ["printer-state", "printer-state-reasons", "printer-is-accepting-jobs"]
JOB_ATTRIBUTES = [
    "job-state", "job-state-reasons", "job-impressions-completed",
    "job-media-sheets-completed", "job-k-octets",
]
_NOT_POLLED = DeviceStatus(DeviceState.OFFLINE, detail="not polled yet")
_pdfium_lock = threading.Lock()  # pdfium is not thread-safe
DOCUMENT_FORMAT = "application/pdf"


def count_pages(pdf: bytes) -> int:
    """Pages in a PDF. Raises ValueError when the bytes are not a readable PDF."""
    with _pdfium_lock:
        try:
            document = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError as err:
            raise ValueError(f"not a readable PDF: {err}") from err
        try:
            return len(document)
        finally:
            document.close()


@dataclass(frozen=True)
class _Submitted:
    size: int
    pages: int
    started: float


class CupsPrinter(DeviceBase):
    """A4 printer behind the CUPS queue ``queue`` on ``server`` (socket path, host:port or
    None for the system default)."""

    thread_name = "a4"
    closed_status = None             # status() polls afresh while not open
    online_when_connected = False    # each poll says what the queue is

    def __init__(
        self,
        name: str,
        queue: str,
        server: str | None = None,
        status_interval: float = 2.0,
        job_poll_interval: float = 0.25,
        spool_dir: str | Path | None = None,
        options: Mapping[str, str] | None = None,
    ) -> None:
        # After a failed poll the watcher tries again at its usual pace.
        super().__init__(name, reconnect_interval=status_interval, status=_NOT_POLLED)
        self.queue = queue
        self.server = server
        self.status_interval = status_interval
        self.job_poll_interval = job_poll_interval
        # Nothing is spooled here any more (submit_pdf streams the document to cupsd); the
        # folder is kept only so callers that name one still work, and stays empty.
        self.spool_dir = Path(spool_dir) if spool_dir is not None else None
        self.options = dict(options or {})
        self._link = CupsLink(server)
        self._connecting_since: float | None = None
        self._polls = 0  # polls started; the watcher and callers poll concurrently
        self._jobs: dict[str, _Submitted] = {}

    # -- the contract -------------------------------------------------------------------

    def status(self) -> DeviceStatus:
        """The watcher's last status while open; polled now when the printer is not open."""
        if self._thread is None:
            return self.refresh()
        return super().status()

    def refresh(self) -> DeviceStatus:
        """Poll the queue now, publish a change, and return the status."""
        with self._lock:
            self._polls += 1
            poll = self._polls
        try:
            attributes = self._link.call(
                lambda conn: conn.getPrinterAttributes(
                    self.queue, requested_attributes=PRINTER_ATTRIBUTES
                ),
                missing=DeviceUnavailable(
                    f"queue {self.queue} not found on {self._link.where}", ErrorCode.NO_DEVICE
                ),
            )
        except DeviceError as err:
            status = fault_status(err)
        else:
            status = classify(attributes, self.queue, self._connecting_for(attributes))
        self._set_status(status, version=poll)
        return status

    def submit_pdf(self, pdf: bytes, title: str) -> str:
        """Queue ``pdf``; ``title`` becomes the CUPS job name and must not hold personal
        data. Raises ValueError for bytes that are not a PDF."""
        pages = count_pages(pdf)
        status = self.refresh()
        if status.state is DeviceState.NO_DEVICE:
            raise DeviceUnavailable(f"{self.name}: {status.detail}", ErrorCode.NO_DEVICE)
        if not status.ready:
            raise PrinterFault(
                f"{self.name}: printer not ready ({status.detail})",
                fault_code(status, ErrorCode.PRINTER_OFFLINE),
            )
        # The document holds personal data: it is streamed to cupsd over the IPP connection
        # (Create-Job, then Send-Document) and never written to a file on this side.
        job = self._link.call(
            lambda conn: self._stream(conn, pdf, title),
            missing=DeviceUnavailable(
                f"queue {self.queue} not found on {self._link.where}", ErrorCode.NO_DEVICE
            ),
        )
        job_id = str(job)
        with self._lock:
            self._jobs[job_id] = _Submitted(len(pdf), pages, time.monotonic())
        log.info("%s: job %s queued on %s (%d pages)", self.name, job_id, self.queue, pages)
        return job_id

    def _stream(self, conn: cups.Connection, pdf: bytes, title: str) -> int:
        """Create the job and send ``pdf`` as its only document on the same connection (the
        link's lock is held). A job left without its document is cancelled. The bytes go as
        they are (pycups takes bytes only: a memoryview crashes it; slices would be copies)."""
        job: int = conn.createJob(self.queue, title, self.options)
        try:
            conn.startDocument(self.queue, job, "document.pdf", DOCUMENT_FORMAT, 1)
            conn.writeRequestData(pdf, len(pdf))
            conn.finishDocument(self.queue)
        except BaseException:
            try:
                conn.cancelJob(job, purge_job=True)
            except Exception as err:  # the connection may be what failed
                log.warning("%s: cancelling half-sent job %s failed: %s", self.name, job, err)
            raise
        return job

    def wait_job(self, job_id: str, timeout: float) -> PrintOutcome:
        deadline = time.monotonic() + timeout
        with self._lock:
            submitted = self._jobs.get(job_id) or _Submitted(0, 0, time.monotonic())
        try:
            while True:
                attributes = self._job_attributes(job_id)
                state = _job_state(attributes)
                if state is JobState.COMPLETED:
                    return self._outcome(job_id, attributes, submitted)
                status = self.refresh()
                if status.state is DeviceState.NO_DEVICE:
                    raise DeviceUnavailable(f"{self.name}: {status.detail}", ErrorCode.NO_DEVICE)
                if state in (JobState.CANCELED, JobState.ABORTED):
                    raise PrinterFault(
                        f"{self.name}: job {job_id} {state.name.lower()} "
                        f"({_job_reasons(attributes)}; {status.detail})",
                        fault_code(status),
                    )
                if state not in JOB_ACTIVE or status.fault:
                    return self._stopped(job_id, state, status, submitted)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    outcome = self._cancel(job_id, submitted)
                    if outcome is not None:
                        return outcome
                    raise DeviceTimeout(
                        f"{self.name}: job {job_id} not printed within {timeout:.1f} s "
                        f"({state.name.lower()}; cancelled)",
                        ErrorCode.TIMEOUT,
                    )
                time.sleep(min(self.job_poll_interval, remaining))
        finally:
            with self._lock:
                self._jobs.pop(job_id, None)

    # -- jobs ---------------------------------------------------------------------------

    def _job_attributes(self, job_id: str) -> dict[str, object]:
        try:
            number = int(job_id)
        except ValueError:
            raise PrinterFault(f"{self.name}: {job_id!r} is not a CUPS job id") from None
        result: dict[str, object] = self._link.call(
            lambda conn: conn.getJobAttributes(number, requested_attributes=JOB_ATTRIBUTES),
            missing=PrinterFault(
                f"{self.name}: job {job_id} unknown to {self._link.where}", ErrorCode.JOB_FAILED
            ),
        )
        return result

    def _stopped(
        self, job_id: str, state: JobState, status: DeviceStatus, submitted: _Submitted
    ) -> PrintOutcome:
        outcome = self._cancel(job_id, submitted)
        if outcome is not None:  # it finished after all, just before the cancel
            return outcome
        code = fault_code(status)
        log.warning("%s: job %s %s on %s, cancelled (%s)", self.name, job_id,
                    state.name.lower(), status.detail, code.value)
        raise PrinterFault(
            f"{self.name}: job {job_id} stopped ({state.name.lower()}; {status.detail}); "
            "cancelled",
            code,
        )

    def _cancel(self, job_id: str, submitted: _Submitted) -> PrintOutcome | None:
        """Cancel the job; returns its outcome instead if it completed in the meantime."""
        try:
            self._link.call(
                lambda conn: conn.cancelJob(int(job_id)),
                missing=PrinterFault(f"job {job_id} vanished", ErrorCode.JOB_FAILED),
            )
        except DeviceError as err:
            log.warning("%s: cancelling job %s failed: %s", self.name, job_id, err)
        try:
            attributes = self._job_attributes(job_id)
        except DeviceError:
            return None
        if attributes.get("job-state") == JobState.COMPLETED:
            return self._outcome(job_id, attributes, submitted)
        return None

    def _outcome(
        self, job_id: str, attributes: Mapping[str, object], submitted: _Submitted
    ) -> PrintOutcome:
        impressions = attributes.get("job-impressions-completed")
        pages = impressions if isinstance(impressions, int) and impressions > 0 else None
        kilobytes = attributes.get("job-k-octets")
        size = submitted.size or (kilobytes * 1024 if isinstance(kilobytes, int) else 0)
        outcome = PrintOutcome(
            job_id=job_id,
            pages=pages if pages is not None else submitted.pages,
            bytes_sent=size,
            seconds=time.monotonic() - submitted.started,
        )
        log.info("%s: job %s completed, %d pages in %.1f s", self.name, job_id, outcome.pages,
                 outcome.seconds)
        return outcome

    # -- status: the watcher thread (drivers.device runs it) -----------------------------

    def _io_step(self) -> None:
        self.refresh()
        self._stop.wait(self.status_interval)

    def _after_stop(self) -> None:
        self._link.drop()

    def _status_key(self, status: DeviceStatus) -> object:
        # Not the detail alone: it flips idle/processing on every job.
        return (status.state, status.action, tuple(sorted(status.supplies.items())),
                status.fault)

    def _connecting_for(self, attributes: Mapping[str, object]) -> float:
        connecting = any(
            base_reason(reason) == "connecting-to-device" for reason in reasons_of(attributes)
        )
        now = time.monotonic()
        with self._lock:
            if not connecting:
                self._connecting_since = None
                return 0.0
            if self._connecting_since is None:
                self._connecting_since = now
            return now - self._connecting_since


def _job_state(attributes: Mapping[str, object]) -> JobState:
    value = attributes.get("job-state")
    try:
        return JobState(value) if isinstance(value, int) else JobState.PENDING
    except ValueError:  # a state RFC 8011 does not define: treat as stopped
        return JobState.STOPPED


def _job_reasons(attributes: Mapping[str, object]) -> str:
    raw = attributes.get("job-state-reasons", "")
    return ",".join(raw) if isinstance(raw, list) else str(raw)
