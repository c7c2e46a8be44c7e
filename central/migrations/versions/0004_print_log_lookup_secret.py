"""Central's own secrets: the print log's ID look-up key and the outbox sealing key.

Terminals no longer hash ID numbers (a hash under a key on the terminal's disk gave the
number back by brute force): they send the number with each finished entry and central keeps
an HMAC under `print_log_lookup`, a secret made here and never sent to a terminal. The hashes
terminals sent before were under their own keys: useless here, and blanked. `outbox_seal`
is the X25519 private key terminals seal what waits in their outbox to (central.sealing);
its public half is published at GET /keys/outbox.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "central_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_central_secrets")),
    )
    seal = X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(
        table,
        [
            {"name": name, "value": base64.b64encode(value).decode("ascii"), "created_at": now}
            for name, value in (
                ("print_log_lookup", secrets.token_bytes(32)),
                ("outbox_seal", seal),
            )
        ],
    )
    op.execute(sa.text("UPDATE print_log_entries SET id_hash = ''"))


def downgrade() -> None:
    op.drop_table("central_secrets")
