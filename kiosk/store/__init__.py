"""The terminal's local database (SQLite, WAL, synchronous=FULL; schema by Alembic)."""

from kiosk.store.db import Store, head_revision, open_store
from kiosk.store.errors import StoreError

__all__ = ["Store", "StoreError", "head_revision", "open_store"]
