"""The outbox: a submission is committed locally first, then delivered to central.

``submit_application`` commits the request, encrypted, with a fresh idempotency key and a
local receipt number, and only then returns: from that moment a power cut loses nothing.
Delivery (``deliver_now`` for the citizen waiting at the screen, a worker thread for the
rest) is at-least-once: a row stays pending until central's answer is committed locally, in
the same transaction that drops the payload. Central deduplicates by the idempotency key,
so a resend after a crash (before send, during, or after send before the local commit) has
exactly one effect. Contract rejections (422, 404 ...) would fail forever: they are kept as
``failed`` with their code for operations (``kiosk outbox status`` / ``retry``).

What waits in the outbox is sealed to central's X25519 outbox key (GET /keys/outbox) once
the terminal has it: the worker fetches it while it is unknown and keeps it in
``<data_dir>/keys/central-outbox.json`` (a public key); sealed rows go to the ``/sealed``
intakes as they are, the terminal never opening them. Before the key is known, rows are
encrypted under the store key (docs/security.md says what that protects and what not).

The rows themselves (what a submission is, how a row is committed and changes state) are
kiosk.outbox_rows'; this module delivers them: the worker, the delivery threads and their
clients, the backoff and the pause while central is out of reach.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from kiosk import hall_time
from kiosk.central_api import client_for
from kiosk.central_api.client import CentralClient
from kiosk.central_api.enroll import OUTBOX_KEY_FILE
from kiosk.central_api.errors import CentralError, CentralRejected, IdentityInvalid, NotEnrolled
from kiosk.central_api.evidence import deliver_evidence
from kiosk.central_api.models import Application, ApplicationRequest
from kiosk.central_api.signing import load_identity
from kiosk.config import KioskConfig
from kiosk.outbox_key import KeptOutboxKey
from kiosk.outbox_rows import (
    KIND_EVIDENCE,
    KIND_PRINT_LOG,
    EvidencePage,
    OutboxRows,
    OutboxStatus,
    Submission,
    UnknownReceipt,
    submission_of,
)
from kiosk.store import Store, StoreError
from kiosk.store.crypto import is_sealed
from kiosk.store.schema import PENDING

log = logging.getLogger(__name__)

ClientFactory = Callable[[], CentralClient]
# A registered kind's delivery: raises CentralError like the client's own calls.
KindDelivery = Callable[[CentralClient, bytes, str], None]
# 4xx statuses that say "this submission will never be accepted as it is". Others (401
# clock skew or revoked terminal, 408, 429) are about the terminal or the moment: retried.
PERMANENT_STATUSES = frozenset({400, 404, 409, 410, 413, 422})


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
        self.concurrency = concurrency
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.idle_poll = idle_poll
        self._clock = clock
        self._rng = rng
        # The hall's zone: a local receipt's day and submitted_at are the hall's, not the host's.
        self.zone = hall_time.default_zone() if zone is None else zone
        self._key = KeptOutboxKey(store.data_dir / "keys" / OUTBOX_KEY_FILE, clock)
        self._rows = OutboxRows(store, receipt_prefix, clock, self.zone, self.seal_key)
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
        self._kinds: dict[str, KindDelivery] = {}
        self._sealed_kinds: set[str] = set()
        self.register(KIND_EVIDENCE, deliver_evidence, sealed=True)

    # -- submitting ------------------------------------------------------------------------
    def submit_application(self, request: ApplicationRequest,
                           evidence: Sequence[EvidencePage] = ()) -> Submission:
        """Commit ``request`` locally (encrypted) and return its receipt. Delivery follows.

        ``evidence``: the photographed pages ``request.evidence`` names (kiosk.capture),
        committed in the same transaction, one ``evidence`` row each, sealed to central's
        key (ValueError when the refs do not match the pages; StoreError
        ``outbox_key_unknown`` when there are pages and the key is not known yet:
        ``can_seal()`` says so beforehand). Each page's payload is dropped once delivered."""
        submission = self._rows.add_application(request, evidence)
        self._wake.set()
        return submission

    def enqueue_in(self, conn: Any, kind: str, body: bytes, label: str, idempotency_key: str,
                   sealed_only: bool = False, seal: bool = True) -> None:
        """Add a delivery of ``body`` inside the caller's write transaction ``conn``: it is
        committed (or rolled back) together with the caller's own rows. ``label`` takes
        the place of the local receipt (unique). Call ``wake()`` after the commit.
        ``sealed_only``: StoreError ``outbox_key_unknown`` rather than the store key;
        ``seal=False``: never sealed (a kind delivered by a ``register``ed delivery)."""
        self._rows.add_in(conn, kind, body, label, idempotency_key, sealed_only, seal)

    def register(self, kind: str, deliver: KindDelivery, sealed: bool = False) -> None:
        """Deliver rows of ``kind`` with ``deliver(client, body, idempotency_key)`` (kinds
        of other modules, e.g. kiosk.queue_blocks' offline tickets; stored unsealed).
        ``sealed``: the kind's intake takes sealed envelopes, and ``deliver`` gets a sealed
        row's body as ``{"sealed": "<base64>"}`` (as the built-in kinds' /sealed intakes
        do); without it a sealed row of the kind fails ``sealed_unsupported``."""
        self._kinds[kind] = deliver
        if sealed:
            self._sealed_kinds.add(kind)
        else:
            self._sealed_kinds.discard(kind)

    def can_seal(self) -> bool:
        """Whether pages can be submitted now (central's outbox key is known)."""
        return self.seal_key() is not None

    # -- central's outbox key --------------------------------------------------------------
    def seal_key(self) -> bytes | None:
        """Central's outbox public key (32 raw bytes), or None while it is not known."""
        return self._key.public

    def refresh_seal_key(self, client: CentralClient) -> bool:
        """Ask central for its outbox key and keep it; whether the terminal has one now."""
        return self._key.refresh(client)

    def _ensure_seal_key(self) -> None:
        self._key.ensure(self._client)

    # -- queries ---------------------------------------------------------------------------
    def lookup(self, local_receipt: str) -> Submission:
        """The submission with this local receipt number (raises UnknownReceipt)."""
        return self._rows.lookup(local_receipt)

    def status(self) -> OutboxStatus:
        return self._rows.status()

    def failures(self, limit: int = 100) -> list[Submission]:
        """Permanently failed submissions, oldest first (for operations)."""
        return self._rows.failures(limit)

    def retry(self, all_failed: bool = True, local_receipts: Sequence[str] = ()) -> int:
        """Put failed submissions back in the queue (all, or the ones named) and make every
        pending one due now. Returns how many failed ones were reset."""
        reset = self._rows.requeue(all_failed, local_receipts)
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
        return self._rows.row_id(local_receipt)

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
                self._ensure_seal_key()
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
        ids, upcoming = self._rows.due(now, busy, free, self.max_backoff)
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
        row = self._rows.load(row_id)
        if row.state != PENDING:
            return submission_of(row)
        if row.payload_encrypted is None:
            return self._record_failure(row_id, "payload_missing", permanent=True)
        blob = bytes(row.payload_encrypted)
        sealed = is_sealed(blob)
        try:
            if sealed:   # goes as it is: the terminal cannot open it
                body = json.dumps({"sealed": base64.b64encode(blob).decode("ascii")}).encode()
            else:
                body = self._rows.payload(row)
        except StoreError as err:
            return self._record_failure(row_id, err.code, permanent=True)
        registered = self._kinds.get(row.kind)
        if registered is not None and sealed and row.kind not in self._sealed_kinds:
            return self._record_failure(row_id, "sealed_unsupported", permanent=True)
        try:
            client = self._client()
            if registered is not None:
                registered(client, body, row.idempotency_key)
                application = None
            elif row.kind == KIND_PRINT_LOG:
                if sealed:
                    client.submit_print_log_json(body, row.idempotency_key, sealed=True)
                else:
                    client.submit_print_log_json(body, row.idempotency_key)
                application = None
            elif sealed:
                application = client.submit_application_json(body, row.idempotency_key, sealed=True)
            else:
                application = client.submit_application_json(body, row.idempotency_key)
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
        row = self._rows.mark_delivered(row_id, application)
        with self._lock:
            self._outage, self._pause_until = 0, 0.0
        if application is None:
            log.info("outbox: %s delivered", row.local_receipt)
            return submission_of(row)
        if application.local_receipt != row.local_receipt:
            log.warning("outbox: central answered %s for %s", application.local_receipt, row.local_receipt)
        log.info("outbox: %s delivered as %s", row.local_receipt, application.application_number)
        return submission_of(row)

    def _record_failure(self, row_id: int, code: str, permanent: bool) -> Submission:
        now = self._clock()
        row, attempts = self._rows.mark_failed(
            row_id, code, None if permanent else lambda n: now + self.backoff(n)
        )
        if permanent:
            log.warning("outbox: %s failed permanently: %s", row.local_receipt, code)
        else:
            with self._lock:
                # Central is down or confused: the worker pauses as a whole instead of
                # walking through every pending row and timing out on each.
                self._outage += 1
                self._pause_until = now + self.backoff(self._outage)
            log.info("outbox: %s not delivered (%s), attempt %d", row.local_receipt, code, attempts)
        return submission_of(row)

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


# What callers of the outbox use, wherever it is defined.
__all__ = [
    "KIND_EVIDENCE", "KIND_PRINT_LOG", "ClientFactory", "Outbox", "OutboxStatus", "PERMANENT_STATUSES", "Submission",
    "UnknownReceipt", "open_outbox",
]
