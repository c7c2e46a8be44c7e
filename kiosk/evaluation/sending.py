"""An evaluation goes to central through the outbox (kind ``evaluation``, docs/casework.md §8).

``submit`` marks the handling rated (or keeps an application from central as a rated
handling) and commits the outbox row in ONE write transaction: a power cut leaves either
both or neither, and a handling can never be rated twice here (一次一评). The row is
encrypted under the store key, not sealed: its delivery (``deliver``) reads the body.

Central answers a second evaluation of a handling (rated at another terminal, or an
application rated before) with 409 ``duplicate``: that is done, not a failure; the sender
remembers the row's key so the waiting screen can say so in Chinese (``outcome``).
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from sqlalchemy import Connection

from kiosk.central_api.client import CentralClient
from kiosk.central_api.errors import CentralRejected
from kiosk.central_api.evaluations import submit_evaluation
from kiosk.central_api.models import EvaluationRequest
from kiosk.flows.base import Handling
from kiosk.outbox_rows import Submission
from kiosk.store import Store
from kiosk.store.schema import DELIVERED, FAILED

if TYPE_CHECKING:
    from kiosk.evaluation.handlings import Handlings

KIND_EVALUATION = "evaluation"
LEVELS = (5, 4, 3, 2, 1)                 # 非常满意 … 非常不满意 (the words are the screens')
LOW_LEVELS = frozenset({1, 2})           # these ask for at least one reason
REASONS = ("attitude", "slow", "unclear", "many_visits", "materials", "device", "result", "other")
COMMENT_MAX = 200
REMEMBERED = 256                          # duplicate answers kept for the screens to read

Outcome = Literal["sent", "queued", "duplicate", "failed"]


class AlreadyRated(Exception):
    """This terminal already sent an evaluation of the handling (一次一评)."""


class Enqueuer(Protocol):
    """The outbox, as far as evaluations use it (kiosk.outbox.Outbox)."""

    def enqueue_in(self, conn: Connection, kind: str, body: bytes, label: str, idempotency_key: str,
                   sealed_only: bool = False, seal: bool = True) -> None: ...
    def wake(self) -> None: ...
    def deliver_now(self, local_receipt: str, timeout: float = 8.0) -> Submission: ...


@dataclass(frozen=True)
class Rateable:
    """One thing the citizen may rate: a handling kept here, or an application from central
    (``kept`` False: recorded, already rated, when its evaluation is submitted)."""

    handling_id: str
    handling: Handling
    handled_at: dt.datetime          # aware
    kept: bool = True


def label_of(handling_id: str) -> str:
    """The outbox row's label (its unique local receipt): one row per handling."""
    return f"E-{handling_id}"


class EvaluationSender:
    def __init__(self, store: Store, outbox: Enqueuer, handlings: Handlings) -> None:
        self._store = store
        self._outbox = outbox
        self._handlings = handlings
        self._lock = threading.Lock()
        self._duplicates: OrderedDict[str, None] = OrderedDict()

    def submit(self, rateable: Rateable, level: int, reasons: tuple[str, ...], comment: str,
               rated_at: dt.datetime, person_key: str | None) -> str:
        """Commit the evaluation for delivery; its outbox label. Raises AlreadyRated, and
        ValueError for a level, reason or comment the contract refuses."""
        if level not in LEVELS:
            raise ValueError(f"level {level} is not 1-5")
        if any(r not in REASONS for r in reasons) or len(set(reasons)) != len(reasons):
            raise ValueError("unknown or repeated reason")
        if (level in LOW_LEVELS) != bool(reasons):
            raise ValueError("levels 1-2 need a reason, others none")
        text = comment.strip()
        if len(text) > COMMENT_MAX:
            raise ValueError(f"comment longer than {COMMENT_MAX}")
        h = rateable.handling
        request = EvaluationRequest(
            handling_id=rateable.handling_id, service_id=h.service_id, item_code=h.item_code,
            application_number=h.application_number, local_receipt=h.local_receipt,
            level=level, reasons=list(reasons), comment=text or None,
            handled_at=rateable.handled_at.replace(microsecond=0),
            rated_at=rated_at.replace(microsecond=0),
        )
        body = request.model_dump_json().encode("utf-8")
        label = label_of(rateable.handling_id)
        with self._store.write() as conn:
            if not self._handlings.mark_rated_in(conn, rateable.handling_id):
                if rateable.kept or self._handlings.get(rateable.handling_id, conn) is not None:
                    raise AlreadyRated(rateable.handling_id)
                self._handlings.record_in(conn, h, person_key, rateable.handling_id, rated=True)
            self._outbox.enqueue_in(conn, KIND_EVALUATION, body, label, str(uuid.uuid4()), seal=False)
        del body
        self._outbox.wake()
        return label

    def outcome(self, label: str, timeout: float = 8.0) -> Outcome:
        """Deliver now (the citizen waits up to ``timeout``) and say how it went: ``queued``
        means kept for later (central out of reach), which is fine for the citizen."""
        submission = self._outbox.deliver_now(label, timeout)
        with self._lock:
            duplicate = submission.idempotency_key in self._duplicates
        if duplicate:
            return "duplicate"
        if submission.state == DELIVERED:
            return "sent"
        return "failed" if submission.state == FAILED else "queued"

    def deliver(self, client: CentralClient, body: bytes, idempotency_key: str) -> None:
        """The outbox's delivery of one ``evaluation`` row (Outbox.register)."""
        try:
            submit_evaluation(client, body, idempotency_key)
        except CentralRejected as err:
            if err.status != 409 or err.error != "duplicate":
                raise
            with self._lock:   # rated before: done, and the screen is told
                self._duplicates[idempotency_key] = None
                while len(self._duplicates) > REMEMBERED:
                    self._duplicates.popitem(last=False)
