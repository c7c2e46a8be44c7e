"""Engines and sessions. One engine per process; its pool is the only thing shared between
requests, and it holds connections, not data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from central.settings import Settings

BUSY_TIMEOUT_S = 5
CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_S = 5


def make_engine(settings: Settings) -> Engine:
    url = make_url(settings.db_url)
    if url.get_backend_name() == "sqlite":
        # Several uvicorn workers write one file: WAL lets readers run beside the writer,
        # and the busy timeout makes a writer wait for the lock instead of failing (for a
        # bounded time: the wait happens in a worker's event loop).
        engine = create_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
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
            f" -c lock_timeout={STATEMENT_TIMEOUT_S * 1000}",
        },
    )


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
