"""Alembic environment for the central database.

The URL comes from `config.attributes["db_url"]` (set by central.migrate), else from
$TONGBAN_CENTRAL_DB or the default SQLite file, the same as the app. It is not put into
the ini file: ConfigParser would read a '%' in a password as interpolation.
"""

from __future__ import annotations

from alembic import context

from central.db import one_off_engine
from central.models import Base
from central.settings import default_db_url, normalise_db_url

config = context.config
url = normalise_db_url(config.attributes.get("db_url") or default_db_url())


def run_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = one_off_engine(url)
    with engine.connect() as connection:
        # render_as_batch: SQLite alters tables by copying them; PostgreSQL ignores it.
        context.configure(
            connection=connection, target_metadata=Base.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
