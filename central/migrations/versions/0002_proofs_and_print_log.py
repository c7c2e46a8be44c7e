"""Proofs (types and per-person records), issued documents, and the print log terminals
report. Terminals already carry their hall (`hall_name`, from `terminal add --hall`), so
existing rows need nothing new.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "proof_types",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("issuer", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("number_prefix", sa.String(length=8), nullable=False),
        sa.Column("valid_months", sa.Integer(), nullable=True),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_proof_types")),
    )
    op.create_table(
        "person_proofs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("proof_code", sa.String(length=32), nullable=False),
        sa.Column("issuer", sa.String(length=100), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["id_number"], ["persons.id_number"], name=op.f("fk_person_proofs_id_number_persons")
        ),
        sa.ForeignKeyConstraint(
            ["proof_code"],
            ["proof_types.code"],
            name=op.f("fk_person_proofs_proof_code_proof_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_proofs")),
        sa.UniqueConstraint("id_number", "proof_code", name="uq_person_proofs_holder_proof"),
    )
    op.create_index(op.f("ix_person_proofs_id_number"), "person_proofs", ["id_number"])

    op.create_table(
        "issued_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("verification_code", sa.String(length=32), nullable=False),
        sa.Column("terminal_id", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=36), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("proof_code", sa.String(length=32), nullable=False),
        sa.Column("holder_id_number", sa.String(length=18), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["terminal_id"],
            ["terminals.terminal_id"],
            name=op.f("fk_issued_documents_terminal_id_terminals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_documents")),
        sa.UniqueConstraint("number", name=op.f("uq_issued_documents_number")),
        sa.UniqueConstraint(
            "terminal_id", "idempotency_key", name="uq_issued_documents_terminal_key"
        ),
        sa.UniqueConstraint(
            "verification_code", name=op.f("uq_issued_documents_verification_code")
        ),
    )
    op.create_index(
        op.f("ix_issued_documents_holder_id_number"), "issued_documents", ["holder_id_number"]
    )

    op.create_table(
        "print_log_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("terminal_id", sa.String(length=16), nullable=False),
        sa.Column("hall_name", sa.String(length=100), nullable=False),
        sa.Column("idempotency_key", sa.String(length=36), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("at_text", sa.String(length=40), nullable=False),
        sa.Column("doc_type", sa.String(length=32), nullable=False),
        sa.Column("doc_number", sa.String(length=64), nullable=False),
        sa.Column("printer", sa.String(length=32), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("id_masked", sa.String(length=32), nullable=False),
        sa.Column("id_hash", sa.String(length=128), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["terminal_id"],
            ["terminals.terminal_id"],
            name=op.f("fk_print_log_entries_terminal_id_terminals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_log_entries")),
        sa.UniqueConstraint(
            "terminal_id", "idempotency_key", name="uq_print_log_entries_terminal_key"
        ),
    )
    op.create_index(op.f("ix_print_log_entries_entry_id"), "print_log_entries", ["entry_id"])
    op.create_index(op.f("ix_print_log_entries_id_hash"), "print_log_entries", ["id_hash"])
    op.create_index("ix_print_log_entries_hall_at", "print_log_entries", ["hall_name", "at"])
    op.create_index("ix_print_log_entries_terminal_at", "print_log_entries", ["terminal_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_print_log_entries_terminal_at", table_name="print_log_entries")
    op.drop_index("ix_print_log_entries_hall_at", table_name="print_log_entries")
    op.drop_index(op.f("ix_print_log_entries_id_hash"), table_name="print_log_entries")
    op.drop_index(op.f("ix_print_log_entries_entry_id"), table_name="print_log_entries")
    op.drop_table("print_log_entries")
    op.drop_index(op.f("ix_issued_documents_holder_id_number"), table_name="issued_documents")
    op.drop_table("issued_documents")
    op.drop_index(op.f("ix_person_proofs_id_number"), table_name="person_proofs")
    op.drop_table("person_proofs")
    op.drop_table("proof_types")
