"""The printed-output log: one append-only, MAC-chained row per event of a print attempt
("sent" before the bytes go to the printer, "finished" after).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "print_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("at_text", sa.String(32), nullable=False),
        sa.Column("doc_type", sa.String(32), nullable=False),
        sa.Column("doc_number", sa.String(64), nullable=False),
        sa.Column("printer", sa.String(32), nullable=False),
        sa.Column("job_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("pages", sa.Integer, nullable=False, server_default="0"),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False, server_default=""),
        sa.Column("id_masked", sa.String(32), nullable=False, server_default=""),
        sa.Column("id_hash", sa.String(64), nullable=False, server_default=""),
        sa.Column("prev_mac", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
    )
    op.create_index("ix_print_log_entry", "print_log", ["entry_id"])
    op.create_index("ix_print_log_at", "print_log", ["at"])
    op.create_index("ix_print_log_id_hash", "print_log", ["id_hash"])


def downgrade() -> None:
    op.drop_table("print_log")
