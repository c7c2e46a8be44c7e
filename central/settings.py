"""Settings of the central service, and where its database is.

Every process behind the load balancer builds the same Settings from the same inputs (the
command line or $TONGBAN_CENTRAL_DB), so nothing here is per-process state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

ENV_DB = "TONGBAN_CENTRAL_DB"
ENV_PUBLIC_URL = "TONGBAN_CENTRAL_PUBLIC_URL"
ENV_DEMO = "TONGBAN_CENTRAL_DEMO"
ENV_UPDATES = "TONGBAN_UPDATES_DIR"
DEFAULT_SQLITE_PATH = Path("var/central/central.db")
ENROLLMENT_VALIDITY = timedelta(days=7)


class SettingsError(ValueError):
    """A setting that cannot work (bad database URL ...); the message is one line for the CLI."""


@dataclass(frozen=True)
class Settings:
    db_url: str
    # The contract: |now - X-Timestamp| <= 60 s, nonces kept for at least twice that.
    signature_window: timedelta = timedelta(seconds=60)
    nonce_retention: timedelta = timedelta(seconds=150)
    enrollment_validity: timedelta = ENROLLMENT_VALIDITY
    # One signed request in this many also deletes expired nonces (a cheap, stateless purge).
    nonce_purge_every: int = 64
    # Each worker uses one connection at a time (calls run in its event loop), plus the
    # odd ops session; a small pool is plenty and keeps PostgreSQL's backends few.
    pool_size: int = 4
    max_overflow: int = 4
    # Base of the verification links printed on documents (a QR code points there), e.g.
    # https://zwfw.jincheng.example. Required outside the demo: without it the link would
    # follow the issuing request's Host header, which nobody signs.
    public_base_url: str | None = None
    # The demo (default_demo): documents may be issued without public_base_url, their links
    # pointing where the issuing request came to.
    demo: bool = False
    # The TUF repository served at /updates (docs/fleet.md §4): --updates-dir, else
    # $TONGBAN_UPDATES_DIR, else `updates/` beside the SQLite file; None: nothing served.
    updates_dir: str | None = None


def default_updates_dir(db_url: str) -> str | None:
    """$TONGBAN_UPDATES_DIR, else the directory `updates` beside the SQLite file, else None
    (PostgreSQL without the variable)."""
    env = os.environ.get(ENV_UPDATES, "").strip()
    if env:
        return env
    try:
        url = make_url(db_url)
    except ArgumentError:
        return None
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return str(Path(url.database).expanduser().parent / "updates")
    return None


def default_demo(db_url: str) -> bool:
    """The demo's rules apply with $TONGBAN_CENTRAL_DEMO=1 (deploy/demo.sh sets it) or on a
    SQLite database, the demo's; production is PostgreSQL and needs the public URL."""
    if os.environ.get(ENV_DEMO, "").strip() == "1":
        return True
    try:
        return make_url(db_url).get_backend_name() == "sqlite"
    except ArgumentError:
        return False


def require_public_url(public_url: str | None, demo: bool) -> None:
    """SettingsError when documents could not be issued: no public URL outside the demo."""
    if public_url is None and not demo:
        raise SettingsError(
            f"{ENV_PUBLIC_URL} (or --public-url) is required outside the demo: printed "
            "verification links must not follow the request's Host header"
        )


def default_public_url() -> str | None:
    """$TONGBAN_CENTRAL_PUBLIC_URL, checked, or None."""
    raw = os.environ.get(ENV_PUBLIC_URL, "").strip()
    return normalise_public_url(raw) if raw else None


def normalise_public_url(raw: str) -> str:
    """An http(s) base URL without a trailing slash (SettingsError otherwise)."""
    raw = raw.strip().rstrip("/")
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError(f"bad public URL {raw!r}: expected http(s)://host[:port][/path]")
    return raw


def default_db_url() -> str:
    """$TONGBAN_CENTRAL_DB, else the SQLite file ./var/central/central.db."""
    return os.environ.get(ENV_DB) or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def normalise_db_url(raw: str) -> str:
    """A SQLAlchemy URL for `raw`: a URL, or a bare path meaning a SQLite file.

    `postgresql://` and `postgres://` get the psycopg 3 driver, the only one installed.
    """
    raw = raw.strip()
    if not raw:
        raise SettingsError("empty database URL")
    if "://" not in raw:
        raw = f"sqlite:///{raw}"
    try:
        url = make_url(raw)
    except ArgumentError as err:
        raise SettingsError(
            f"bad database URL {raw!r}: expected sqlite:///PATH or postgresql://..."
        ) from err
    backend = url.get_backend_name()
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    elif backend not in ("sqlite", "postgresql"):
        raise SettingsError(f"unsupported database {url.drivername!r}: use sqlite or postgresql")
    return url.render_as_string(hide_password=False)


def shown_url(db_url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    try:
        url: URL = make_url(db_url)
    except ArgumentError:
        return "<bad URL>"
    return url.render_as_string(hide_password=True)


def ensure_sqlite_dir(db_url: str) -> None:
    """Create the directory of a SQLite file (the default ./var/central/ may not exist yet)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
