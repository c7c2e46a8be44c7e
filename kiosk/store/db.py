"""The terminal's local database: SQLite at ``<data_dir>/kiosk.db`` through SQLAlchemy.

Every connection runs in WAL mode with ``synchronous=FULL`` (a committed transaction
survives a power cut) and waits for locks instead of failing. Write transactions start with
``BEGIN IMMEDIATE`` so two writers queue up front instead of deadlocking half-way; reads use
a deferred transaction and never block writers (WAL). The schema is Alembic's: opening the
store upgrades it to head, so an updated terminal migrates its own data.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, insert, select, update
from sqlalchemy.exc import OperationalError

from kiosk.files import DATA_DIR_MODE, ensure_dir
from kiosk.store.crypto import PayloadCipher
from kiosk.store.errors import StoreError
from kiosk.store.schema import catalogue_cache

log = logging.getLogger(__name__)

DB_FILE = "kiosk.db"
OPEN_LOCK_FILE = ".kiosk.db.open-lock"
KEYS_DIR = "keys"
BUSY_TIMEOUT_MS = 30_000
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transactions out of the sqlite3 module's hands: SQLAlchemy's "begin" event below
    # issues BEGIN itself, so DDL is transactional and the lock mode is ours to choose.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # WAL is stored in the file and switched once in make_engine: switching needs the
        # file to itself and fails at once (no busy wait) beside another connection.
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA secure_delete = ON")  # freed pages are zeroed, not left behind
    finally:
        cursor.close()


def _on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite+pysqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        pool_size=8,
        max_overflow=8,
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    raw = engine.raw_connection()  # outside SQLAlchemy's BEGIN: the switch needs no transaction
    try:
        cursor = raw.cursor()
        if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()
    finally:
        raw.close()
    return engine


def _alembic_config(connection: Connection, store: Store | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    # Migrations that rewrite keyed or encrypted data (0004) need the store's key and folder.
    config.attributes["store"] = store
    return config


def head_revision() -> str | None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


class Store:
    """The open database plus the key that encrypts what must not be kept in the clear."""

    def __init__(self, data_dir: Path, engine: Engine, cipher: PayloadCipher) -> None:
        self.data_dir = data_dir
        self.path = data_dir / DB_FILE
        self.engine = engine
        self.cipher = cipher

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction (BEGIN IMMEDIATE): committed on success, rolled back on error."""
        with self.engine.connect() as conn:
            conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read transaction: a consistent snapshot that blocks no writer."""
        with self.engine.connect() as conn:
            with conn.begin():
                yield conn

    def revision(self) -> str | None:
        with self.read() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def upgrade(self) -> None:
        with self.write() as conn:
            command.upgrade(_alembic_config(conn, self), "head")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- catalogue cache (kiosk.central_api.catalogue.CatalogueCache) -----------------------------
    def load_catalogue(self) -> tuple[str | None, bytes] | None:
        with self.read() as conn:
            row = conn.execute(select(catalogue_cache.c.etag, catalogue_cache.c.body)).first()
        return None if row is None else (row.etag, bytes(row.body))

    def save_catalogue(self, etag: str | None, body: bytes) -> None:
        values = {"etag": etag, "body": body, "fetched_at": time.time()}
        with self.write() as conn:
            done = conn.execute(update(catalogue_cache).where(catalogue_cache.c.id == 1).values(**values))
            if done.rowcount == 0:
                conn.execute(insert(catalogue_cache).values(id=1, **values))


def open_store(data_dir: Path | str) -> Store:
    """Open (creating if needed) the store under ``data_dir`` and migrate it to head.

    Processes opening the same store (the kiosk and a technician's command, started
    together) take turns through a lock file: switching a fresh database to WAL and
    migrating it can fail with "database is locked" without waiting for SQLite's busy
    handler when two processes do it at the same moment.
    """
    data_dir = Path(data_dir)
    ensure_dir(data_dir, DATA_DIR_MODE)  # 0750, tightened if looser (a technician's command too)
    path = data_dir / DB_FILE
    with _opening(data_dir):
        # SQLite would create the file with the umask's mode; start it private (its -wal
        # and -shm files copy the mode of the database file).
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        cipher = PayloadCipher.load_or_create(data_dir / KEYS_DIR)
        engine = make_engine(path)
        store = Store(data_dir, engine, cipher)
        try:
            store.upgrade()
        except OperationalError as err:
            engine.dispose()
            raise StoreError("store_unavailable", f"{path}: {err.orig}") from None
    return store


@contextmanager
def _opening(data_dir: Path) -> Iterator[None]:
    fd = os.open(data_dir / OPEN_LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)            # closing the descriptor releases the lock
