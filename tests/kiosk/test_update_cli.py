"""`kiosk update check|apply|status|boot-check --json` (docs/fleet.md §4): the keys, the
exit codes, refusals as ``{"error": reason}`` with exit 3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.update.install import Layout, switch
from tests.kiosk.update_fixtures import Repo, fake_versions, serve_mirror, site_file, small_bundle

STATUS_KEYS = {"running", "committed", "previous", "trial", "state", "reason", "versions"}
CHECK_KEYS = {"running", "committed", "offered", "available", "reason"}


def kiosk(capsys: pytest.CaptureFixture[str], site: Path, *args: str) -> tuple[int, dict, str]:
    code = main(["--config", str(site), "update", *args, "--json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out), err


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "central")
    bundle, lock_hash = small_bundle(tmp_path / "bundles", "0.2.0", deps=True)
    repo.publish(bundle, "0.2.0", lock_hash)
    return repo


def test_status_of_a_fresh_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = kiosk(capsys, site_file(tmp_path), "status")
    assert code == 0 and STATUS_KEYS <= set(doc)
    assert doc["running"].endswith("+dev")                   # a checkout, not an installed version
    assert (doc["committed"], doc["trial"], doc["state"], doc["versions"]) == (None, None, "idle", [])


def test_check_sees_a_newer_signed_release(repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with serve_mirror(repo.paths) as url:
        code, doc, _ = kiosk(capsys, site_file(tmp_path / "t", url), "check")
    assert code == 0 and set(doc) == CHECK_KEYS
    assert (doc["offered"], doc["available"], doc["reason"]) == ("0.2.0", True, "")


def test_check_and_apply_refusals_exit_3_with_the_reason(repo: Repo, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    with serve_mirror(repo.paths) as url:
        site = site_file(tmp_path / "t", url)
        code, doc, err = kiosk(capsys, site, "apply", "--version", "7.0.0")
        assert (code, doc) == (3, {"error": "not_found"}) and "平台上没有这个版本" in err
        code, doc, _ = kiosk(capsys, site, "apply", "--version", "0.0.1")
        assert (code, doc) == (3, {"error": "not_found"})
        target = repo.paths.targets / "tongban-kiosk-0.2.0.tar.gz"
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
        code, doc, _ = kiosk(capsys, site, "apply")
        assert (code, doc) == (3, {"error": "hash_mismatch"})
    code, doc, _ = kiosk(capsys, site, "status")
    assert (doc["state"], doc["reason"], doc["versions"]) == ("refused", "hash_mismatch", [])
    code, doc, err = kiosk(capsys, site, "check")                   # the mirror is gone now
    assert code == 3 and doc["error"] == "unreachable" and doc["reason"] == "unreachable"
    assert "连不上平台的更新服务" in err


@pytest.mark.slow
def test_apply_installs_and_switches_then_status_shows_the_trial(repo: Repo, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "t"
    layout = Layout(site / "opt")
    fake_versions(layout.root, "0.1.0")
    switch(layout, "committed", "0.1.0")
    switch(layout, "current", "0.1.0")
    with serve_mirror(repo.paths) as url:
        code, doc, _ = kiosk(capsys, site_file(site, url), "apply")
    assert code == 0 and doc["version"] == "0.2.0" and doc["state"] == "trial"
    assert layout.points_to("current") == "0.2.0" and layout.points_to("committed") == "0.1.0"
    code, doc, _ = kiosk(capsys, site / "kiosk.toml", "status")
    assert (doc["trial"], doc["state"], doc["committed"], doc["versions"]) == ("0.2.0", "trial", "0.1.0", ["0.1.0", "0.2.0"])
    code, doc, _ = kiosk(capsys, site / "kiosk.toml", "boot-check")
    assert code == 0 and doc == {"action": "trial_start", "version": "0.2.0", "attempts": 1}


def test_boot_check_with_nothing_installed_does_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = kiosk(capsys, site_file(tmp_path), "boot-check")
    assert (code, doc) == (0, {"action": "none", "version": None, "attempts": 0})
