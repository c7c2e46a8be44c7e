"""The print log keeps no look-up hash of ID numbers: existing hashes are blanked.

A hash under a key kept on the same disk gave the number back in seconds (the masked form
leaves a birth date and a sequence to try). The look-up by number is central's now. The
chain MACs covered the hash, so an intact chain is re-chained with the blanked column (its
head file rewritten); a chain that was already broken is blanked without re-chaining, so it
still fails its check. Undelivered print-log entries in the outbox lose their hash too.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import json
import logging
from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

GENESIS = "0" * 64


def upgrade() -> None:
    conn = op.get_bind()
    store = context.config.attributes.get("store")
    rows = [dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM print_log ORDER BY seq"))]
    hashed = any(r["id_hash"] for r in rows)
    if hashed and store is not None:
        _rechain(conn, store, rows)
    elif hashed:
        conn.execute(sa.text("UPDATE print_log SET id_hash = ''"))
    op.drop_index("ix_print_log_id_hash", table_name="print_log")
    if store is not None:
        _scrub_outbox(conn, store)


def _rechain(conn: Any, store: Any, rows: list[dict[str, Any]]) -> None:
    from kiosk.files import replace_private_file
    from kiosk.printing.printlog import CHAIN_KEY_PURPOSE, HEAD_FILE, chain_mac

    key = store.cipher.derive(CHAIN_KEY_PURPOSE)
    head_path = store.data_dir / HEAD_FILE
    intact = _intact(key, rows, head_path, chain_mac)
    prev = GENESIS
    for row in rows:
        row["id_hash"] = ""
        if intact:
            row["prev_mac"] = prev
            row["mac"] = prev = chain_mac(key, prev, row)
        conn.execute(
            sa.text("UPDATE print_log SET id_hash = '', prev_mac = :prev_mac, mac = :mac WHERE seq = :seq"),
            {"prev_mac": row["prev_mac"], "mac": row["mac"], "seq": row["seq"]},
        )
    if not intact:
        log.warning("print log: chain already broken; ID hashes blanked without re-chaining")
    elif rows:
        replace_private_file(head_path, f"{rows[-1]['seq']} {rows[-1]['mac']}\n".encode())


def _intact(key: bytes, rows: list[dict[str, Any]], head_path: Any, chain_mac: Any) -> bool:
    prev, seq = GENESIS, 0
    for row in rows:
        if row["prev_mac"] != prev or row["seq"] != seq + 1 or chain_mac(key, prev, row) != row["mac"]:
            return False
        prev, seq = row["mac"], row["seq"]
    if not rows:
        return True
    try:
        head = head_path.read_text().split()
        return int(head[0]) == seq and head[1] == prev
    except (OSError, IndexError, ValueError):
        return False


def _scrub_outbox(conn: Any, store: Any) -> None:
    pending = conn.execute(sa.text(
        "SELECT id, idempotency_key, payload_encrypted FROM outbox "
        "WHERE kind = 'print_log' AND payload_encrypted IS NOT NULL"
    )).all()
    for row_id, key, blob in pending:
        try:
            entry = json.loads(store.cipher.decrypt(bytes(blob), key))
        except Exception:  # undecryptable: delivery reports it; nothing to scrub here
            continue
        if entry.pop("id_hash", ""):
            entry.setdefault("id_number", "")
        else:
            continue
        body = json.dumps(entry, ensure_ascii=False).encode()
        conn.execute(sa.text("UPDATE outbox SET payload_encrypted = :blob WHERE id = :id"),
                     {"blob": store.cipher.encrypt(body, key), "id": row_id})


def downgrade() -> None:
    op.create_index("ix_print_log_id_hash", "print_log", ["id_hash"])
