"""Regions down to 乡镇 and 街道: their codes have 9 digits (GB/T 10114, the county's 6 and 3
more), 12 in the 统计用区划代码; regions.code and parent_code widen from 6 characters to 12.
Downgrading deletes the regions whose codes no longer fit (the towns) first.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("regions") as batch:
        batch.alter_column("code", existing_type=sa.String(length=6), type_=sa.String(length=12),
                           existing_nullable=False)
        batch.alter_column("parent_code", existing_type=sa.String(length=6),
                           type_=sa.String(length=12), existing_nullable=True)


def downgrade() -> None:
    regions = sa.table("regions", sa.column("code", sa.String()))
    op.execute(regions.delete().where(sa.func.length(regions.c.code) > 6))
    with op.batch_alter_table("regions") as batch:
        batch.alter_column("code", existing_type=sa.String(length=12), type_=sa.String(length=6),
                           existing_nullable=False)
        batch.alter_column("parent_code", existing_type=sa.String(length=12),
                           type_=sa.String(length=6), existing_nullable=True)
