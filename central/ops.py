"""Operations on the central database for the CLI: connect (with clear errors), enrollment
codes, terminals (an application's advance: central/cli_applications.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from central.db import one_off_engine
from central.enrollment import find_terminal, issue_code
from central.migrate import alembic_config
from central.models import EnrollmentCode, Region, Terminal
from central.settings import ENROLLMENT_VALIDITY, normalise_db_url, shown_url
from central.timeutil import utcnow

PROFILES = ("hall", "bank", "community")
_REGION = re.compile(r"[0-9]{6}")


class OpsError(Exception):
    """An operation that cannot be done; the message is one line for the operator."""


def short_reason(err: BaseException) -> str:
    """The first line of a driver error, without SQLAlchemy's background links."""
    orig = getattr(err, "orig", None) or err
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def head_revision(db_url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()


def check_reachable(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as err:
        raise OpsError(
            f"cannot reach the database at {shown_url(str(engine.url))}: {short_reason(err)}"
        ) from err
    except OSError as err:  # e.g. a SQLite directory that cannot be created or read
        raise OpsError(f"cannot open the database at {shown_url(str(engine.url))}: {err}") from err


@contextmanager
def session_for(db_url: str, *, must_be_migrated: bool = True) -> Iterator[Session]:
    """A session on `db_url`, after checking it is reachable (and migrated)."""
    url = normalise_db_url(db_url)
    parsed = make_url(url)
    if must_be_migrated and parsed.get_backend_name() == "sqlite" and parsed.database:
        if parsed.database != ":memory:" and not Path(parsed.database).exists():
            raise OpsError(f"no database at {parsed.database} (run `kiosk-central migrate` first)")
    engine = one_off_engine(url)
    try:
        check_reachable(engine)
        if must_be_migrated:
            with engine.connect() as conn:
                current = MigrationContext.configure(conn).get_current_revision()
            if current != head_revision(url):
                raise OpsError(
                    f"database {shown_url(url)} is not migrated (at {current or 'nothing'}); "
                    "run `kiosk-central migrate`"
                )
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


def add_terminal(
    session: Session, hall: str, region: str, profile: str
) -> tuple[str, EnrollmentCode]:
    """Issue a one-time enrollment code for a terminal of `hall` (valid 7 days)."""
    hall = hall.strip()
    if not hall or len(hall) > 100:
        raise OpsError("--hall must be 1 to 100 characters")
    if profile not in PROFILES:
        raise OpsError(f"--profile must be one of {', '.join(PROFILES)}")
    if not _REGION.fullmatch(region):
        raise OpsError(f"--region must be a 6-digit region code, not {region!r}")
    if session.get(Region, region) is None:
        raise OpsError(f"unknown region {region} (known regions come from `kiosk-central seed`)")
    return issue_code(session, hall, region, profile, utcnow(), ENROLLMENT_VALIDITY)


def terminals(session: Session) -> Sequence[Terminal]:
    return session.scalars(select(Terminal).order_by(Terminal.id)).all()


def revoke_terminal(session: Session, terminal_id: str) -> Terminal:
    terminal = find_terminal(session, terminal_id)
    if terminal is None:
        raise OpsError(f"unknown terminal {terminal_id}")
    terminal.revoked = True
    session.commit()
    return terminal

