"""The local database: WAL + synchronous=FULL on every connection, Alembic-managed schema."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from kiosk.store import Store, StoreError, head_revision, open_store
from kiosk.store.crypto import PayloadCipher


def test_every_connection_is_wal_synchronous_full_and_waits_for_locks(store: Store) -> None:
    connections = [store.engine.connect() for _ in range(4)]   # four distinct pooled connections
    try:
        for conn in connections:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2      # FULL
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 5000
            assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    finally:
        for conn in connections:
            conn.close()


def test_schema_is_created_by_alembic_from_nothing(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        assert store.revision() == head_revision() == "0006"
        tables = set(inspect(store.engine).get_table_names())
    assert {"outbox", "catalogue_cache", "receipt_counter", "print_log", "alembic_version"} <= tables


def test_opening_again_is_a_no_op_and_keeps_data(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.save_catalogue('"v1"', b'{"version": "v1", "items": []}')
    with open_store(tmp_path) as store:
        assert store.revision() == "0006"
        assert store.load_catalogue() == ('"v1"', b'{"version": "v1", "items": []}')
        with store.read() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_migrations_go_down_and_up_again(tmp_path: Path) -> None:
    from alembic import command

    from kiosk.store.db import _alembic_config

    with open_store(tmp_path) as store:
        with store.write() as conn:
            command.downgrade(_alembic_config(conn), "base")
        assert store.revision() is None
        assert "outbox" not in inspect(store.engine).get_table_names()
        store.upgrade()
        assert store.revision() == "0006"


def test_an_updated_terminal_migrates_its_queued_submissions(tmp_path: Path) -> None:
    from alembic import command

    from kiosk.store.db import _alembic_config

    with open_store(tmp_path) as store:
        with store.write() as conn:
            command.downgrade(_alembic_config(conn), "0001")      # as the previous release left it
            conn.execute(text(
                "INSERT INTO outbox (kind, idempotency_key, local_receipt, state, payload_encrypted,"
                " created_at, next_attempt_at) VALUES ('application', 'k', 'R-1', 'pending', x'01', 1, 1)"))
    with open_store(tmp_path) as store:                           # the new release starts
        assert store.revision() == "0006"
        with store.read() as conn:
            assert conn.execute(text("SELECT local_receipt FROM outbox")).scalar() == "R-1"
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM outbox WHERE state = 'pending' ORDER BY id LIMIT 4").all()
    assert "ix_outbox_state_id" in str(plan) and "TEMP B-TREE" not in str(plan)


def _open_in_child(path: str) -> str | None:
    with open_store(path) as store:
        return store.revision()


def test_terminals_starting_together_migrate_once(tmp_path: Path) -> None:
    # The kiosk and a technician's `kiosk outbox status` may open a fresh store together.
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(8) as pool:
        revisions = pool.map(_open_in_child, [str(tmp_path)] * 8)
    assert revisions == ["0006"] * 8


def test_a_failed_write_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError):
        with store.write() as conn:
            conn.execute(text("INSERT INTO receipt_counter (day, last) VALUES ('20261123', 1)"))
            raise RuntimeError("power cut, as far as this transaction knows")
    with store.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM receipt_counter")).scalar() == 0


def test_database_and_keys_are_private(tmp_path: Path) -> None:
    with open_store(tmp_path / "data"):
        pass
    keys = tmp_path / "data" / "keys"
    assert stat.S_IMODE((tmp_path / "data" / "kiosk.db").stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    assert stat.S_IMODE((keys / "store.key").stat().st_mode) == 0o600
    assert len((keys / "store.key").read_bytes()) == 32
    assert sorted(p.name for p in keys.iterdir()) == ["store.key"]


def test_payload_cipher_binds_each_payload_to_its_row(tmp_path: Path) -> None:
    cipher = PayloadCipher.load_or_create(tmp_path)
    blob = cipher.encrypt(b"secret", "key-1")
    assert b"secret" not in blob and cipher.decrypt(blob, "key-1") == b"secret"
    assert cipher.encrypt(b"secret", "key-1") != blob                  # fresh nonce each time
    with pytest.raises(StoreError) as err:
        cipher.decrypt(blob, "key-2")
    assert err.value.code == "payload_undecryptable"
    assert PayloadCipher.load_or_create(tmp_path).decrypt(blob, "key-1") == b"secret"  # same key file
    (tmp_path / "store.key").write_bytes(b"short")
    with pytest.raises(StoreError, match="store_key_invalid"):
        PayloadCipher.load_or_create(tmp_path)
