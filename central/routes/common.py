"""What the routes share: documented error answers (they feed the OpenAPI document) and
how a request reaches the database (async endpoints calling it in the event loop, no
worker threads: see central.db)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from fastapi import Request
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from central.db import Database
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
    """`work(session, ...)` with an ORM session of its own, called synchronously: only for
    the rare writes through the models (enrollment)."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions() as session:
        return work(session, *args, **kwargs)


def with_connection(
    request: Request,
    work: Callable[Concatenate[Connection, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """`work(connection, ...)` on the request path (central.db.Database.run): Core
    statements on an autocommit connection; a multi-statement write opens
    `central.db.transaction` itself."""
    db: Database = request.app.state.db
    return db.run(work, *args, **kwargs)
