"""Alembic migrations of the central database (env.py, versions/)."""
