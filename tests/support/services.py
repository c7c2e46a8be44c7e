"""What a test does when a system service or binary it needs is missing.

Tests that need pcscd, cupsd with cups-pdf, PostgreSQL, Xvfb or a font call
``missing_service(reason, package)`` when the thing is not there. Locally that is a skip with
the reason (a developer without vpcd can still run the rest). Under ``CI=true`` it is a failure
naming the Debian package, so a CI image that lost a package goes red instead of green.

The package names are the ones in deploy/debian-packages.txt (tests/test_service_skips.py
checks that every name in ``PACKAGES`` is listed there).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

# What is missing -> the Debian package (deploy/debian-packages.txt) that provides it.
PACKAGES = {
    "cupsd": "cups",                            # cups-daemon comes with cups
    "cups-pdf": "printer-driver-cups-pdf",
    "pcscd": "pcscd",
    "vpcd": "vsmartcard-vpcd",
    "postgresql": "postgresql",
    "xvfb": "xvfb",
    "cjk-font": "fonts-wqy-microhei",
    "latin-font": "fonts-dejavu-core",
    "systemd-analyze": "systemd",               # unit files checked with systemd-analyze verify
}

ROOT_NEEDED = "run the tests as root"


def in_ci() -> bool:
    """True under CI (GitHub, GitLab and most others set ``CI=true``)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


def service_message(reason: str, package: str | None) -> str:
    """``reason`` with how to get the missing piece: the apt-get line, when a package helps."""
    return f"{reason} (apt-get install {package})" if package else reason


def missing_service(reason: str, package: str | None) -> NoReturn:
    """Skip the test locally; fail it under ``CI=true``. ``package`` is the Debian package
    that provides what is missing, or None when no package helps (e.g. root is needed)."""
    import pytest  # here: bench/ imports the support modules without pytest

    message = service_message(reason, package)
    if in_ci():
        pytest.fail(f"CI=true and {message}: the CI image must provide it", pytrace=False)
    pytest.skip(message)


@dataclass(frozen=True)
class Missing:
    """Why a service cannot run here, and the Debian package that fixes it (None: no package
    helps, e.g. it needs root)."""

    reason: str
    package: str | None

    def __str__(self) -> str:
        return service_message(self.reason, self.package)


def require(missing: Missing | None) -> None:
    """Nothing when ``missing`` is None; else ``missing_service`` (skip, or fail under CI)."""
    if missing is not None:
        missing_service(missing.reason, missing.package)


def require_files(files: dict[Path, str]) -> None:
    """Each file must exist; the first one that does not names its package (path -> package)."""
    for path, package in files.items():
        if not path.exists():
            missing_service(f"{path} not found", package)
