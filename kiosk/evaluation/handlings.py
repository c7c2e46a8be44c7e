"""This terminal's completed handlings of the last 7 days, for 好差评 (docs/casework.md §8).

Each completed service (Flow.completed_handling) becomes a row with a fresh ``handling_id``
(uuid4) that its one evaluation names (一次一评). The 好差评 tile finds an identified
citizen's rows again by ``person_key``: a keyed hash of the ID number, never the number.

Why the hash is stretched: a plain HMAC under a key on this disk gives a number back by
brute force in hours (kiosk/store/migrations/versions/0004 says why the print log dropped
its look-up hash). Here the number goes through scrypt (16 MiB, ~50 ms) before the
HMAC-SHA256 under a key derived from the store key, and rows live 7 days: trying every
plausible number for one row costs years, and nothing else on a row names the person.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from kiosk.evaluation.sending import Enqueuer, EvaluationSender
from kiosk.flows.base import Handling
from kiosk.store import Store
from kiosk.store.schema import handlings

RETENTION_DAYS = 7
KEY_PURPOSE = "evaluation-person-v1"
SALT_PURPOSE = "evaluation-person-salt-v1"
# scrypt's cost: N=2^14, r=8 is 16 MiB and tens of milliseconds a look-up, once a session.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
# Applications from central are rated under an id derived from their number, so the same
# application is the same handling on every terminal (central answers a second one 409).
APPLICATION_NAMESPACE = uuid.UUID("6b1f0c57-3b0e-4c1b-9a43-1d2f7a5c8e90")


def application_handling_id(application_number: str) -> str:
    """The handling_id under which an application (办件) is rated, the same everywhere."""
    return str(uuid.uuid5(APPLICATION_NAMESPACE, application_number))


@dataclass(frozen=True)
class RecentHandling:
    """A handling kept here: what the 好差评 list shows and what an evaluation names."""

    handling_id: str
    service_id: str
    title: str
    item_code: str | None
    application_number: str | None
    local_receipt: str | None
    handled_at: dt.datetime      # aware (UTC)
    rated: bool


class Handlings:
    """The ``handlings`` table of the store. ``clock`` gives epoch seconds (tests inject);
    with the terminal's ``outbox``, ``sender`` sends evaluations (register its delivery:
    ``outbox.register(KIND_EVALUATION, handlings.sender.deliver)``)."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time,
                 retention_days: int = RETENTION_DAYS, outbox: Enqueuer | None = None) -> None:
        self._store = store
        # How evaluations are sent (kind ``evaluation``); None for a store read alone.
        self.sender = EvaluationSender(store, outbox, self) if outbox is not None else None
        self._clock = clock
        self._retention = retention_days * 86400.0
        self._key = store.cipher.derive(KEY_PURPOSE)
        self._salt = store.cipher.derive(SALT_PURPOSE)[:16]

    def person_key(self, id_number: str) -> str:
        """The hex key this terminal files a citizen's handlings under (64 characters)."""
        stretched = hashlib.scrypt(id_number.strip().upper().encode("ascii", "replace"),
                                   salt=self._salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                                   maxmem=64 * 1024 * 1024, dklen=32)
        return hmac.new(self._key, stretched, hashlib.sha256).hexdigest()

    # -- writing ---------------------------------------------------------------------------
    def record(self, handling: Handling, person_key: str | None,
               handling_id: str | None = None, rated: bool = False) -> str:
        """Keep a completed handling (``person_key`` None: nobody identified); its id: a
        fresh uuid4, or for a filed application the id derived from its number (rated once
        wherever it is offered). Rows past the retention go in the same transaction."""
        hid = handling_id or (application_handling_id(handling.application_number)
                              if handling.application_number else str(uuid.uuid4()))
        with self._store.write() as conn:
            self.record_in(conn, handling, person_key, hid, rated)
        return hid

    def record_in(self, conn: Connection, handling: Handling, person_key: str | None,
                  handling_id: str, rated: bool = False) -> None:
        """``record`` inside the caller's write transaction (an evaluation of an application
        listed by central's ``mine`` is recorded rated together with its outbox row)."""
        now = self._clock()
        conn.execute(delete(handlings).where(handlings.c.handled_at < now - self._retention))
        if self.get(handling_id, conn) is not None:
            return   # the same application completed again: one handling, rated once
        conn.execute(insert(handlings).values(
            handling_id=handling_id, service_id=handling.service_id, title=handling.title[:128],
            item_code=handling.item_code, application_number=handling.application_number,
            local_receipt=handling.local_receipt, handled_at=now, person_key=person_key or "",
            rated=rated,
        ))

    def mark_rated(self, handling_id: str) -> bool:
        """Mark the handling rated; False when it was rated already or is not kept."""
        with self._store.write() as conn:
            return self.mark_rated_in(conn, handling_id)

    @staticmethod
    def mark_rated_in(conn: Connection, handling_id: str) -> bool:
        done = conn.execute(update(handlings).where(
            (handlings.c.handling_id == handling_id) & handlings.c.rated.is_(False)
        ).values(rated=True))
        return bool(done.rowcount)

    def prune(self) -> int:
        """Delete rows past the retention; how many went."""
        with self._store.write() as conn:
            done = conn.execute(delete(handlings).where(
                handlings.c.handled_at < self._clock() - self._retention))
        return int(done.rowcount)

    # -- reading ---------------------------------------------------------------------------
    def recent(self, person_key: str, days: int = RETENTION_DAYS) -> list[RecentHandling]:
        """The person's handlings of the last ``days`` days (rated ones too), newest first."""
        if not person_key:
            return []
        since = self._clock() - min(days * 86400.0, self._retention)
        query = (select(handlings)
                 .where((handlings.c.person_key == person_key) & (handlings.c.handled_at >= since))
                 .order_by(handlings.c.handled_at.desc()))
        with self._store.read() as conn:
            return [_of(row) for row in conn.execute(query)]

    def get(self, handling_id: str, conn: Connection | None = None) -> RecentHandling | None:
        """The kept handling (in the caller's transaction ``conn`` when given)."""
        query = select(handlings).where(handlings.c.handling_id == handling_id)
        if conn is not None:
            row = conn.execute(query).first()
        else:
            with self._store.read() as own:
                row = own.execute(query).first()
        return None if row is None else _of(row)


def _of(row: Row[Any]) -> RecentHandling:
    r = row._mapping
    return RecentHandling(
        handling_id=r["handling_id"], service_id=r["service_id"], title=r["title"],
        item_code=r["item_code"], application_number=r["application_number"],
        local_receipt=r["local_receipt"],
        handled_at=dt.datetime.fromtimestamp(r["handled_at"], dt.UTC), rated=bool(r["rated"]),
    )
