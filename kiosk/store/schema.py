"""The local database's tables, for queries. Alembic migrations (``migrations/versions``)
create and change them; a new migration and this file change together.

No column holds personal data in the clear: submissions are kept encrypted
(``payload_encrypted``) until central has them, results keep only the 办件 (no applicant).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
)

metadata = MetaData()

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("local_receipt", String(64), nullable=False, unique=True),
    Column("item_code", String(64), nullable=False, server_default=""),
    Column("state", String(16), nullable=False),
    Column("payload_encrypted", LargeBinary, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", Float, nullable=False),
    Column("last_error", String(64), nullable=True),
    Column("delivered_at", Float, nullable=True),
    Column("result_number", String(64), nullable=True),
    Column("result_json", Text, nullable=True),
    Index("ix_outbox_due", "state", "next_attempt_at", "id"),
    Index("ix_outbox_state_id", "state", "id"),
)

catalogue_cache = Table(
    "catalogue_cache",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("etag", String(128), nullable=True),
    Column("body", LargeBinary, nullable=False),
    Column("fetched_at", Float, nullable=False),
)

receipt_counter = Table(
    "receipt_counter",
    metadata,
    Column("day", String(8), primary_key=True),
    Column("last", Integer, nullable=False),
)

# The printed-output log (kiosk/printing/printlog.py). Append-only: rows are never updated.
print_log = Table(
    "print_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("entry_id", String(36), nullable=False),
    Column("event", String(16), nullable=False),          # sent | finished
    Column("at", Float, nullable=False),
    Column("at_text", String(32), nullable=False),        # ISO time with offset, as chained
    Column("doc_type", String(32), nullable=False),
    Column("doc_number", String(64), nullable=False),
    Column("printer", String(32), nullable=False),
    Column("job_id", String(64), nullable=False, server_default=""),
    Column("pages", Integer, nullable=False, server_default="0"),
    Column("content_sha256", String(64), nullable=False),
    Column("result", String(16), nullable=False),         # sending | printed | failed
    Column("reason", String(64), nullable=False, server_default=""),
    Column("id_masked", String(32), nullable=False, server_default=""),
    # Always "" since migration 0004: a hash checkable with a key on this disk gave ID numbers
    # back by brute force; the look-up by number is central's. Kept (chained, in the MACs).
    Column("id_hash", String(64), nullable=False, server_default=""),
    Column("prev_mac", String(64), nullable=False),
    Column("mac", String(64), nullable=False),
    Index("ix_print_log_entry", "entry_id"),
    Index("ix_print_log_at", "at"),
)

# Numbers central reserved for this terminal's offline queue tickets (kiosk/queue_blocks.py):
# one block per (hall's day, category); ``next_number`` is the next to hand out.
queue_blocks = Table(
    "queue_blocks",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("category", String(8), primary_key=True),
    Column("category_name", String(64), nullable=False, server_default=""),
    Column("hall", String(32), nullable=False, server_default=""),
    Column("hall_name", String(128), nullable=False, server_default=""),
    Column("first", Integer, nullable=False),
    Column("last", Integer, nullable=False),
    Column("next_number", Integer, nullable=False),
    Column("reserved_at", Float, nullable=False),
)

# 好差评: this terminal's completed handlings of the last 7 days (kiosk/evaluation/handlings.py).
# ``person_key`` is a keyed, stretched hash of the ID number ("" when nobody was identified),
# never the number; an application's number is the most a row names.
handlings = Table(
    "handlings",
    metadata,
    Column("handling_id", String(36), primary_key=True),
    Column("service_id", String(32), nullable=False),
    Column("title", String(128), nullable=False, server_default=""),
    Column("item_code", String(64), nullable=True),
    Column("application_number", String(64), nullable=True),
    Column("local_receipt", String(64), nullable=True),
    Column("handled_at", Float, nullable=False),
    Column("person_key", String(64), nullable=False, server_default=""),
    Column("rated", Boolean, nullable=False, server_default=false()),
    Index("ix_handlings_person", "person_key", "handled_at"),
    Index("ix_handlings_at", "handled_at"),
)
