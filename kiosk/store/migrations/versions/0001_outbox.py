"""Outbox, catalogue cache, local receipt counter.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("local_receipt", sa.String(64), nullable=False, unique=True),
        sa.Column("item_code", sa.String(64), nullable=False, server_default=""),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("payload_encrypted", sa.LargeBinary, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("last_error", sa.String(64), nullable=True),
        sa.Column("delivered_at", sa.Float, nullable=True),
        sa.Column("result_number", sa.String(64), nullable=True),
        sa.Column("result_json", sa.Text, nullable=True),
        sa.CheckConstraint("state IN ('pending', 'delivered', 'failed')", name="ck_outbox_state"),
    )
    op.create_index("ix_outbox_due", "outbox", ["state", "next_attempt_at", "id"])
    op.create_table(
        "catalogue_cache",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("etag", sa.String(128), nullable=True),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("fetched_at", sa.Float, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_catalogue_cache_single_row"),
    )
    op.create_table(
        "receipt_counter",
        sa.Column("day", sa.String(8), primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("receipt_counter")
    op.drop_table("catalogue_cache")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
