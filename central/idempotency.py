"""Idempotency-Key handling shared by every exactly-once write (applications, issued
documents, print-log entries).

A write is keyed by (terminal_id, Idempotency-Key), UNIQUE in its table, and remembers the
hash of the request it was made for. The same key again with the same content is a replay
(the stored result, 200); with other content it is a 409. Of two concurrent writes with
one key the database lets one INSERT win; the loser's IntegrityError sends it to read the
winner's row (`once`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from central.errors import ApiError

R = TypeVar("R")
T = TypeVar("T")


def body_hash(body: BaseModel) -> str:
    """Hash of the request as parsed, so the same content in other whitespace or key order
    is the same request."""
    canonical = json.dumps(
        body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def conflict() -> ApiError:
    return ApiError(
        409, "idempotency_conflict", "this Idempotency-Key was used with a different body"
    )


def check_replay(stored_hash: str, digest: str) -> None:
    """Refuse (409) a key that was used for another request."""
    if stored_hash != digest:
        raise conflict()


def once(
    find: Callable[[], R | None],
    replay: Callable[[R], T],
    create: Callable[[], T],
    attempts: int = 1,
) -> tuple[T, bool]:
    """(result, created): `replay(row)` when `find()` has the key's row already, else
    `create()`; when `create` loses a race on the key (IntegrityError, the winner has
    committed: our INSERT waited for it), the winner's row replayed. An IntegrityError with
    no winner is another constraint: `create` is tried again up to `attempts` times (for a
    random value that collided), then the error is raised."""
    existing = find()
    if existing is not None:
        return replay(existing), False
    for attempt in range(attempts):
        try:
            return create(), True
        except IntegrityError:
            winner = find()
            if winner is not None:
                return replay(winner), False
            if attempt + 1 >= attempts:
                raise
    raise ValueError("attempts must be at least 1")
