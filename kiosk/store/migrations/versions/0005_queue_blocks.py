"""Offline queue numbers: the blocks central reserved for this terminal, one per category
and day (kiosk/queue_blocks.py). Numbers only: nothing about a person.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queue_blocks",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("category", sa.String(8), primary_key=True),
        sa.Column("category_name", sa.String(64), nullable=False, server_default=""),
        sa.Column("hall", sa.String(32), nullable=False, server_default=""),
        sa.Column("hall_name", sa.String(128), nullable=False, server_default=""),
        sa.Column("first", sa.Integer, nullable=False),
        sa.Column("last", sa.Integer, nullable=False),
        sa.Column("next_number", sa.Integer, nullable=False),
        sa.Column("reserved_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("queue_blocks")
