"""Alembic migrations of the terminal's local database (run by ``open_store``)."""
