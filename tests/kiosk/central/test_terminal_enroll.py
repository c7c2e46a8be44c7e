"""Enrollment: a technician types a one-time code; the terminal gets a private key and an id."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.central_api.client import CentralClient
from kiosk.central_api.enroll import enroll
from kiosk.central_api.errors import AlreadyEnrolled, CentralRejected, CentralUnavailable
from kiosk.central_api.signing import load_identity
from tests.support.fake_central import FakeCentral

KIOSK = shutil.which("kiosk", path=os.path.dirname(sys.executable)) or "kiosk"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_enrollment_writes_a_private_key_and_the_identity(central: FakeCentral, tmp_path: Path) -> None:
    central.add_code("ABCD-EFGH-JKLM", "T-0007")
    old_umask = os.umask(0)       # even a careless umask must not widen the key file
    try:
        result = enroll(tmp_path / "data", central.url, " ABCD-EFGH-JKLM ")
    finally:
        os.umask(old_umask)
    keys = tmp_path / "data" / "keys"
    assert result.identity.terminal_id == "T-0007"
    assert mode(keys) == 0o700 and mode(keys / "terminal.key") == 0o600 and mode(keys / "terminal.json") == 0o600
    assert (keys / "terminal.key").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    info = json.loads((keys / "terminal.json").read_text())
    assert info["terminal_id"] == "T-0007" and info["central_url"] == central.url
    assert info["region_code"] == "140500" and info["profile"] == "hall"
    assert sorted(p.name for p in keys.iterdir()) == ["terminal.json", "terminal.key"]

    identity = load_identity(tmp_path / "data")
    assert identity is not None and identity.public_key_b64() == result.identity.public_key_b64()
    with CentralClient(identity.central_url or "", identity) as client:
        assert client.catalogue().version       # central verifies the new key's signatures
    assert central.seen[-1].verified == "ok"


def test_a_second_enrollment_needs_force(central: FakeCentral, tmp_path: Path) -> None:
    central.add_code("CODE-0001", "T-0001")
    central.add_code("CODE-0002", "T-0002")
    first = enroll(tmp_path, central.url, "CODE-0001")
    with pytest.raises(AlreadyEnrolled) as err:
        enroll(tmp_path, central.url, "CODE-0002")
    assert err.value.terminal_id == "T-0001" and "CODE-0002" in central.codes   # central not asked
    second = enroll(tmp_path, central.url, "CODE-0002", force=True)
    assert second.identity.terminal_id == "T-0002"
    assert second.identity.public_key_b64() != first.identity.public_key_b64()
    assert load_identity(tmp_path).terminal_id == "T-0002"  # type: ignore[union-attr]


def test_a_rejected_code_leaves_nothing_behind(central: FakeCentral, tmp_path: Path) -> None:
    with pytest.raises(CentralRejected) as err:
        enroll(tmp_path, central.url, "WRONG-CODE")
    assert err.value.code == "enrollment_failed"
    assert load_identity(tmp_path) is None
    assert list((tmp_path / "keys").iterdir()) == []


def test_a_refused_forced_reenrollment_keeps_the_old_identity(central: FakeCentral, tmp_path: Path) -> None:
    central.add_code("CODE-0001", "T-0001")
    enroll(tmp_path, central.url, "CODE-0001")
    with pytest.raises(CentralRejected):
        enroll(tmp_path, central.url, "USED-CODE", force=True)
    assert load_identity(tmp_path).terminal_id == "T-0001"  # type: ignore[union-attr]


def test_an_unreachable_central_is_said(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(CentralUnavailable):
        enroll(tmp_path, f"http://127.0.0.1:{port}", "CODE")
    assert load_identity(tmp_path) is None


# -- the command, as a technician runs it ---------------------------------------------------
def site(tmp_path: Path, url: str | None = None) -> Path:
    path = tmp_path / "kiosk.toml"
    central = f'[central]\nurl = "{url}"\n' if url else ""
    path.write_text(f'profile = "hall"\n[terminal]\ndata_dir = "data"\n{central}', encoding="utf-8")
    return path


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KIOSK, *args], capture_output=True, text=True, timeout=60)


def test_kiosk_enroll_command(central: FakeCentral, tmp_path: Path) -> None:
    config = site(tmp_path, central.url)
    central.add_code("ABCD-EFGH-JKLM", "T-0009")
    bad = kiosk("--config", str(config), "enroll", "--code", "NOPE-NOPE-NOPE")
    assert bad.returncode == 1 and "code rejected" in bad.stderr and "Traceback" not in bad.stderr

    done = kiosk("--config", str(config), "enroll", "--code", "ABCD-EFGH-JKLM")
    assert done.returncode == 0, done.stderr
    assert "T-0009" in done.stdout

    again = kiosk("--config", str(config), "enroll", "--code", "ABCD-EFGH-JKLM")
    assert again.returncode == 1 and "already enrolled as T-0009" in again.stderr and "--force" in again.stderr


def test_kiosk_enroll_names_an_unreachable_central(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    done = kiosk("--config", str(site(tmp_path)), "enroll", "--central", url, "--code", "X")
    assert done.returncode == 4
    assert "unreachable" in done.stderr and url in done.stderr and "Traceback" not in done.stderr

    no_url = kiosk("--config", str(site(tmp_path)), "enroll", "--code", "X")
    assert no_url.returncode == 1 and "--central" in no_url.stderr


def test_connect_says_why_there_is_no_client(central: FakeCentral, tmp_path: Path) -> None:
    from kiosk.central_api import connect
    from kiosk.config import load_config

    config = load_config(site(tmp_path, central.url))
    assert connect(config) == (None, "not_enrolled")
    central.add_code("CODE-0001", "T-0001")
    enroll(config.terminal.data_dir, central.url, "CODE-0001")
    client, reason = connect(config)
    assert reason is None and client is not None
    with client:
        assert client.catalogue().version and client.identity is not None
        assert client.timeout == (3, 10)
    os.chmod(tmp_path / "data" / "keys" / "terminal.key", 0o644)
    assert connect(config) == (None, "identity_invalid")
