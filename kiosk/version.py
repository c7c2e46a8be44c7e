"""Which version of the software runs: what the heartbeat, `kiosk update` and the trial
logic compare.

An installed version lives in ``<root>/versions/<V>/`` with its venv beside a ``VERSION``
file (kiosk/update/install.py writes both), so the running interpreter's prefix names it:
``Path(sys.prefix).parent / "VERSION"``. A development checkout has no such file; it reports
the package's own version with ``+dev`` so central never mistakes it for a release.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

DIST_NAME = "tongban-kiosk"


def version_file(prefix: Path | str | None = None) -> Path:
    """The VERSION file beside the venv whose prefix is ``prefix`` (default: the running one)."""
    return Path(prefix if prefix is not None else sys.prefix).parent / "VERSION"


def installed_version(prefix: Path | str | None = None) -> str | None:
    """The version written beside the venv at install time, or None outside an install."""
    try:
        text = version_file(prefix).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text or None


def package_version() -> str:
    try:
        return metadata.version(DIST_NAME)
    except metadata.PackageNotFoundError:
        return "0+unknown"


def running_version(prefix: Path | str | None = None) -> str:
    """The version this process runs: VERSION beside its venv, else ``<package>+dev``."""
    found = installed_version(prefix)
    if found is not None:
        return found
    base = package_version()
    return base if "+" in base else f"{base}+dev"
