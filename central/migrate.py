"""`alembic upgrade head` for a database URL, from code (the CLI, tests, the bench)."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config

from central.settings import ensure_sqlite_dir, normalise_db_url


def alembic_config(db_url: str) -> Config:
    config = Config(str(files("central") / "alembic.ini"))
    config.attributes["db_url"] = normalise_db_url(db_url)
    return config


def upgrade(db_url: str, revision: str = "head") -> None:
    url = normalise_db_url(db_url)
    ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


def downgrade(db_url: str, revision: str) -> None:
    command.downgrade(alembic_config(db_url), revision)
