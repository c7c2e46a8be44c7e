"""The terminal's TUF client against central's repository: what it accepts, and each attack
of issue 13 §3 refused with its reason (docs/fleet.md §4)."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
from datetime import datetime
from pathlib import Path

import pytest
from tuf.api.metadata import Metadata, Root
from tuf.api.serialization.json import JSONSerializer

from central.updates.repository import load_signer, new_key_file
from kiosk.update.apply import prepare
from kiosk.update.errors import UpdateRefused
from kiosk.update.install import Layout
from kiosk.update.trial import TrialState
from kiosk.update.tuf_client import UpdateClient
from tests.kiosk.update_fixtures import (
    Repo,
    days,
    serve_central_routes,
    serve_mirror,
    small_bundle,
    utc_now,
)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "central")
    bundle, lock_hash = small_bundle(tmp_path / "bundles", "0.2.0")
    repo.publish(bundle, "0.2.0", lock_hash)
    return repo


def client(url: str, data_dir: Path, **kw: object) -> UpdateClient:
    return UpdateClient(url, data_dir, **kw)  # type: ignore[arg-type]


def refused(call: object) -> str:
    with pytest.raises(UpdateRefused) as caught:
        call()  # type: ignore[operator]
    return caught.value.reason


def test_terminal_fetches_a_signed_release_from_centrals_routes(repo: Repo, tmp_path: Path) -> None:
    data = tmp_path / "terminal"
    with serve_central_routes(repo.paths) as url:
        updates = client(url, data)
        newest = updates.newest()
        assert newest is not None and newest.version == "0.2.0"
        assert newest.target == "tongban-kiosk-0.2.0.tar.gz"
        path = updates.download(newest)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == newest.sha256
    # Trust on first use: the first root is now what the terminal trusts.
    assert json.loads((data / "update/metadata/root.json").read_text())["signed"]["version"] == 1


def test_a_configured_trusted_root_is_what_the_terminal_trusts(repo: Repo, tmp_path: Path) -> None:
    other = Repo(tmp_path / "another-central")
    with serve_mirror(repo.paths) as url:
        assert refused(client(url, tmp_path / "t1", trusted_root=other.root_json()).refresh) == "bad_signature"
        client(url, tmp_path / "t2", trusted_root=repo.root_json()).refresh()


def test_a_target_whose_hash_does_not_match_is_refused(repo: Repo, tmp_path: Path) -> None:
    target = repo.paths.targets / "tongban-kiosk-0.2.0.tar.gz"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF                        # same length, one byte changed
    target.write_bytes(bytes(data))
    with serve_mirror(repo.paths) as url:
        updates = client(url, tmp_path / "terminal")
        release = updates.release("0.2.0")
        assert refused(lambda: updates.download(release)) == "hash_mismatch"
        target.write_bytes(bytes(data) + b"more")       # longer than signed
        assert refused(lambda: updates.download(release)) == "hash_mismatch"


def test_metadata_changed_after_signing_is_refused(repo: Repo, tmp_path: Path) -> None:
    targets_json = repo.paths.metadata / "targets.json"
    doc = json.loads(targets_json.read_text())
    doc["signed"]["targets"]["tongban-kiosk-0.2.0.tar.gz"]["length"] += 1
    targets_json.write_text(json.dumps(doc))
    with serve_mirror(repo.paths) as url:
        assert refused(client(url, tmp_path / "terminal").refresh) == "bad_signature"


def test_metadata_signed_with_a_key_root_does_not_name_is_refused(repo: Repo, tmp_path: Path) -> None:
    stranger = new_key_file(tmp_path / "stranger.pem")
    timestamp = Metadata.from_file(str(repo.paths.metadata / "timestamp.json"))
    timestamp.signed.version += 1
    timestamp.sign(stranger)                             # replaces the real signature
    (repo.paths.metadata / "timestamp.json").write_bytes(timestamp.to_bytes(JSONSerializer()))
    with serve_mirror(repo.paths) as url:
        assert refused(client(url, tmp_path / "terminal").refresh) == "bad_signature"


def test_an_older_version_is_refused(repo: Repo, tmp_path: Path) -> None:
    data = tmp_path / "terminal"
    with serve_mirror(repo.paths) as url:
        layout, store = Layout(tmp_path / "opt"), TrialState(data)
        assert refused(lambda: prepare(client(url, data), layout, store, "0.2.0", "0.3.0")) == "older_version"
        assert refused(lambda: prepare(client(url, data), layout, store, None, "0.2.0")) == "older_version"
        assert refused(lambda: prepare(client(url, data), layout, store, "9.9.9", "0.1.0")) == "not_found"
    assert not layout.versions_dir.exists()              # nothing downloaded or installed


def test_older_metadata_replayed_is_refused(repo: Repo, tmp_path: Path) -> None:
    old_timestamp = (repo.paths.metadata / "timestamp.json").read_bytes()
    bundle, lock_hash = small_bundle(tmp_path / "bundles", "0.3.0")
    repo.publish(bundle, "0.3.0", lock_hash)
    data = tmp_path / "terminal"
    with serve_mirror(repo.paths) as url:
        newest = client(url, data).newest()
        assert newest is not None and newest.version == "0.3.0"
        (repo.paths.metadata / "timestamp.json").write_bytes(old_timestamp)   # a rollback attack
        assert refused(client(url, data).refresh) == "older_version"


def test_stale_metadata_is_a_freeze_when_the_clock_is_right(tmp_path: Path) -> None:
    three_days_ago = utc_now() - days(3)
    repo = Repo(tmp_path / "central", now=three_days_ago)   # timestamp expired two days ago
    bundle, lock_hash = small_bundle(tmp_path / "bundles", "0.2.0")
    repo.publish(bundle, "0.2.0", lock_hash)
    with serve_mirror(repo.paths) as url:                   # a mirror that stopped refreshing
        assert refused(client(url, tmp_path / "terminal").refresh) == "metadata_expired"


def test_a_wrong_local_clock_says_so_instead_of_expired(repo: Repo, tmp_path: Path) -> None:
    ahead = days(3)
    with serve_mirror(repo.paths) as url:
        updates = client(url, tmp_path / "terminal", clock=lambda: utc_now() + ahead)
        with pytest.raises(UpdateRefused) as caught:
            updates.refresh()
    assert caught.value.reason == "clock_wrong"
    assert "+259" in caught.value.detail                    # the skew, in seconds


def test_the_heartbeats_server_time_judges_the_clock(repo: Repo, tmp_path: Path) -> None:
    # Central's time as the heartbeat told it (three days ahead of this machine's, which is
    # right by it): the metadata is fresh for central, stale only by the wrong local clock.
    told: datetime = utc_now() + days(3)
    with serve_mirror(repo.paths) as url:
        ok = client(url, tmp_path / "a", clock=lambda: utc_now() + days(3), server_time=lambda: told)
        assert refused(ok.refresh) == "metadata_expired"        # both agree: it is stale
        wrong = client(url, tmp_path / "b", clock=lambda: utc_now() + days(3), server_time=lambda: utc_now())
        assert refused(wrong.refresh) == "clock_wrong"


def test_central_unreachable_and_a_missing_target(repo: Repo, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert refused(client(f"http://127.0.0.1:{port}", tmp_path / "t0", timeouts=(1.0, 1.0)).refresh) == "unreachable"
    (repo.paths.targets / "tongban-kiosk-0.2.0.tar.gz").unlink()
    with serve_mirror(repo.paths) as url:
        updates = client(url, tmp_path / "t1")
        assert refused(lambda: updates.download(updates.release("0.2.0"))) == "not_found"


def test_key_rotation_new_root_accepted_then_old_key_refused(repo: Repo, tmp_path: Path) -> None:
    data = tmp_path / "terminal"
    with serve_mirror(repo.paths) as url:
        client(url, data).refresh()                              # trusts root 1
        rotated = repo.rotate(tmp_path / "central" / "updates-offline" / "root-2.pem")
        assert rotated["root_version"] == 2
        client(url, data).refresh()                              # root 2, signed by old and new
        trusted = Metadata[Root].from_file(str(data / "update/metadata/root.json"))
        assert trusted.signed.version == 2

        # Whoever still holds the old root key makes root 3 with it alone: refused.
        forged = Metadata[Root].from_file(str(repo.root_json(2)))
        forged.signed.version = 3
        forged.signatures.clear()
        forged.sign(load_signer(repo.root_key))
        (repo.paths.metadata / "3.root.json").write_bytes(forged.to_bytes(JSONSerializer()))
        assert refused(client(url, data).refresh) == "bad_signature"
    assert not (data / "update/metadata/root_history/3.root.json").exists()
    shutil.rmtree(data)
