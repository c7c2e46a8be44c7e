"""Central's TUF repository as a terminal sees it: python-tuf's own client (ngclient's
Updater) refreshes and downloads through the served /updates routes, and refuses what was
tampered with (docs/fleet.md §4)."""

from __future__ import annotations

import json
import stat
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from tuf.api import exceptions
from tuf.api.metadata import Metadata, Root
from update_helpers import make_bundle, updater

from central.app import create_app, dispose
from central.models_fleet import AuditEntry
from central.settings import Settings
from central.timeutil import utcnow
from central.updates.errors import UpdatesError
from central.updates.releases import list_releases, publish_release
from central.updates.repository import (
    RepoPaths,
    add_target,
    init_repository,
    load_signer,
    read_role,
    refresh,
    rotate_root,
)

BASE = "http://testserver"


@pytest.fixture
def repo(tmp_path: Path) -> RepoPaths:
    paths = RepoPaths(tmp_path / "srv" / "updates")
    init_repository(paths, None, utcnow())
    return paths


@pytest.fixture
def client(db_url: str, repo: RepoPaths) -> Iterator[TestClient]:
    app = create_app(db_url, Settings(db_url=db_url, demo=True, updates_dir=str(repo.base)))
    try:
        with TestClient(app) as test_client:
            yield test_client
    finally:
        dispose(app)


def publish(db_url: str, repo: RepoPaths, bundle: Path, version: str, notes: str = "") -> dict:
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            return publish_release(conn, repo.base, bundle, version, notes, "cli", utcnow())
    finally:
        engine.dispose()


def trusted_root(repo: RepoPaths, version: int = 1) -> bytes:
    return (repo.metadata / f"{version}.root.json").read_bytes()


def test_init_keeps_the_root_key_offline_and_is_idempotent(tmp_path: Path) -> None:
    paths = RepoPaths(tmp_path / "central" / "updates")
    first = init_repository(paths, None, utcnow())
    root_key = tmp_path / "central" / "updates-offline" / "root.pem"
    assert first["created"] is True and first["root_key"] == str(root_key)
    assert stat.S_IMODE(root_key.stat().st_mode) == 0o600
    assert not any(p.name == "root.pem" for p in paths.base.rglob("*"))
    for role in ("targets", "snapshot", "timestamp"):
        assert stat.S_IMODE(paths.key(role).stat().st_mode) == 0o600
    names = sorted(p.name for p in paths.metadata.iterdir())
    assert names == ["1.root.json", "root.json", "snapshot.json", "targets.json", "timestamp.json"]
    root = Metadata[Root].from_file(str(paths.metadata / "root.json")).signed
    assert root.consistent_snapshot is False
    assert (root.expires - root.expires.replace(year=root.expires.year - 1)).days in (365, 366)
    before = (paths.metadata / "root.json").read_bytes()
    again = init_repository(paths, None, utcnow())
    assert again["created"] is False and (paths.metadata / "root.json").read_bytes() == before


def test_init_refuses_a_root_key_inside_the_repository(tmp_path: Path) -> None:
    paths = RepoPaths(tmp_path / "updates")
    with pytest.raises(UpdatesError) as err:
        init_repository(paths, paths.base / "keys" / "root.pem", utcnow())
    assert err.value.reason == "root_key_inside"


def test_a_published_release_is_verified_and_downloaded_by_python_tuf(
    db_url: str, repo: RepoPaths, client: TestClient, tmp_path: Path
) -> None:
    bundle = make_bundle(tmp_path, "0.2.0")
    out = publish(db_url, repo, bundle, "0.2.0", notes="first")
    assert out["target"] == "tongban-kiosk-0.2.0.tar.gz" and out["targets_version"] == 2
    assert out["length"] == bundle.stat().st_size
    tuf = updater(client, BASE, trusted_root(repo), tmp_path / "terminal")
    tuf.refresh()
    info = tuf.get_targetinfo("tongban-kiosk-0.2.0.tar.gz")
    assert info is not None and info.custom["version"] == "0.2.0"
    assert len(info.custom["lock_hash"]) == 64
    path = tuf.download_target(info)
    assert Path(path).read_bytes() == bundle.read_bytes()
    rows = list_releases(create_engine(db_url).connect())
    assert [(r["version"], r["notes"], r["sha256"]) for r in rows] == [
        ("0.2.0", "first", out["sha256"])
    ]
    with create_engine(db_url).connect() as conn:
        actions = conn.execute(select(AuditEntry.action, AuditEntry.target)).all()
    assert ("release_publish", "0.2.0") in actions


def test_publish_refusals_name_their_reason(db_url: str, repo: RepoPaths, tmp_path: Path) -> None:
    publish(db_url, repo, make_bundle(tmp_path, "0.2.0"), "0.2.0")
    cases = {
        "version_exists": (make_bundle(tmp_path, "0.2.0", name="again.tar.gz"), "0.2.0"),
        "version_mismatch": (make_bundle(tmp_path, "0.3.0"), "0.3.1"),
        "bad_version": (make_bundle(tmp_path, "0.4.0"), "not a version"),
    }
    not_tar = tmp_path / "x.tar.gz"
    not_tar.write_bytes(b"hello")
    wrong_lock = make_bundle(tmp_path, "0.5.0", manifest={"lock_hash": "0" * 64})
    no_wheel = make_bundle(tmp_path, "0.6.0", manifest={"wheel": "other.whl"})
    for reason, (bundle, version) in cases.items():
        with pytest.raises(UpdatesError) as err:
            publish(db_url, repo, bundle, version)
        assert err.value.reason == reason
    for bundle, version in ((not_tar, "0.7.0"), (wrong_lock, "0.5.0"), (no_wheel, "0.6.0")):
        with pytest.raises(UpdatesError) as err:
            publish(db_url, repo, bundle, version)
        assert err.value.reason == "bad_bundle", bundle
    assert read_role(repo, "targets").signed.version == 2  # nothing refused was signed
    with pytest.raises(UpdatesError) as err:
        publish(db_url, RepoPaths(tmp_path / "nowhere"), not_tar, "0.8.0")
    assert err.value.reason == "no_repository"


def test_a_tampered_target_or_metadata_file_is_refused(
    db_url: str, repo: RepoPaths, client: TestClient, tmp_path: Path
) -> None:
    publish(db_url, repo, make_bundle(tmp_path, "0.2.0"), "0.2.0")
    target = repo.targets / "tongban-kiosk-0.2.0.tar.gz"
    good = target.read_bytes()
    target.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
    tuf = updater(client, BASE, trusted_root(repo), tmp_path / "t1")
    info = tuf.get_targetinfo("tongban-kiosk-0.2.0.tar.gz")
    assert info is not None
    with pytest.raises(exceptions.LengthOrHashMismatchError):
        tuf.download_target(info)
    target.write_bytes(good)
    # targets.json edited (a bigger length) without the targets key: the signature fails.
    raw = json.loads((repo.metadata / "targets.json").read_text())
    raw["signed"]["targets"]["tongban-kiosk-0.2.0.tar.gz"]["length"] += 1
    (repo.metadata / "targets.json").write_text(json.dumps(raw))
    with pytest.raises(exceptions.UnsignedMetadataError):
        updater(client, BASE, trusted_root(repo), tmp_path / "t2").refresh()


def test_refresh_re_signs_the_timestamp_and_the_route_does_it_when_half_its_life_is_gone(
    repo: RepoPaths, client: TestClient, tmp_path: Path
) -> None:
    assert refresh(repo, utcnow()) == {"timestamp": 2}
    assert refresh(repo, utcnow(), force=False) == {}  # fresh: nothing to do lazily
    # A timestamp signed 13 hours ago has 11 of its 24 hours left: served, it is re-signed.
    refresh(repo, utcnow() - timedelta(hours=13))
    stale = read_role(repo, "timestamp").signed
    assert stale.version == 3
    answer = client.get("/updates/metadata/timestamp.json")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    served = json.loads(answer.content)["signed"]
    assert served["version"] == 4
    updater(client, BASE, trusted_root(repo), tmp_path / "t").refresh()


def test_root_rotation_is_followed_by_a_client_trusting_the_old_root(
    db_url: str, repo: RepoPaths, client: TestClient, tmp_path: Path
) -> None:
    old_key = repo.default_root_key
    new_key = tmp_path / "offline2" / "root.pem"
    out = rotate_root(repo, old_key, new_key, utcnow())
    assert out["root_version"] == 2 and stat.S_IMODE(new_key.stat().st_mode) == 0o600
    publish(db_url, repo, make_bundle(tmp_path, "0.2.0"), "0.2.0")
    tuf = updater(client, BASE, trusted_root(repo, 1), tmp_path / "t1")
    tuf.refresh()
    assert tuf.get_targetinfo("tongban-kiosk-0.2.0.tar.gz") is not None
    trusted = Metadata[Root].from_file(str(tmp_path / "t1" / "meta" / "root.json"))
    assert trusted.signed.version == 2
    # The retired key can neither rotate again nor forge a root 3 that a client accepts
    # (past root 2, only the new key counts).
    with pytest.raises(UpdatesError) as err:
        rotate_root(repo, old_key, tmp_path / "offline3" / "root.pem", utcnow())
    assert err.value.reason == "bad_root_key"
    forged = Metadata[Root].from_file(str(repo.metadata / "2.root.json"))
    forged.signed.version = 3
    forged.sign(load_signer(old_key))
    (repo.metadata / "3.root.json").write_bytes(forged.to_bytes())
    with pytest.raises(exceptions.UnsignedMetadataError):
        updater(client, BASE, trusted_root(repo, 1), tmp_path / "t2").refresh()


def test_routes_serve_only_repository_files(repo: RepoPaths, client: TestClient) -> None:
    assert client.get("/updates/metadata/1.root.json").status_code == 200
    for path in (
        "/updates/metadata/..%2Fkeys%2Ftimestamp.pem",
        "/updates/metadata/../keys/timestamp.pem",
        "/updates/metadata/keys.json",
        "/updates/metadata/2.root.json",
        "/updates/targets/.lock",
        "/updates/targets/..%2Fkeys%2Ftargets.pem",
        "/updates/targets/nothing.tar.gz",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert b"PRIVATE" not in answer.content


def test_two_publishers_never_interleave(repo: RepoPaths, tmp_path: Path) -> None:
    bundles = [make_bundle(tmp_path, f"0.{n}.0") for n in range(2, 6)]
    barrier = threading.Barrier(len(bundles))
    errors: list[BaseException] = []

    def one(bundle: Path, version: str) -> None:
        try:
            barrier.wait()
            add_target(
                repo, f"tongban-kiosk-{version}.tar.gz", bundle, {"version": version}, utcnow()
            )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=one, args=(b, f"0.{n}.0"))
        for n, b in zip(range(2, 6), bundles, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    targets = read_role(repo, "targets").signed
    assert targets.version == 1 + len(bundles) and len(targets.targets) == len(bundles)
    snapshot = read_role(repo, "snapshot").signed
    assert snapshot.meta["targets.json"].version == targets.version
    assert read_role(repo, "timestamp").signed.snapshot_meta.version == snapshot.version


def test_workers_refreshing_a_stale_timestamp_at_once_sign_it_once(repo: RepoPaths) -> None:
    refresh(repo, utcnow() - timedelta(hours=13))  # 11 of 24 hours left
    stale = read_role(repo, "timestamp").signed.version
    barrier = threading.Barrier(4)
    written: list[dict[str, int]] = []

    def worker() -> None:
        barrier.wait()
        written.append(refresh(repo, utcnow(), force=False))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(len, written)) == [0, 0, 0, 1]  # one re-signed, three found it fresh
    assert read_role(repo, "timestamp").signed.version == stale + 1
