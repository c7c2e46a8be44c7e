"""What the routes share: documented error answers (they feed the OpenAPI document) and
how a request reaches the database.

Endpoints are async and call the database synchronously, in the event loop's thread. That
is deliberate: every statement is a sub-millisecond round trip to a local SQLite file or a
nearby PostgreSQL, and a hop to a worker thread costs more CPU than that (~0.3 ms measured
on the 2-core reference machine, where FastAPI's sync endpoints and sync dependencies made
three such hops per request). Parallelism comes from uvicorn worker processes, not
threads. No await happens while a transaction is open, and the engine's timeouts
(central.db) bound how long one call can hold a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from fastapi import Request
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from central.schemas import ErrorBody, ValidationErrorBody

P = ParamSpec("P")
T = TypeVar("T")

UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorBody,
        "description": "Signature refused. `error` is one of missing_signature, unknown_terminal, "
        "bad_signature, stale_timestamp, replayed_nonce.",
    }
}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {
        "model": ValidationErrorBody,
        "description": "validation_failed, with the reason per field",
    }
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "not_found"}}
SIGNED = {**UNAUTHORIZED, **INVALID}


def with_session(
    request: Request, work: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """`work(session, ...)` with an ORM session of its own (the rare writes: enrollment)."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions() as session:
        return work(session, *args, **kwargs)


def with_connection(
    request: Request,
    work: Callable[Concatenate[Connection, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """`work(connection, ...)` on an autocommit connection: the hot paths, Core statements
    without the ORM, and no BEGIN/ROLLBACK round trips around reads. A write that needs a
    transaction opens one itself (`request.app.state.engine.begin()`)."""
    engine: Engine = request.app.state.autocommit
    with engine.connect() as conn:
        return work(conn, *args, **kwargs)
