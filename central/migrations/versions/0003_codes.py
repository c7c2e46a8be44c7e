"""What scanned codes mean: the keys appointment codes are signed with, the appointments
themselves, single-use electronic ID tokens, and the nation and address of persons (what
an electronic ID resolves to). The new person columns are NULL until `seed` fills them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("persons") as batch:
        batch.add_column(sa.Column("nation", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("address", sa.String(length=100), nullable=True))

    op.create_table(
        "code_signing_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kid", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("private_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_signing_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_code_signing_keys_kid")),
    )

    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("item_name", sa.String(length=100), nullable=False),
        sa.Column("hall_name", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("person_id_number", sa.String(length=18), nullable=True),
        sa.Column("kid", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        sa.UniqueConstraint("number", name=op.f("uq_appointments_number")),
    )
    op.create_index(op.f("ix_appointments_person_id_number"), "appointments", ["person_id_number"])

    op.create_table(
        "identity_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("used_by_terminal", sa.String(length=16), nullable=True),
        sa.Column("used_key", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["id_number"], ["persons.id_number"], name=op.f("fk_identity_tokens_id_number_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_identity_tokens_token_hash")),
    )
    op.create_index(op.f("ix_identity_tokens_id_number"), "identity_tokens", ["id_number"])
    op.create_index(op.f("ix_identity_tokens_expires_at"), "identity_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_identity_tokens_expires_at"), table_name="identity_tokens")
    op.drop_index(op.f("ix_identity_tokens_id_number"), table_name="identity_tokens")
    op.drop_table("identity_tokens")
    op.drop_index(op.f("ix_appointments_person_id_number"), table_name="appointments")
    op.drop_table("appointments")
    op.drop_table("code_signing_keys")
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("address")
        batch.drop_column("nation")
