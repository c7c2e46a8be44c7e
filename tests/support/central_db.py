"""A central database as `kiosk-central seed` leaves it (migrated to head, the demo seed),
for the central tests' templates and the benches."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from central.migrate import upgrade
from central.seeding import seed
from central.timeutil import utcnow


def migrate_and_seed(url: str) -> None:
    upgrade(url)
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            seed(session, utcnow())
    finally:
        engine.dispose()
