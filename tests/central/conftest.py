"""Fixtures for the central service: every API test runs on SQLite and on PostgreSQL.

The PostgreSQL server is this session's own (tests/support/postgres.py), started the first
time a PostgreSQL test needs it and removed at the end. Each backend has one database
migrated and seeded once; each test starts from that state (a copy of the file for SQLite,
the written tables emptied for PostgreSQL) with its own app and terminal.
"""

from __future__ import annotations

import shutil
import threading
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from central_helpers import LiveServer, SignedApi, enroll, free_port
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from central.app import create_app, dispose
from central.calendar import seed_known_years
from central.timeutil import utcnow
from tests.support.central_db import migrate_and_seed
from tests.support.postgres import PostgresError, TempPostgres, require_postgres

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TempPostgres]:
    require_postgres()         # not installed: skip (fail under CI=true); not starting: fail
    server = TempPostgres()
    try:
        server.start()
    except PostgresError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("central-template") / "central.db"
    migrate_and_seed(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database(postgres_server: TempPostgres) -> str:
    """The PostgreSQL database the tests share, migrated and seeded once."""
    url = postgres_server.create_database("central_test")
    migrate_and_seed(url)
    return url


# What requests and operations write; the seeded catalogue, people and regions stay.
MUTABLE_TABLES = (
    "application_events, applications, nonces, terminals, enrollment_codes, issued_documents, "
    "print_log_entries, identity_tokens, appointments, code_signing_keys, rate_limit_windows, "
    "bookings, slot_counters, booking_suspensions, queue_tickets, queue_events, queue_blocks, "
    "queue_series, hall_staff, terminal_health, terminal_health_history, terminal_commands, "
    "config_documents, rollout_targets, rollouts, releases, version_pins, fleet_clock, "
    "ops_sessions, ops_users, audit_log, application_parts, application_evidence, "
    "rectification_events, rectification_cases, evaluations, rectification_rules"
)
REPO = Path(__file__).resolve().parents[2]
# Halls a test made itself (the queue tests' QT-TEST) go too; the seeded ones stay.
_HALL_TABLES = ("hall_windows", "queue_categories", "hall_sessions", "hall_sites")


def _seeded_halls() -> tuple[str, ...]:
    with (REPO / "central" / "seed" / "halls.toml").open("rb") as fh:
        return tuple(hall["code"] for hall in tomllib.load(fh)["halls"])


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated and seeded database on `backend`, with nothing else in it.

    SQLite: a copy of the template file. PostgreSQL: the shared database with the tables
    requests write emptied (CREATE DATABASE ... TEMPLATE takes ~0.4 s, TRUNCATE ~0.01 s).
    """
    if backend == "sqlite":
        target = tmp_path / "central.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("postgres_database")
    server: TempPostgres = request.getfixturevalue("postgres_server")
    with server.connect("central_test") as conn:
        conn.execute(f"TRUNCATE {MUTABLE_TABLES} RESTART IDENTITY CASCADE")  # type: ignore[arg-type]
        seeded = _seeded_halls()
        for table in (*_HALL_TABLES, "halls"):
            column = "code" if table == "halls" else "hall_code"
            conn.execute(f"DELETE FROM {table} WHERE NOT ({column} = ANY(%s))",  # type: ignore[arg-type]
                         (list(seeded),))
        # Calendar years a test imported (or the demo seed added) go too: the next test
        # finds only the package's years, as in a fresh database.
        conn.execute("DELETE FROM calendar_days WHERE EXTRACT(YEAR FROM day)::int IN "
                     "(SELECT year FROM calendar_years WHERE source NOT LIKE 'chinese-calendar %%')")
        dropped = conn.execute("DELETE FROM calendar_years WHERE source NOT LIKE 'chinese-calendar %%'")
        replaced = dropped.rowcount
    if replaced:   # an import may have replaced one of the package's years: put it back
        engine = create_engine(url)
        try:
            with engine.begin() as sa_conn:
                seed_known_years(sa_conn, utcnow())
        finally:
            engine.dispose()
    return url


@pytest.fixture
def app(db_url: str) -> Iterator[FastAPI]:
    application = create_app(db_url)
    try:
        yield application
    finally:
        dispose(application)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient, app: FastAPI) -> SignedApi:
    """An enrolled hall terminal of 晋城市 (140500)."""
    return enroll(client, app)


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    """The app behind a real uvicorn on 127.0.0.1 (a thread of this process)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
