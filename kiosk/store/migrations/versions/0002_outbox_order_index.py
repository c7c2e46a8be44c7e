"""Index the outbox by (state, id): the worker takes pending rows oldest first, and without
it SQLite sorts every pending row for each pick (quadratic over a long backlog).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_state_id", "outbox", ["state", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_state_id", table_name="outbox")
