"""The outbox's rows: what a submission is, and every read and change of the outbox table.

A row is committed ``pending`` with its payload sealed to central's outbox key when the
terminal has it (kiosk.store.crypto.seal: the terminal cannot open it again, nor can anyone
holding a copy of its disk), else encrypted under the store key beside the database (the
fallback before the key is known; docs/security.md), its idempotency key bound to the
ciphertext either way. It leaves that state once: ``delivered``, when central's answer is committed in
the same transaction that drops the payload, or ``failed``, a permanent refusal kept with its
code for operations until ``requeue`` puts it back. Threads, clients and backoff are
kiosk.outbox's; nothing here talks to central.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Row, func, insert, select, update

from kiosk import hall_time
from kiosk.central_api.evidence import evidence_body
from kiosk.central_api.models import Application, ApplicationRequest, EvidenceRef
from kiosk.store import Store, StoreError
from kiosk.store.crypto import seal
from kiosk.store.schema import DELIVERED, FAILED, PENDING, outbox, receipt_counter

log = logging.getLogger(__name__)

KIND_APPLICATION = "application"
KIND_PRINT_LOG = "print_log"      # a finished print-log entry (the ID number only sealed)
KIND_EVIDENCE = "evidence"        # one photographed page of an application (only ever sealed)


class EvidencePage(Protocol):
    """What the outbox reads of a page (kiosk.capture.pages.Page)."""

    jpeg: bytearray
    kind: Any
    material_code: str | None
    sha256: str
    size: int


def evidence_refs(pages: Sequence[EvidencePage]) -> list[EvidenceRef]:
    """The refs an application must carry for ``pages``: numbered 1.. in order."""
    return [EvidenceRef(page=i, kind=p.kind, material_code=p.material_code, sha256=p.sha256,
                        size=p.size) for i, p in enumerate(pages, start=1)]


def check_evidence(request: ApplicationRequest, pages: Sequence[EvidencePage]) -> None:
    """ValueError unless ``request.evidence`` names exactly ``pages`` (and they are intact)."""
    for page in pages:
        if not page.jpeg or len(page.jpeg) != page.size or \
                hashlib.sha256(page.jpeg).hexdigest() != page.sha256:
            raise ValueError("an evidence page is wiped or does not match its hash")
    if list(request.evidence) != evidence_refs(pages):
        raise ValueError("the application's evidence refs do not match the pages given")


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


def submission_of(row: Row[Any]) -> Submission:
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


class OutboxRows:
    """The outbox table of one store. ``receipt_prefix`` starts local receipt numbers
    (``<prefix>-<hall's day>-<n>``); ``zone`` is the hall's."""

    def __init__(
        self,
        store: Store,
        receipt_prefix: str | Callable[[], str],
        clock: Callable[[], float],
        zone: dt.tzinfo,
        seal_key: Callable[[], bytes | None] = lambda: None,
    ) -> None:
        self.store = store
        self._seal_key = seal_key
        self._prefix = receipt_prefix
        self._clock = clock
        self.zone = zone

    # -- adding ----------------------------------------------------------------------------
    def add_application(self, request: ApplicationRequest,
                        evidence: Sequence[EvidencePage] = ()) -> Submission:
        """Commit ``request`` (encrypted) with a fresh idempotency key and a local receipt,
        and one sealed ``evidence`` row per page, all in one transaction: the application
        is never on disk without its pages, nor a page without its application.

        ValueError when ``request.evidence`` does not name ``evidence`` exactly; StoreError
        ``outbox_key_unknown`` (nothing committed) when there are pages and central's outbox
        key is not known yet: a page is never kept under the store key beside the database.
        """
        check_evidence(request, evidence)
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
                payload_encrypted=self._protect(body, key),
                created_at=now, attempts=0, next_attempt_at=now,
            ))
            for ref, page in zip(final.evidence, evidence, strict=True):
                self._add_page(conn, receipt, ref, page, request.item_code)
        del body, final
        log.info("outbox: %s committed (%s, %d pages)", receipt, request.item_code, len(evidence))
        return Submission(receipt, key, False, None, None, PENDING, request.item_code, 0)

    def add_in(self, conn: Any, kind: str, body: bytes, label: str, idempotency_key: str,
               sealed_only: bool = False, seal: bool = True) -> None:
        """Add a delivery of ``body`` inside the caller's write transaction ``conn``.
        ``sealed_only``: refuse (StoreError ``outbox_key_unknown``) rather than fall back to
        the store key. ``seal=False``: always under the store key (a kind central has no
        sealed intake for; its delivery must read the body)."""
        now = self._clock()
        protected = (self._protect(body, idempotency_key, sealed_only) if seal
                     else self.store.cipher.encrypt(body, idempotency_key))
        conn.execute(insert(outbox).values(
            kind=kind, idempotency_key=idempotency_key, local_receipt=label, state=PENDING,
            payload_encrypted=protected,
            created_at=now, attempts=0, next_attempt_at=now,
        ))

    def _add_page(self, conn: Any, receipt: str, ref: EvidenceRef, page: EvidencePage,
                  item_code: str) -> None:
        body = evidence_body(receipt, ref, page.jpeg)
        try:
            key = str(uuid.uuid4())
            protected = self._protect(body, key, sealed_only=True)
        finally:
            body[:] = bytes(len(body))
        now = self._clock()
        conn.execute(insert(outbox).values(
            kind=KIND_EVIDENCE, idempotency_key=key, local_receipt=f"{receipt}/p{ref.page}",
            item_code=item_code, state=PENDING, payload_encrypted=protected,
            created_at=now, attempts=0, next_attempt_at=now,
        ))

    def _protect(self, body: bytes | bytearray, key: str, sealed_only: bool = False) -> bytes:
        public = self._seal_key()
        if public is not None:
            return seal(public, body, key)
        if sealed_only:
            raise StoreError("outbox_key_unknown", "central's outbox key is not known yet")
        return self.store.cipher.encrypt(bytes(body), key)

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

    # -- reading ---------------------------------------------------------------------------
    def lookup(self, local_receipt: str) -> Submission:
        with self.store.read() as conn:
            row = conn.execute(select(outbox).where(outbox.c.local_receipt == local_receipt)).first()
        if row is None:
            raise UnknownReceipt(local_receipt)
        return submission_of(row)

    def row_id(self, local_receipt: str) -> int:
        with self.store.read() as conn:
            row_id = conn.execute(select(outbox.c.id).where(outbox.c.local_receipt == local_receipt)).scalar()
        if row_id is None:
            raise UnknownReceipt(local_receipt)
        return int(row_id)

    def load(self, row_id: int) -> Row[Any]:
        with self.store.read() as conn:
            return conn.execute(select(outbox).where(outbox.c.id == row_id)).one()

    def payload(self, row: Row[Any]) -> bytes:
        """The row's payload in clear (raises StoreError when it cannot be decrypted; a
        sealed payload never can: it goes to central as it is)."""
        return self.store.cipher.decrypt(row.payload_encrypted, row.idempotency_key)

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
        return [submission_of(r) for r in rows]

    def due(self, now: float, busy: Sequence[int], limit: int, max_delay: float) -> tuple[list[int], float | None]:
        """Up to ``limit`` pending rows due at ``now`` and not ``busy``, oldest first; when
        there are none, also when the next one falls due (None: nothing pending). A row due
        in more than ``max_delay`` means the wall clock went back: it is due now."""
        due = (outbox.c.next_attempt_at <= now) | (outbox.c.next_attempt_at > now + max_delay + 1)
        upcoming = None
        with self.store.read() as conn:
            ids = conn.execute(
                select(outbox.c.id)
                .where(outbox.c.state == PENDING, due, outbox.c.id.notin_(busy))
                .order_by(outbox.c.id)
                .limit(limit)
            ).scalars().all()
            if not ids:
                upcoming = conn.execute(
                    select(func.min(outbox.c.next_attempt_at)).where(outbox.c.state == PENDING)
                ).scalar()
        return list(ids), upcoming

    # -- changing --------------------------------------------------------------------------
    def requeue(self, all_failed: bool = True, local_receipts: Sequence[str] = ()) -> int:
        """Failed rows (all, or the ones named) back to pending, and every pending row due
        now. Returns how many failed ones were reset."""
        now = self._clock()
        with self.store.write() as conn:
            chosen = outbox.c.state == FAILED
            if not all_failed:
                chosen = chosen & outbox.c.local_receipt.in_(list(local_receipts))
            reset = conn.execute(
                update(outbox).where(chosen).values(state=PENDING, attempts=0, next_attempt_at=now)
            ).rowcount
            conn.execute(update(outbox).where(outbox.c.state == PENDING).values(next_attempt_at=now))
        return int(reset)

    def mark_delivered(self, row_id: int, application: Application | None) -> Row[Any]:
        """Central's answer committed and the payload dropped, in one transaction."""
        with self.store.write() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == row_id, outbox.c.state != DELIVERED)
                .values(
                    state=DELIVERED, delivered_at=self._clock(), payload_encrypted=None,
                    result_number=application.application_number if application else None,
                    result_json=_kept(application).model_dump_json() if application else None,
                    last_error=None,
                    attempts=outbox.c.attempts + 1,
                )
            )
            return conn.execute(select(outbox).where(outbox.c.id == row_id)).one()

    def mark_failed(
        self, row_id: int, code: str, retry_at: Callable[[int], float] | None
    ) -> tuple[Row[Any], int]:
        """One more failed attempt of a pending row: failed for good (``retry_at`` None) or
        due again at ``retry_at(attempts)``. Returns the row and its count of attempts."""
        with self.store.write() as conn:
            attempts = conn.execute(select(outbox.c.attempts).where(outbox.c.id == row_id)).scalar_one() + 1
            values: dict[str, Any] = {"attempts": attempts, "last_error": code}
            if retry_at is None:
                values["state"] = FAILED
            else:
                values["next_attempt_at"] = retry_at(attempts)
            conn.execute(update(outbox).where(outbox.c.id == row_id, outbox.c.state == PENDING).values(**values))
            return conn.execute(select(outbox).where(outbox.c.id == row_id)).one(), attempts


def _kept(application: Application) -> Application:
    """Central's answer as the outbox keeps it: without the photographed pages' SHA-256
    (the evidence list and the custody steps' hashes). A hash identifies the citizen's
    document (anyone holding the page can confirm it was handed in here), and the terminal
    has no use for it once the application is delivered (docs/casework.md §5)."""
    def plain(steps: Sequence[Any]) -> list[Any]:
        return [step.model_copy(update={"hashes": []}) for step in steps]

    return application.model_copy(update={
        "evidence": [], "timeline": plain(application.timeline),
        "parts": [part.model_copy(update={"timeline": plain(part.timeline)}) for part in application.parts],
    })
