"""The print log terminals report: what each printed (or failed to), kept per terminal with
its hall, exactly once per (terminal, Idempotency-Key) (central.idempotency).

Entries keep no clear personal data: at most a masked ID number (the schema refuses
anything else) and central's own HMAC-SHA256 of the full number under the `print_log_lookup`
secret (table central_secrets, made by migration 0004, never sent to a terminal). A terminal
finds its prints of one person through POST /print-log/lookup (`lookup`): it keeps no hash
itself, since one checkable with a key on its own disk gave the number back by brute force.
The number a terminal sends is hashed on intake and dropped; the replay check hashes the
body with the keyed hash in its place.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, RowMapping, Select, Table, bindparam, insert, select
from sqlalchemy.orm import Session

from central.db import transaction
from central.document_schemas import PrintLogAck, PrintLogIn, PrintLogLookupOut
from central.errors import ApiError
from central.idempotency import body_hash, check_replay, once
from central.models import CentralSecret, PrintLogEntry
from central.signing import SignedBy
from central.timeutil import to_beijing, to_db, utcnow

log = logging.getLogger("central.print_log")

_entries = cast(Table, PrintLogEntry.__table__)
_BY_KEY = select(
    _entries.c.entry_id,
    _entries.c.terminal_id,
    _entries.c.hall_name,
    _entries.c.received_at,
    _entries.c.request_hash,
).where(
    _entries.c.terminal_id == bindparam("terminal_id"),
    _entries.c.idempotency_key == bindparam("key"),
)
_INSERT = insert(_entries)
_secrets = cast(Table, CentralSecret.__table__)
LOOKUP_SECRET = "print_log_lookup"
_SECRET = select(_secrets.c.value).where(_secrets.c.name == LOOKUP_SECRET)
LOOKUP_LIMIT = 1000
_LOOKUP = (
    select(_entries.c.entry_id)
    .where(
        _entries.c.terminal_id == bindparam("terminal_id"),
        _entries.c.id_hash == bindparam("id_hash"),
    )
    .order_by(_entries.c.at.desc(), _entries.c.id.desc())
    .limit(LOOKUP_LIMIT)
)


def id_hash(conn: Connection, id_number: str) -> str:
    """Central's keyed hash of an ID number (hex); "" for no number."""
    if not id_number:
        return ""
    secret = conn.execute(_SECRET).scalar_one_or_none()
    if secret is None:  # the schema is older than migration 0004
        raise RuntimeError("central_secrets has no print_log_lookup: run kiosk-central migrate")
    key = base64.b64decode(secret)
    return hmac.new(key, id_number.strip().upper().encode(), hashlib.sha256).hexdigest()


class LookupRate:
    """At most `per_hour` look-ups per terminal in each clock hour, counted in the database
    (central.limits' `rate_limit_windows`, one atomic upsert), so every worker shares the
    count. Staff look a citizen up a few times a day; someone holding a stolen terminal's key
    could otherwise ask about every birth date behind a masked number (about 420,000
    guesses) until the terminal is revoked."""

    ROUTE = "POST /print-log/lookup"

    def __init__(self, per_hour: int = 60, clock: Callable[[], float] = time.time) -> None:
        self.per_hour = per_hour
        self._clock = clock

    def check(self, conn: Connection, terminal_id: str) -> None:
        from central.limits import count_request  # limits imports the routes, which import us

        now = self._clock()
        window_start = int(now // 3600) * 3600
        count = count_request(conn, f"terminal:{terminal_id}", self.ROUTE, window_start)
        if count > self.per_hour:
            retry = int(window_start + 3600 - now) + 1
            log.warning("print log look-ups by %s over %d an hour", terminal_id, self.per_hour)
            raise ApiError(
                429, "rate_limited", f"over {self.per_hour} look-ups an hour; retry in {retry} s"
            )


LOOKUP_RATE = LookupRate()


def lookup(conn: Connection, terminal: SignedBy, id_number: str) -> PrintLogLookupOut:
    """The signing terminal's entries for `id_number`, newest first (at most LOOKUP_LIMIT);
    429 `rate_limited` past LOOKUP_RATE. Logged without the number."""
    LOOKUP_RATE.check(conn, terminal.terminal_id)
    rows = list(conn.execute(
        _LOOKUP, {"terminal_id": terminal.terminal_id, "id_hash": id_hash(conn, id_number)}
    ).scalars())
    log.info("print log look-up by %s: %d entries", terminal.terminal_id, len(rows))
    return PrintLogLookupOut(entry_ids=rows)


# What a listing shows, in the order of the API body (plus where and when it was received).
LISTED = (
    "terminal_id",
    "hall_name",
    "entry_id",
    "seq",
    "at",
    "doc_type",
    "doc_number",
    "printer",
    "job_id",
    "pages",
    "content_sha256",
    "result",
    "reason",
    "id_masked",
    "id_hash",
    "chain_hash",
    "received_at",
)


def record(
    conn: Connection, terminal: SignedBy, key: str, body: PrintLogIn
) -> tuple[PrintLogAck, bool]:
    """Store `body` once per (terminal, key): (the acknowledgement, whether it is new)."""
    hashed = id_hash(conn, body.id_number)
    # The number itself is neither stored nor hashed plainly into request_hash.
    body = body.model_copy(update={"id_number": "", "id_hash": hashed})
    digest = body_hash(body)
    keys = {"terminal_id": terminal.terminal_id, "key": key}

    def find() -> RowMapping | None:
        return conn.execute(_BY_KEY, keys).mappings().first()

    def replay(row: RowMapping) -> PrintLogAck:
        check_replay(row["request_hash"], digest)
        return _ack(row)

    def create() -> PrintLogAck:
        values = {
            **body.model_dump(exclude={"at", "id_number"}),
            "at": to_db(body.at),
            "at_text": body.at.isoformat(),
            "terminal_id": terminal.terminal_id,
            "hall_name": terminal.hall_name,
            "idempotency_key": key,
            "request_hash": digest,
            "received_at": utcnow(),
        }
        # Durable before the answer: the terminal drops its copy once it has the 201.
        with transaction(conn) as tx:
            tx.execute(_INSERT, values)
        return _ack(values)

    return once(find, replay, create)


def _ack(row: RowMapping | dict[str, Any]) -> PrintLogAck:
    return PrintLogAck(
        entry_id=row["entry_id"],
        terminal_id=row["terminal_id"],
        hall_name=row["hall_name"],
        received_at=to_beijing(row["received_at"]),
    )


@dataclass(frozen=True)
class LogQuery:
    """Which entries to list: all filters optional; times are aware (or naive UTC)."""

    terminal_id: str | None = None
    hall: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    limit: int | None = None


def _select(query: LogQuery) -> Select[Any]:
    stmt = select(*(_entries.c[name] for name in LISTED))
    if query.terminal_id:
        stmt = stmt.where(_entries.c.terminal_id == query.terminal_id)
    if query.hall:
        stmt = stmt.where(_entries.c.hall_name == query.hall)
    if query.since is not None:
        stmt = stmt.where(_entries.c.at >= to_db(query.since))
    if query.until is not None:
        stmt = stmt.where(_entries.c.at < to_db(query.until))
    stmt = stmt.order_by(_entries.c.at.desc(), _entries.c.id.desc())
    return stmt.limit(query.limit) if query.limit else stmt


def entries(session: Session, query: LogQuery) -> Sequence[Row[Any]]:
    """Entries matching `query`, newest first (by the time the terminal printed)."""
    return session.execute(_select(query)).all()


def as_json(row: Row[Any]) -> dict[str, Any]:
    """One listed entry as JSON-ready values, times in Beijing time with their offset."""
    data = dict(row._mapping)
    for name in ("at", "received_at"):
        data[name] = to_beijing(data[name]).isoformat()
    return data
