"""Engines and sessions. One engine per process; its pool is the only thing shared between
requests, and it holds connections, not data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from central.settings import Settings

BUSY_TIMEOUT_S = 5
CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_S = 5


def make_engine(settings: Settings, *, autocommit: bool = False) -> Engine:
    """An engine (and its pool). `autocommit=True`: every statement is its own transaction,
    for reads and single-statement writes; its own pool, so a connection's isolation level
    is set once when it is opened, not switched on every checkout (which costs a statement
    each way: a PRAGMA on SQLite, a round trip on PostgreSQL)."""
    url = make_url(settings.db_url)
    options: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    if url.get_backend_name() == "sqlite":
        # Several uvicorn workers write one file: WAL lets readers run beside the writer,
        # and the busy timeout makes a writer wait for the lock instead of failing (for a
        # bounded time: the wait happens in a worker's event loop).
        engine = create_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}, **options
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_recycle=1800,
        # Calls run in a worker's event loop (central.routes.common): none may hang it.
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_S,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_S * 1000}"
            f" -c lock_timeout={STATEMENT_TIMEOUT_S * 1000}"
            # The autocommit engine's only writes are nonces: they need not wait for the
            # WAL flush (a crash could forget the last fraction of a second of nonces;
            # a request replayed then would still be idempotent). Applications, written
            # through the transactional engine, keep synchronous commits.
            + (" -c synchronous_commit=off" if autocommit else ""),
        },
        **options,
    )


def one_off_engine(db_url: str) -> Engine:
    """An engine without a pool, for a command that connects once (CLI, migrations), with
    the same timeouts: an unreachable PostgreSQL is an error in seconds, not minutes."""
    url = make_url(db_url)
    args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        args["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
    return create_engine(url, poolclass=NullPool, **args)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: handlers commit and then build the response from the same rows.
    return sessionmaker(engine, expire_on_commit=False)
