"""Alembic environment: configured in code by kiosk.store.db (no alembic.ini).

``open_store`` hands over a connection already inside an IMMEDIATE transaction, so two
processes starting at once migrate one after the other and the second finds nothing to do.
"""

from __future__ import annotations

from alembic import context

from kiosk.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("kiosk store migrations run through kiosk.store.open_store()")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
