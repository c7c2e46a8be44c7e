"""The outbox: a submission is committed locally first, then delivered to central.

``submit_application`` commits the request, encrypted, with a fresh idempotency key and a
local receipt number, and only then returns: from that moment a power cut loses nothing.
Delivery (``deliver_now`` for the citizen waiting at the screen, a worker thread for the
rest) is at-least-once: a row stays pending until central's answer is committed locally, in
the same transaction that drops the payload. Central deduplicates by the idempotency key,
so a resend after a crash (before send, during, or after send before the local commit) has
exactly one effect. Contract rejections (422, 404 ...) would fail forever: they are kept as
``failed`` with their code for operations (``kiosk outbox status`` / ``retry``).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Row, func, insert, select, update

from kiosk import hall_time
from kiosk.central_api import client_for
from kiosk.central_api.client import CentralClient
from kiosk.central_api.errors import CentralError, CentralRejected, IdentityInvalid, NotEnrolled
from kiosk.central_api.models import Application, ApplicationRequest
from kiosk.central_api.signing import load_identity
from kiosk.config import KioskConfig
from kiosk.store import Store, StoreError
from kiosk.store.schema import DELIVERED, FAILED, PENDING, outbox, receipt_counter

log = logging.getLogger(__name__)

ClientFactory = Callable[[], CentralClient]
KIND_APPLICATION = "application"
KIND_PRINT_LOG = "print_log"      # a finished print-log entry (no clear personal data)
# 4xx statuses that say "this submission will never be accepted as it is". Others (401
# clock skew or revoked terminal, 408, 429) are about the terminal or the moment: retried.
PERMANENT_STATUSES = frozenset({400, 404, 409, 410, 413, 422})


class UnknownReceipt(KeyError):
    """No submission with this local receipt number."""


@dataclass(frozen=True)
class Submission:
    local_receipt: str
    idempotency_key: str
    delivered: bool
    application: Application | None      # central's 办件 once delivered (no applicant data)
    error_code: str | None               # last delivery error, a stable code
    state: str = PENDING                 # pending | delivered | failed (permanent)
    item_code: str = ""
    attempts: int = 0

    @property
    def application_number(self) -> str | None:
        return self.application.application_number if self.application else None


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    delivered: int
    failed: int
    oldest_pending_age_s: float | None


def _submission(row: Row[Any]) -> Submission:
    application = Application.model_validate_json(row.result_json) if row.result_json else None
    return Submission(
        local_receipt=row.local_receipt,
        idempotency_key=row.idempotency_key,
        delivered=row.state == DELIVERED,
        application=application,
        error_code=row.last_error,
        state=row.state,
        item_code=row.item_code,
        attempts=row.attempts,
    )


class Outbox:
    def __init__(
        self,
        store: Store,
        client_factory: ClientFactory,
        *,
        receipt_prefix: str | Callable[[], str] = "T",
        concurrency: int = 4,
        base_backoff: float = 1.0,
        max_backoff: float = 300.0,
        idle_poll: float = 5.0,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
        zone: dt.tzinfo | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.store = store
        self.client_factory = client_factory
        self._prefix = receipt_prefix
        self.concurrency = concurrency
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.idle_poll = idle_poll
        self._clock = clock
        self._rng = rng
        # The hall's zone: a local receipt's day and submitted_at are the hall's, not the host's.
        self.zone = hall_time.default_zone() if zone is None else zone
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._in_flight: dict[int, Future[Submission]] = {}
        self._local = threading.local()
        self._clients: list[CentralClient] = []
        self._pause_until = 0.0
        self._outage = 0          # consecutive retryable failures, for the worker's pause

    # -- submitting ------------------------------------------------------------------------
    def submit_application(self, request: ApplicationRequest) -> Submission:
        """Commit ``request`` locally (encrypted) and return its receipt. Delivery follows."""
        now = self._clock()
        local_now = hall_time.to_hall(now, self.zone)
        key = str(uuid.uuid4())
        with self.store.write() as conn:
            receipt = request.local_receipt or self._next_receipt(conn, local_now)
            final = request.model_copy(update={
                "local_receipt": receipt,
                "submitted_at": request.submitted_at or local_now.replace(microsecond=0),
            })
            body = final.model_dump_json().encode("utf-8")
            conn.execute(insert(outbox).values(
                kind=KIND_APPLICATION, idempotency_key=key, local_receipt=receipt,
                item_code=request.item_code, state=PENDING,
                payload_encrypted=self.store.cipher.encrypt(body, key),
                created_at=now, attempts=0, next_attempt_at=now,
            ))
        del body, final
        log.info("outbox: %s committed (%s)", receipt, request.item_code)
        self._wake.set()
        return Submission(receipt, key, False, None, None, PENDING, request.item_code, 0)

    def enqueue_in(self, conn: Any, kind: str, body: bytes, label: str, idempotency_key: str) -> None:
        """Add a delivery of ``body`` inside the caller's write transaction ``conn``: it is
        committed (or rolled back) together with the caller's own rows. ``label`` takes
        the place of the local receipt (unique). Call ``wake()`` after the commit."""
        now = self._clock()
        conn.execute(insert(outbox).values(
            kind=kind, idempotency_key=idempotency_key, local_receipt=label, state=PENDING,
            payload_encrypted=self.store.cipher.encrypt(body, idempotency_key),
            created_at=now, attempts=0, next_attempt_at=now,
        ))

    def _next_receipt(self, conn: Any, local_now: dt.datetime) -> str:
        day = local_now.strftime("%Y%m%d")
        last = conn.execute(select(receipt_counter.c.last).where(receipt_counter.c.day == day)).scalar()
        number = (last or 0) + 1
        if last is None:
            conn.execute(insert(receipt_counter).values(day=day, last=number))
        else:
            conn.execute(update(receipt_counter).where(receipt_counter.c.day == day).values(last=number))
        prefix = self._prefix() if callable(self._prefix) else self._prefix
        return f"{prefix}-{day}-{number:04d}"

    # -- queries ---------------------------------------------------------------------------
    def lookup(self, local_receipt: str) -> Submission:
        with self.store.read() as conn:
            row = conn.execute(select(outbox).where(outbox.c.local_receipt == local_receipt)).first()
        if row is None:
            raise UnknownReceipt(local_receipt)
        return _submission(row)

    def status(self) -> OutboxStatus:
        with self.store.read() as conn:
            grouped = conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state)).all()
            counts: dict[str, int] = {state: n for state, n in grouped}
            oldest = conn.execute(select(func.min(outbox.c.created_at)).where(outbox.c.state == PENDING)).scalar()
        return OutboxStatus(
            pending=counts.get(PENDING, 0),
            delivered=counts.get(DELIVERED, 0),
            failed=counts.get(FAILED, 0),
            oldest_pending_age_s=None if oldest is None else max(0.0, self._clock() - oldest),
        )

    def failures(self, limit: int = 100) -> list[Submission]:
        """Permanently failed submissions, oldest first (for operations)."""
        with self.store.read() as conn:
            rows = conn.execute(
                select(outbox).where(outbox.c.state == FAILED).order_by(outbox.c.id).limit(limit)
            ).all()
        return [_submission(r) for r in rows]

    def retry(self, all_failed: bool = True, local_receipts: Sequence[str] = ()) -> int:
        """Put failed submissions back in the queue (all, or the ones named) and make every
        pending one due now. Returns how many failed ones were reset."""
        now = self._clock()
        with self.store.write() as conn:
            chosen = outbox.c.state == FAILED
            if not all_failed:
                chosen = chosen & outbox.c.local_receipt.in_(list(local_receipts))
            reset = conn.execute(
                update(outbox).where(chosen).values(state=PENDING, attempts=0, next_attempt_at=now)
            ).rowcount
            conn.execute(update(outbox).where(outbox.c.state == PENDING).values(next_attempt_at=now))
        with self._lock:
            self._pause_until, self._outage = 0.0, 0
        self._wake.set()
        return reset

    # -- delivering ------------------------------------------------------------------------
    def deliver_now(self, local_receipt: str, timeout: float = 8.0) -> Submission:
        """Try to deliver one submission at once and wait up to ``timeout`` seconds. Never
        raises for delivery problems: the Submission says delivered or not (and why)."""
        current = self.lookup(local_receipt)
        if current.state != PENDING:
            return current
        future = self._dispatch(self._row_id(local_receipt))
        try:
            return future.result(timeout)
        except FutureTimeout:
            return self.lookup(local_receipt)   # still pending; the attempt finishes by itself

    def _row_id(self, local_receipt: str) -> int:
        with self.store.read() as conn:
            row_id = conn.execute(select(outbox.c.id).where(outbox.c.local_receipt == local_receipt)).scalar()
        if row_id is None:
            raise UnknownReceipt(local_receipt)
        return int(row_id)

    def start(self) -> None:
        """Start the background worker (idempotent)."""
        with self._lock:
            if self._worker is not None and self._worker.is_alive():
                return
            self._stop.clear()
            self._worker = threading.Thread(target=self._run, name="outbox worker", daemon=True)
            self._worker.start()

    def stop(self) -> None:
        """Stop the worker; in-flight deliveries finish (bounded by the client's timeouts)."""
        self._stop.set()
        self._wake.set()
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.join()
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                wait = self._dispatch_due()
            except Exception:  # the worker must outlive a locked or broken database
                log.exception("outbox worker round failed")
                wait = self.idle_poll
            if wait > 0:
                self._wake.wait(wait)

    def _dispatch_due(self) -> float:
        """Start deliveries of due rows, oldest first; return how long to wait for more."""
        now = self._clock()
        with self._lock:
            pause = self._pause_until - now
            busy = list(self._in_flight)
        if pause > 0:
            return min(pause, self.idle_poll)
        free = self.concurrency - len(busy)
        if free <= 0:
            return self.idle_poll                     # a finishing delivery wakes us
        # A row due in more than max_backoff means the wall clock went back: due now.
        due = (outbox.c.next_attempt_at <= now) | (outbox.c.next_attempt_at > now + self.max_backoff + 1)
        with self.store.read() as conn:
            ids = conn.execute(
                select(outbox.c.id)
                .where(outbox.c.state == PENDING, due, outbox.c.id.notin_(busy))
                .order_by(outbox.c.id)
                .limit(free)
            ).scalars().all()
            if not ids:
                upcoming = conn.execute(
                    select(func.min(outbox.c.next_attempt_at)).where(outbox.c.state == PENDING)
                ).scalar()
        if ids:
            for row_id in ids:
                self._dispatch(row_id)
            return 0.0 if len(ids) == free else self.idle_poll
        return self.idle_poll if upcoming is None else max(0.01, min(self.idle_poll, upcoming - now))

    def _dispatch(self, row_id: int) -> Future[Submission]:
        with self._lock:
            running = self._in_flight.get(row_id)
            if running is not None:
                return running
            if self._executor is None:
                # One thread more than the worker uses: deliver_now never queues behind it.
                self._executor = ThreadPoolExecutor(self.concurrency + 1, thread_name_prefix="outbox")
            future = self._executor.submit(self._deliver, row_id)
            self._in_flight[row_id] = future
        future.add_done_callback(lambda _f: self._finished(row_id))
        return future

    def _finished(self, row_id: int) -> None:
        with self._lock:
            self._in_flight.pop(row_id, None)
        self._wake.set()

    def _client(self) -> CentralClient:
        client: CentralClient | None = getattr(self._local, "client", None)
        if client is None:
            client = self.client_factory()
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def _drop_client(self) -> None:
        client: CentralClient | None = getattr(self._local, "client", None)
        self._local.client = None
        if client is not None:
            with self._lock:
                if client in self._clients:
                    self._clients.remove(client)
            client.close()

    def _deliver(self, row_id: int) -> Submission:
        with self.store.read() as conn:
            row = conn.execute(select(outbox).where(outbox.c.id == row_id)).one()
        if row.state != PENDING:
            return _submission(row)
        if row.payload_encrypted is None:
            return self._record_failure(row_id, "payload_missing", permanent=True)
        try:
            body = self.store.cipher.decrypt(row.payload_encrypted, row.idempotency_key)
        except StoreError as err:
            return self._record_failure(row_id, err.code, permanent=True)
        try:
            if row.kind == KIND_PRINT_LOG:
                self._client().submit_print_log_json(body, row.idempotency_key)
                application = None
            else:
                application = self._client().submit_application_json(body, row.idempotency_key)
        except CentralRejected as err:
            if err.status == 401:
                # Perhaps re-enrolled since this client was made: the next try reads the
                # identity again.
                self._drop_client()
            permanent = err.status in PERMANENT_STATUSES
            return self._record_failure(row_id, err.code, permanent=permanent)
        except CentralError as err:
            return self._record_failure(row_id, err.code, permanent=False)
        except Exception:
            log.exception("outbox: delivery of %s failed unexpectedly", row.local_receipt)
            return self._record_failure(row_id, "internal_error", permanent=False)
        finally:
            del body
        return self._record_delivery(row_id, application)

    def _record_delivery(self, row_id: int, application: Application | None) -> Submission:
        with self.store.write() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == row_id, outbox.c.state != DELIVERED)
                .values(
                    state=DELIVERED, delivered_at=self._clock(), payload_encrypted=None,
                    result_number=application.application_number if application else None,
                    result_json=application.model_dump_json() if application else None,
                    last_error=None,
                    attempts=outbox.c.attempts + 1,
                )
            )
            row = conn.execute(select(outbox).where(outbox.c.id == row_id)).one()
        with self._lock:
            self._outage, self._pause_until = 0, 0.0
        if application is None:
            log.info("outbox: %s delivered", row.local_receipt)
            return _submission(row)
        if application.local_receipt != row.local_receipt:
            log.warning("outbox: central answered %s for %s", application.local_receipt, row.local_receipt)
        log.info("outbox: %s delivered as %s", row.local_receipt, application.application_number)
        return _submission(row)

    def _record_failure(self, row_id: int, code: str, permanent: bool) -> Submission:
        now = self._clock()
        with self.store.write() as conn:
            attempts = conn.execute(select(outbox.c.attempts).where(outbox.c.id == row_id)).scalar_one() + 1
            values: dict[str, Any] = {"attempts": attempts, "last_error": code}
            if permanent:
                values["state"] = FAILED
            else:
                values["next_attempt_at"] = now + self.backoff(attempts)
            conn.execute(update(outbox).where(outbox.c.id == row_id, outbox.c.state == PENDING).values(**values))
            row = conn.execute(select(outbox).where(outbox.c.id == row_id)).one()
        if permanent:
            log.warning("outbox: %s failed permanently: %s", row.local_receipt, code)
        else:
            with self._lock:
                # Central is down or confused: the worker pauses as a whole instead of
                # walking through every pending row and timing out on each.
                self._outage += 1
                self._pause_until = now + self.backoff(self._outage)
            log.info("outbox: %s not delivered (%s), attempt %d", row.local_receipt, code, attempts)
        return _submission(row)

    def backoff(self, attempts: int) -> float:
        """Delay before attempt ``attempts + 1``: 1 s doubling to 5 min, with equal jitter."""
        delay = min(self.max_backoff, self.base_backoff * 2 ** min(max(attempts - 1, 0), 30))
        return delay / 2 + self._rng() * delay / 2



def open_outbox(config: KioskConfig, store: Store, *, concurrency: int = 4) -> Outbox:
    """The terminal's outbox. Its clients come from the enrolled identity, read when a
    delivery thread first needs one (a terminal enrolled while running starts delivering)."""
    data_dir = Path(config.terminal.data_dir)

    def factory() -> CentralClient:
        identity = load_identity(data_dir)
        if identity is None:
            raise NotEnrolled()
        return client_for(config, identity)

    def prefix() -> str:
        if config.terminal.terminal_code:
            return config.terminal.terminal_code
        try:
            identity = load_identity(data_dir)
        except IdentityInvalid:
            identity = None
        return identity.terminal_id if identity else "LOCAL"

    return Outbox(store, factory, receipt_prefix=prefix, concurrency=concurrency,
                  zone=hall_time.hall_zone(config))
