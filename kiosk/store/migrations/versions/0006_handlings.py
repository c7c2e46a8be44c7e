"""好差评: this terminal's completed handlings of the last 7 days (kiosk/evaluation/handlings.py),
so the 好差评 tile can offer an identified citizen what they did here and not rated yet.

No personal data: the citizen is a keyed, stretched hash of the ID number (``person_key``,
"" for a handling nobody was identified for), the most a row names is an application's
number. Rows older than 7 days are deleted.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handlings",
        sa.Column("handling_id", sa.String(36), primary_key=True),
        sa.Column("service_id", sa.String(32), nullable=False),
        sa.Column("title", sa.String(128), nullable=False, server_default=""),
        sa.Column("item_code", sa.String(64), nullable=True),
        sa.Column("application_number", sa.String(64), nullable=True),
        sa.Column("local_receipt", sa.String(64), nullable=True),
        sa.Column("handled_at", sa.Float, nullable=False),
        sa.Column("person_key", sa.String(64), nullable=False, server_default=""),
        sa.Column("rated", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_handlings_person", "handlings", ["person_key", "handled_at"])
    op.create_index("ix_handlings_at", "handlings", ["handled_at"])


def downgrade() -> None:
    op.drop_index("ix_handlings_at", table_name="handlings")
    op.drop_index("ix_handlings_person", table_name="handlings")
    op.drop_table("handlings")
