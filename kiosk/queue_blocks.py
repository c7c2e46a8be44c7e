"""Offline queue tickets: numbers central reserved for this terminal in advance.

While central answers, the terminal keeps one block of numbers per category for the hall's
day (``POST /queue/blocks``), reserved again when a new day starts or a block runs low
(fewer than ``LOW_WATER`` left). When central cannot be reached a ticket takes the next
number of its category's block; in the same local transaction its upload
(``POST /queue/tickets/offline``) is committed to the outbox, which delivers it once central
is back, exactly once (the idempotency key is committed with it). No block for today (the
terminal was never online today): no ticket, the screen says so.

The table holds numbers and category names only; an upload may carry a birth date (the
green channel), kept encrypted in the outbox like every payload until delivered.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import delete, insert, select, update

from kiosk import hall_time
from kiosk.central_api.client import CentralClient
from kiosk.central_api.queue import QueueApi, QueueBlock, QueueCategory
from kiosk.store import Store
from kiosk.store.schema import queue_blocks

log = logging.getLogger(__name__)

KIND_QUEUE_OFFLINE = "queue_offline"   # the outbox kind of an offline ticket's upload
LOW_WATER = 10                         # reserve a fresh block when fewer numbers are left


class Enqueuer(Protocol):
    """The outbox, as far as offline tickets use it (kiosk.outbox.Outbox)."""

    def enqueue_in(self, conn: object, kind: str, body: bytes, label: str, idempotency_key: str,
                   sealed_only: bool = False, seal: bool = True) -> None: ...
    def wake(self) -> None: ...


class Reserver(Protocol):
    def reserve_block(self, category: str) -> QueueBlock: ...


@dataclass(frozen=True)
class OfflineCategory:
    code: str
    name: str
    left: int


@dataclass(frozen=True)
class OfflineTicket:
    """A ticket handed out from a block while central was out of reach."""

    label: str
    category: str
    category_name: str
    number: int
    hall: str
    hall_name: str
    day: dt.date
    taken_at: dt.datetime
    green: bool


def label_of(category: str, number: int) -> str:
    return f"{category}{number:03d}"


def deliver_offline(client: CentralClient, body: bytes, idempotency_key: str) -> None:
    """The outbox's delivery of one ``KIND_QUEUE_OFFLINE`` row (central answers a retry of
    the same key with the first ticket)."""
    QueueApi(client).upload_offline(json.loads(body), idempotency_key)


class QueueBlocks:
    """The terminal's blocks in its local store; ``zone`` is the hall's (its day)."""

    def __init__(self, store: Store, outbox: Enqueuer, zone: dt.tzinfo,
                 clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._outbox = outbox
        self._zone = zone
        self._clock = clock

    def today(self) -> dt.date:
        return hall_time.today(self._zone, self._clock)

    # -- keeping blocks --------------------------------------------------------------------
    def refresh(self, central: Reserver, categories: Iterable[QueueCategory], hall: str,
                hall_name: str) -> int:
        """Reserve a block for each category whose block for today is missing or low; drop
        other days' blocks. Returns how many were reserved. Central's errors propagate."""
        day = self.today().isoformat()
        with self._store.write() as conn:
            conn.execute(delete(queue_blocks).where(queue_blocks.c.day != day))
        reserved = 0
        for category in categories:
            if self.left(category.code) >= LOW_WATER:
                continue
            block = central.reserve_block(category.code)
            self._keep(block, category.name, hall, hall_name)
            reserved += 1
        return reserved

    def _keep(self, block: QueueBlock, category_name: str, hall: str, hall_name: str) -> None:
        values = {"category_name": category_name, "hall": hall, "hall_name": hall_name,
                  "first": block.first, "last": block.last, "next_number": block.first,
                  "reserved_at": self._clock()}
        key = (queue_blocks.c.day == block.day.isoformat()) & (queue_blocks.c.category == block.category)
        with self._store.write() as conn:
            if conn.execute(update(queue_blocks).where(key).values(**values)).rowcount == 0:
                conn.execute(insert(queue_blocks).values(day=block.day.isoformat(),
                                                         category=block.category, **values))
        log.info("queue block %s %s %d-%d kept", block.day, block.category, block.first, block.last)

    def left(self, category: str) -> int:
        with self._store.read() as conn:
            row = conn.execute(select(queue_blocks.c.next_number, queue_blocks.c.last).where(
                queue_blocks.c.day == self.today().isoformat(), queue_blocks.c.category == category,
            )).first()
        return 0 if row is None else max(0, row.last - row.next_number + 1)

    def categories(self) -> list[OfflineCategory]:
        """Today's categories that still have numbers, in code order."""
        with self._store.read() as conn:
            rows = conn.execute(select(queue_blocks).where(
                queue_blocks.c.day == self.today().isoformat(),
                queue_blocks.c.next_number <= queue_blocks.c.last,
            ).order_by(queue_blocks.c.category)).all()
        return [OfflineCategory(r.category, r.category_name, r.last - r.next_number + 1) for r in rows]

    # -- handing out -----------------------------------------------------------------------
    def take(self, category: str, birth_date: str | None, green: bool) -> OfflineTicket | None:
        """The next number of today's block for ``category`` with its upload committed to
        the outbox in the same transaction; None when there is no number left."""
        day = self.today()
        now = hall_time.now(self._zone, self._clock).replace(microsecond=0)
        where = ((queue_blocks.c.day == day.isoformat()) & (queue_blocks.c.category == category)
                 & (queue_blocks.c.next_number <= queue_blocks.c.last))
        with self._store.write() as conn:
            row = conn.execute(select(queue_blocks).where(where)).first()
            if row is None:
                return None
            number = row.next_number
            conn.execute(update(queue_blocks).where(where).values(next_number=number + 1))
            body: dict[str, object] = {"category": category, "number": number,
                                       "taken_at": hall_time.wire(now, self._zone)}
            if birth_date:
                body["birth_date"] = birth_date
            label = label_of(category, number)
            # Encrypted under the store key, not sealed: only this terminal's delivery reads it.
            self._outbox.enqueue_in(conn, KIND_QUEUE_OFFLINE, json.dumps(body).encode(),
                                    f"Q-{day.isoformat()}-{label}", str(uuid.uuid4()), seal=False)
        self._outbox.wake()
        log.info("offline queue ticket %s taken", label)
        return OfflineTicket(label, category, row.category_name, number, row.hall, row.hall_name,
                             day, now, green)
