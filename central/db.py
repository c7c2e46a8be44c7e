"""Engines and sessions. Their pools are the only thing shared between requests, and they
hold connections, not data.

Requests reach the database through `Database.run(work, ...)`: `work(connection, ...)` is
plain SQLAlchemy Core on an autocommit connection, called right in the worker's event loop.
That is deliberate, and measured on the 2-core reference machine (bench/central_load.py):

- a hop to a worker thread costs ~0.3 ms of CPU, more than most statements; FastAPI's sync
  dependencies and endpoints made three such hops per request;
- psycopg's async driver through SQLAlchemy's asyncio layer (greenlets) overlaps the waits
  but costs ~35 % more CPU per request, and CPU is what runs out first.

Parallelism comes from uvicorn worker processes. No await happens while a transaction is
open, and the timeouts below bound how long one call can hold a worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from central.settings import Settings, normalise_db_url

P = ParamSpec("P")
T = TypeVar("T")

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
        _sqlite_wal_once(engine)
        return engine
    return create_engine(
        url,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_recycle=1800,
        connect_args=_pg_connect_args(autocommit=autocommit),
        **options,
    )


def _pg_connect_args(*, autocommit: bool) -> dict[str, Any]:
    options = (
        f"-c statement_timeout={STATEMENT_TIMEOUT_S * 1000}"
        f" -c lock_timeout={STATEMENT_TIMEOUT_S * 1000}"
    )
    if autocommit:
        # On the request path, single statements are nonces (and reads): they need not
        # wait for the WAL flush; a crash could forget the last fraction of a second of
        # nonces, and a request replayed then is still idempotent. The application write
        # asks for a synchronous commit itself (central.applications).
        options += " -c synchronous_commit=off"
    return {"connect_timeout": CONNECT_TIMEOUT_S, "options": options}


class Database:
    """What the app holds: the request path (`run`, autocommit Core) and an ORM session
    factory for the rare writes that go through the models (enrollment, operations)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self.sessions = make_sessionmaker(self.engine)
        # Its own pool: isolation is set once per connection, not on every checkout
        # (which costs a statement each way: a PRAGMA on SQLite, a round trip on PostgreSQL).
        self.autocommit = make_engine(settings, autocommit=True)

    def run(
        self, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`work(connection, ...)` on an autocommit connection (see the module docstring)."""
        with self.autocommit.connect() as conn:
            return work(conn, *args, **kwargs)

    def close(self) -> None:
        """Close pooled connections (a pool re-opens them if used again)."""
        self.engine.dispose()
        self.autocommit.dispose()


@contextmanager
def transaction(
    conn: Connection, *, immediate: bool = False, durable: bool = True
) -> Iterator[Connection]:
    """An explicit transaction on an autocommit connection (one multi-statement write in a
    request that otherwise only reads): BEGIN, then COMMIT, or ROLLBACK on any error.

    `durable`: the commit waits for the WAL flush on PostgreSQL too (the server's default
    is asynchronous commits); only the heartbeat, whose next beat repeats it, goes without.
    `immediate`: SQLite's BEGIN IMMEDIATE takes the write lock first (waiting up to the busy
    timeout), so a transaction that reads before it writes never fails with "database is
    locked" half-way."""
    if conn.dialect.name == "postgresql":
        # One round trip: psycopg sends a parameterless string as a simple query.
        conn.exec_driver_sql("BEGIN; SET LOCAL synchronous_commit TO on" if durable else "BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield conn
    except BaseException:
        conn.exec_driver_sql("ROLLBACK")
        raise
    conn.exec_driver_sql("COMMIT")


def write_transaction(conn: Connection) -> AbstractContextManager[Connection]:
    """A durable write transaction that takes SQLite's write lock first."""
    return transaction(conn, immediate=True)


@contextmanager
def cli_connection(db_url: str) -> Iterator[Connection]:
    """An autocommit connection for one command of the CLI (no pool, the usual timeouts)."""
    engine = one_off_engine(normalise_db_url(db_url)).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def one_off_engine(db_url: str) -> Engine:
    """An engine without a pool, for a command that connects once (CLI, migrations), with
    the same timeouts: an unreachable PostgreSQL is an error in seconds, not minutes."""
    url = make_url(db_url)
    args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        args["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
    return create_engine(url, poolclass=NullPool, **args)


def _sqlite_wal_once(engine: Engine) -> None:
    """Switch the file to WAL once, when the engine is made, before any thread shares it.
    The mode is stored in the file; switching needs the file to itself, and SQLite answers
    "database is locked" at once (no busy wait) when another connection holds it open, so
    switching on every new connection failed under concurrent first connects."""
    if engine.url.database in (None, "", ":memory:"):
        return
    with engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        if str(mode).lower() != "wal":
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: handlers commit and then build the response from the same rows.
    return sessionmaker(engine, expire_on_commit=False)
