"""Release bundles (deploy/build-bundle.sh) and installing versions side by side, each with
its own venv, dependencies shared by lock hash, switched by an atomic symlink."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sysconfig
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

from kiosk.update.bundle import build_wheel, open_bundle, pack_bundle, runtime_lock
from kiosk.update.errors import UpdateRefused
from kiosk.update.install import Layout, ensure_deps, install_bundle, remove_old, seed_deps, switch
from tests.kiosk.update_fixtures import REPO_ROOT, fake_versions, small_bundle, tiny_wheel


def test_build_bundle_makes_manifest_lock_and_wheel(tmp_path: Path) -> None:
    out = tmp_path / "tongban-kiosk-0.4.0.tar.gz"
    done = subprocess.run([str(REPO_ROOT / "deploy/build-bundle.sh"), "0.4.0", str(out)],
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout.strip().splitlines()[-1])
    with tarfile.open(out) as tar:
        names = set(tar.getnames())
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        lock = tar.extractfile("requirements.lock").read().decode()      # type: ignore[union-attr]
        wheel = tar.extractfile(f"wheels/{manifest['wheel']}").read()     # type: ignore[union-attr]
    assert set(manifest) == {"format", "name", "version", "python", "wheel", "lock_hash"}
    assert manifest | {"bundle": str(out)} == printed
    assert (manifest["format"], manifest["name"], manifest["version"], manifest["python"]) == (
        1, "tongban-kiosk", "0.4.0", "3.11")
    assert manifest["wheel"] == "tongban_kiosk-0.4.0-py3-none-any.whl"
    assert names == {"manifest.json", "requirements.lock", f"wheels/{manifest['wheel']}"}
    assert manifest["lock_hash"] == hashlib.sha256(lock.encode()).hexdigest()
    pins = {line.split("==")[0].lower() for line in lock.splitlines()}
    assert {"tuf", "requests", "pydantic", "kivy", "securesystemslib"} <= pins
    assert not pins & {"pytest", "ruff", "mypy", "hypothesis", "tongban-kiosk"}   # test tools are not shipped
    assert all("==" in line for line in lock.splitlines())
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        assert "Version: 0.4.0" in archive.read("tongban_kiosk-0.4.0.dist-info/METADATA").decode()
        assert "kiosk/update/install.py" in archive.namelist()


def test_build_bundle_refuses_a_version_that_is_not_one(tmp_path: Path) -> None:
    done = subprocess.run([str(REPO_ROOT / "deploy/build-bundle.sh"), "../x", str(tmp_path / "b.tar.gz")],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 1 and "not a PEP 440 version" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "b.tar.gz").exists()


def _tar_with(tmp_path: Path, member: tarfile.TarInfo, data: bytes = b"x") -> Path:
    good, _ = small_bundle(tmp_path / "good", "0.2.0")
    path = tmp_path / "evil.tar.gz"
    with tarfile.open(good) as src, tarfile.open(path, "w:gz") as tar:
        for item in src.getmembers():
            tar.addfile(item, src.extractfile(item))
        tar.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return path


@pytest.mark.parametrize("make", [
    lambda: tarfile.TarInfo("../../escaped"),
    lambda: tarfile.TarInfo("/etc/escaped"),
    lambda: tarfile.TarInfo("wheels/../../escaped"),
    lambda: tarfile.TarInfo("wheels/sub/deeper.whl"),
    lambda: tarfile.TarInfo("elsewhere.txt"),
], ids=["dotdot", "absolute", "dotdot-inside", "nested", "unexpected"])
def test_a_bundle_with_a_path_out_of_place_is_refused(tmp_path: Path, make: object) -> None:
    member = make()  # type: ignore[operator]
    member.size = 1
    bundle = _tar_with(tmp_path, member)
    dest = tmp_path / "deep" / "versions" / "0.2.0"
    with pytest.raises(UpdateRefused) as caught:
        open_bundle(bundle, dest)
    assert caught.value.reason == "bundle_invalid"
    assert not dest.exists() and not (tmp_path / "escaped").exists()


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE])
def test_a_bundle_with_links_or_devices_is_refused(tmp_path: Path, kind: bytes) -> None:
    member = tarfile.TarInfo("wheels/link.whl")
    member.type, member.linkname = kind, "/etc/passwd"
    with pytest.raises(UpdateRefused) as caught:
        open_bundle(_tar_with(tmp_path, member), tmp_path / "dest")
    assert caught.value.reason == "bundle_invalid"


def test_a_bundle_whose_lock_is_not_the_manifests_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "tongban_kiosk-0.2.0-py3-none-any.whl"
    wheel.write_bytes(b"PK")
    bundle = tmp_path / "b.tar.gz"
    pack_bundle("0.2.0", wheel, "a==1\n", bundle)
    with tarfile.open(bundle) as tar:
        members = {m.name: (m, tar.extractfile(m).read()) for m in tar.getmembers()}  # type: ignore[union-attr]
    with tarfile.open(bundle, "w:gz") as tar:
        for name, (member, data) in members.items():
            data = b"a==2\n" if name == "requirements.lock" else data
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    for broken in (bundle, _not_a_tar(tmp_path)):
        with pytest.raises(UpdateRefused) as caught:
            open_bundle(broken)
        assert caught.value.reason == "bundle_invalid"


def _not_a_tar(tmp_path: Path) -> Path:
    path = tmp_path / "junk.tar.gz"
    path.write_bytes(b"not gzip at all")
    return path


def test_dependencies_are_built_once_per_lock_from_the_bundles_wheels(tmp_path: Path) -> None:
    layout = Layout(tmp_path / "opt")
    path, lock_hash = small_bundle(tmp_path / "b", "0.2.0", deps=True)
    bundle = open_bundle(path, tmp_path / "unpacked")
    deps = ensure_deps(layout, bundle)
    assert deps == layout.deps_for(lock_hash)
    assert (deps / "tinydep.py").read_text() == "VALUE = '1.0'\n"
    assert not [p for p in layout.deps_dir.iterdir() if p.name.startswith(".")]   # no partial left
    assert ensure_deps(layout, bundle) == deps                                     # kept, not rebuilt


def test_no_dependencies_here_and_none_in_the_bundle_fails_the_install(tmp_path: Path) -> None:
    layout = Layout(tmp_path / "opt")
    path, _ = small_bundle(tmp_path / "b", "0.2.0", deps=False)
    with pytest.raises(UpdateRefused) as caught:
        install_bundle(layout, path)
    assert caught.value.reason == "install_failed"
    assert layout.installed() == []


@pytest.mark.slow
def test_a_real_release_installs_side_by_side_with_its_own_venv(tmp_path: Path) -> None:
    """The project's own wheel from build-bundle's code, its dependencies from this
    checkout's venv (the demo layout), installed into a temp root and run."""
    lock = runtime_lock(REPO_ROOT / "pyproject.toml")
    wheel = build_wheel("0.5.0", REPO_ROOT, tmp_path / "wheel")
    bundle = tmp_path / "tongban-kiosk-0.5.0.tar.gz"
    manifest = pack_bundle("0.5.0", wheel, lock, bundle)
    layout = Layout(tmp_path / "opt")
    seed_deps(layout, manifest["lock_hash"], Path(sysconfig.get_paths()["purelib"]))
    assert install_bundle(layout, bundle) == "0.5.0"
    home = layout.version_dir("0.5.0")
    assert (home / "VERSION").read_text() == "0.5.0\n"
    assert json.loads((home / "manifest.json").read_text()) == manifest
    pth = next((home / "venv" / "lib").glob("python3.*/site-packages/tongban-deps.pth"))
    assert pth.read_text() == f"{layout.deps_for(manifest['lock_hash'])}\n"   # the shared dir by its name
    probe = ("import json, kiosk, tuf; from kiosk.version import running_version; "
             "print(json.dumps([kiosk.__file__, tuf.__file__, running_version()]))")
    done = subprocess.run([str(layout.python("0.5.0")), "-c", probe], capture_output=True, text=True,
                          check=False, timeout=120, cwd=tmp_path, env={**os.environ, "PYTHONPATH": ""})
    assert done.returncode == 0, done.stderr
    kiosk_file, tuf_file, version = json.loads(done.stdout)
    assert kiosk_file.startswith(str(home / "venv"))            # its own copy, not the checkout
    assert version == "0.5.0"                                    # VERSION beside its venv
    assert Path(tuf_file).resolve().is_relative_to(Path(sysconfig.get_paths()["purelib"]).resolve())
    # The same bundle again is already there; a second version lives beside it.
    assert install_bundle(layout, bundle) == "0.5.0"
    other, _ = small_bundle(tmp_path / "small", "0.6.0", deps=True)
    assert install_bundle(layout, other) == "0.6.0"
    assert layout.installed() == ["0.5.0", "0.6.0"]


def test_switch_is_atomic_for_a_reader(tmp_path: Path) -> None:
    layout = Layout(tmp_path / "opt")
    for version in ("0.1.0", "0.2.0"):
        layout.version_dir(version).mkdir(parents=True)
        (layout.version_dir(version) / "VERSION").write_text(version + "\n")
    switch(layout, "current", "0.1.0")
    seen: dict[str, int] = {}
    errors: list[OSError] = []
    reading, stop = threading.Event(), threading.Event()

    def reader() -> None:
        while not stop.is_set():
            # What a starting service sees: the link resolves to a whole version, always.
            try:
                text = (layout.root / "current" / "VERSION").read_text().strip()
            except OSError as err:
                errors.append(err)
                text = "missing"
            seen[text] = seen.get(text, 0) + 1
            reading.set()

    thread = threading.Thread(target=reader)
    thread.start()
    assert reading.wait(10)
    for n in range(400):
        switch(layout, "current", ("0.2.0", "0.1.0")[n % 2])
    stop.set()
    thread.join()
    assert errors == [] and set(seen) <= {"0.1.0", "0.2.0"} and sum(seen.values()) > 0
    assert os.readlink(layout.root / "current") == "versions/0.1.0"
    assert sorted(p.name for p in layout.root.iterdir()) == ["current", "versions"]   # no temp link left
    with pytest.raises(UpdateRefused):
        switch(layout, "current", "9.9.9")                       # not installed: refused, link kept
    assert layout.points_to("current") == "0.1.0"


def test_old_versions_go_but_the_linked_and_the_last_few_stay(tmp_path: Path) -> None:
    layout = Layout(tmp_path / "opt")
    versions = ["0.1.0", "0.2.0", "0.3.0", "0.4.0", "0.10.0", "0.11.0"]
    fake_versions(layout.root, *versions)
    switch(layout, "committed", "0.1.0")          # held by a link, however old
    switch(layout, "current", "0.11.0")
    assert remove_old(layout, keep=2) == ["0.2.0", "0.3.0"]
    assert layout.installed() == ["0.1.0", "0.4.0", "0.10.0", "0.11.0"]   # PEP 440 order, not text


def test_with_deps_takes_every_locked_wheel_from_a_local_folder_offline(tmp_path: Path) -> None:
    from kiosk.update.bundle import dependency_wheels

    local = tiny_wheel(tmp_path / "wheelhouse").parent
    found = dependency_wheels("tinydep==1.0\n", tmp_path / "out", local)
    assert [p.name for p in found] == ["tinydep-1.0-py3-none-any.whl"]
    with pytest.raises(RuntimeError, match="pip wheel of the dependencies failed"):
        dependency_wheels("tinydep==2.0\n", tmp_path / "out2", local)      # not there: said, not skipped
