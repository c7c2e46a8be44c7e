"""A missing system service skips a test locally and fails it under CI=true, naming the Debian
package (tests/support/services.py). A CI image that lost pcscd, cupsd, PostgreSQL or Xvfb
must go red, not green with skips."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import cups, pcsc, postgres, xvfb
from tests.support.services import PACKAGES, Missing, missing_service, require, require_files

REPO_ROOT = Path(__file__).resolve().parent.parent
DEBIAN_PACKAGES = REPO_ROOT / "deploy" / "debian-packages.txt"


def listed_packages() -> set[str]:
    names = set()
    for line in DEBIAN_PACKAGES.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("["):
            names.update(line.split())
    return names


@pytest.fixture
def ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)


def test_under_ci_a_missing_service_fails_naming_the_package(ci: None) -> None:
    with pytest.raises(pytest.fail.Exception, match=re.escape("(apt-get install vsmartcard-vpcd)")) as err:
        missing_service("libifdvpcd.so not installed", "vsmartcard-vpcd")
    assert "libifdvpcd.so not installed" in str(err.value)


def test_locally_a_missing_service_skips_with_the_reason(local: None) -> None:
    with pytest.raises(pytest.skip.Exception) as err:
        missing_service("Xvfb not found on PATH", "xvfb")
    assert str(err.value) == "Xvfb not found on PATH (apt-get install xvfb)"


@pytest.mark.parametrize("value", ["false", "0", ""])
def test_ci_set_to_something_else_is_local(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception):
        missing_service("no cupsd", "cups")


def test_without_a_package_the_reason_stands_alone(ci: None) -> None:
    with pytest.raises(pytest.fail.Exception) as err:
        require(Missing("a private pcscd needs root", None))
    assert "needs root" in str(err.value) and "apt-get" not in str(err.value)
    require(None)                                   # nothing missing: nothing happens


def test_require_files_names_the_package_of_the_first_missing_file(ci: None, tmp_path: Path) -> None:
    present = tmp_path / "present.ttf"
    present.write_bytes(b"")
    require_files({present: "fonts-dejavu-core"})
    with pytest.raises(pytest.fail.Exception, match=re.escape("apt-get install fonts-wqy-microhei")):
        require_files({present: "fonts-dejavu-core", tmp_path / "wqy.ttc": "fonts-wqy-microhei"})


def test_every_package_named_is_in_deploy_debian_packages() -> None:
    listed = listed_packages()
    assert "pcscd" in listed and "xvfb" in listed           # the file was read
    assert {what: package for what, package in PACKAGES.items() if package not in listed} == {}


# -- the support modules report their missing pieces with those packages --------------------


def test_cups_missing_names_cups_then_cups_pdf(monkeypatch: pytest.MonkeyPatch, ci: None, tmp_path: Path) -> None:
    monkeypatch.setattr(cups, "CUPSD", str(tmp_path / "cupsd"))
    assert cups.cups_missing() == Missing(f"{tmp_path / 'cupsd'} not installed", "cups")
    assert cups.cups_unavailable_reason() == f"{tmp_path / 'cupsd'} not installed (apt-get install cups)"
    with pytest.raises(pytest.fail.Exception, match=re.escape("apt-get install cups)")):
        next(cups.simulated_cups_fixture())
    monkeypatch.setattr(cups, "CUPSD", sys.executable)          # a file that exists
    monkeypatch.setattr(cups, "CUPS_PDF_PPD", tmp_path / "CUPS-PDF_opt.ppd")
    missing = cups.cups_missing()
    assert missing is not None and missing.package == "printer-driver-cups-pdf"


def test_pcscd_missing_names_pcscd_then_vpcd(monkeypatch: pytest.MonkeyPatch, ci: None, tmp_path: Path) -> None:
    monkeypatch.setattr(pcsc, "PCSCD", str(tmp_path / "pcscd"))
    missing = pcsc.pcscd_missing()
    assert missing is not None and missing.package == "pcscd"
    with pytest.raises(pytest.fail.Exception, match=re.escape("(apt-get install pcscd)")):
        next(pcsc.pcscd_fixture())
    monkeypatch.setattr(pcsc, "PCSCD", sys.executable)
    monkeypatch.setattr(pcsc, "VPCD_DRIVER", str(tmp_path / "libifdvpcd.so"))
    missing = pcsc.pcscd_missing()
    assert missing is not None and missing.package == "vsmartcard-vpcd"
    assert pcsc.pcscd_unavailable_reason() == f"{tmp_path / 'libifdvpcd.so'} not installed (apt-get install vsmartcard-vpcd)"


def test_xvfb_missing_names_xvfb(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert xvfb.xvfb_missing() == Missing("Xvfb not found on PATH", "xvfb")


def test_postgres_missing_names_postgresql(monkeypatch: pytest.MonkeyPatch, ci: None) -> None:
    def not_found() -> Path:
        raise postgres.PostgresError("not found")

    monkeypatch.setattr(postgres, "find_bindir", not_found)
    missing = postgres.postgres_missing()
    assert missing is not None and missing.package == "postgresql"
    with pytest.raises(pytest.fail.Exception, match=re.escape("(apt-get install postgresql)")):
        postgres.require_postgres()


# -- and pytest reports it so: a skip locally, a failure under CI ----------------------------

PROBE = '''
import pytest
from tests.support.services import missing_service

@pytest.fixture
def daemon():
    missing_service("/usr/sbin/pcscd not installed", "pcscd")

def test_in_a_fixture(daemon):
    pass

def test_in_a_test():
    missing_service("Xvfb not found on PATH", "xvfb")
'''


@pytest.mark.parametrize("ci_value", ["true", None])
def test_a_pytest_run_reports_skips_locally_and_failures_under_ci(tmp_path: Path, ci_value: str | None) -> None:
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    if ci_value is not None:
        env["CI"] = ci_value
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", "-p", "no:randomly", str(probe)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    out = done.stdout
    if ci_value == "true":
        assert done.returncode == 1, out
        assert "1 failed, 1 error" in out, out
        assert "apt-get install pcscd" in out and "apt-get install xvfb" in out
    else:
        assert done.returncode == 0, out
        assert "2 skipped" in out, out
        assert "/usr/sbin/pcscd not installed (apt-get install pcscd)" in out
        assert "Xvfb not found on PATH (apt-get install xvfb)" in out
