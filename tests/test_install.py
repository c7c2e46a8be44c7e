"""deploy/install.sh puts a terminal into service from a release bundle (issue 13 §5), here
into a staging root (--root): the machine's own /opt, /etc and users are never touched.

The bundle is a real one from deploy/build-bundle.sh; its dependencies are the test venv's
site-packages (--deps-from), except in the test of a bundle that carries its dependency
wheels, where pip builds deps/<lock_hash> from them as on a fresh terminal. The staged
root gets copies of this machine's passwd/group files, so the user is made with
``useradd --prefix`` (as root; other runs check the rest).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from kiosk.update.bundle import pack_bundle
from tests.support.systemd_units import verify_in_root

REPO = Path(__file__).resolve().parent.parent
INSTALL = REPO / "deploy/install.sh"
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])   # the test venv's: the lock's versions
AS_ROOT = os.geteuid() == 0
VERSION = "0.9.1"


def build_bundle(version: str, out_dir: Path) -> Path:
    out = out_dir / f"tongban-kiosk-{version}.tar.gz"
    done = subprocess.run([str(REPO / "deploy/build-bundle.sh"), version, str(out)],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHON": sys.executable})
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bundles")
    build_bundle(VERSION, folder)
    return folder


@pytest.fixture(scope="module")
def trusted_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real TUF root.json, from central's own `updates init`."""
    folder = tmp_path_factory.mktemp("updates")
    migrated = subprocess.run([sys.executable, "-m", "central.cli", "migrate", "--db", str(folder / "central.db")],
                              capture_output=True, text=True, timeout=120, cwd=REPO)
    assert migrated.returncode == 0, migrated.stderr
    done = subprocess.run([sys.executable, "-m", "central.cli", "updates", "init", "--db", str(folder / "central.db"),
                           "--updates-dir", str(folder / "updates"), "--json"],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return folder / "updates/metadata/root.json"


def stage(tmp_path: Path) -> Path:
    """A staging root with this machine's user files and stock units (a Debian base image)."""
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    for name in ("passwd", "group", "shadow", "gshadow"):
        if Path("/etc", name).exists():
            shutil.copy2(Path("/etc", name), root / "etc" / name)
    (root / "usr/lib/systemd").mkdir(parents=True)
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    return root


def install(root: Path, bundle: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(INSTALL), "--root", str(root), *extra, str(bundle)],
                          capture_output=True, text=True, timeout=600, cwd="/")


def snapshot(root: Path) -> dict[str, tuple[object, ...]]:
    """Every path under root: mode, owner, link target or content hash (no times)."""
    seen: dict[str, tuple[object, ...]] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if rel.startswith("usr/lib/systemd/system"):
            continue
        info = path.lstat()
        if path.is_symlink():
            what: object = os.readlink(path)
        elif path.is_file():
            what = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            what = "dir"
        seen[rel] = (oct(info.st_mode), info.st_uid, info.st_gid, what)
    return seen


@pytest.fixture(scope="module")
def installed(bundles: Path, trusted_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    root = stage(tmp_path_factory.mktemp("install"))
    result = install(root, bundles / f"tongban-kiosk-{VERSION}.tar.gz", "--profile", "bank",
                     "--trusted-root", str(trusted_root), "--deps-from", str(SITE_PACKAGES))
    return root, result


def test_the_bundle_carries_every_file_the_packages_need(bundles: Path) -> None:
    # A .kv file missing from pyproject's package-data installs fine and crashes the new
    # version's first screen: the terminal would roll back every release.
    with tarfile.open(bundles / f"tongban-kiosk-{VERSION}.tar.gz") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        wheel = zipfile.ZipFile(tar.extractfile(f"wheels/{manifest['wheel']}"))  # type: ignore[arg-type]
    in_wheel = set(wheel.namelist())
    wanted = {str(p.relative_to(REPO)) for package in ("kiosk", "drivers", "screens", "central")
              for p in (REPO / package).rglob("*")
              if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc",)}
    assert sorted(wanted - in_wheel) == []


def test_a_first_install_puts_the_version_in_place_with_both_links(installed: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    root, result = installed
    assert result.returncode == 0, result.stderr
    opt = root / "opt/tongban"
    assert (opt / "versions" / VERSION / "VERSION").read_text() == f"{VERSION}\n"
    manifest = json.loads((opt / "versions" / VERSION / "manifest.json").read_text())
    assert manifest["version"] == VERSION
    # relative links, so the tree works wherever it is mounted
    assert os.readlink(opt / "current") == os.readlink(opt / "committed") == f"versions/{VERSION}"
    assert os.readlink(opt / "deps" / manifest["lock_hash"]) == str(SITE_PACKAGES.resolve())
    venv = opt / "versions" / VERSION / "venv"
    # the staged tree names /opt/tongban, not the staging directory, in its scripts and .pth
    assert (venv / "bin/kiosk").read_text().splitlines()[0] == f"#!/opt/tongban/versions/{VERSION}/venv/bin/python"
    staged = [p for p in venv.rglob("*") if p.is_file() and not p.is_symlink()
              and str(root).encode() in p.read_bytes()]
    assert staged == []
    assert f"install: done: tongban-kiosk {VERSION} (current {VERSION}, committed {VERSION})" in result.stderr


def test_the_installed_version_runs_and_its_site_file_is_valid(installed: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    root, _ = installed
    python = root / "opt/tongban/versions" / VERSION / "venv/bin/python"
    # Its .pth names /opt/tongban/deps/<lock_hash>, where the staged tree will be: here the
    # staged copy of that directory stands in for it.
    lock_hash = json.loads((root / "opt/tongban/versions" / VERSION / "manifest.json").read_text())["lock_hash"]
    env = {**os.environ, "TONGBAN_PROFILE_DIR": str(root / "usr/share/tongban/config"),
           "PYTHONPATH": str(root / "opt/tongban/deps" / lock_hash)}
    ran = subprocess.run([str(python), "-c", "import kiosk, kiosk.version as v; print(kiosk.__file__); print(v.running_version())"],
                         capture_output=True, text=True, timeout=60, env=env, cwd="/")
    where, version = ran.stdout.split()
    assert where.startswith(str(root / "opt/tongban/versions" / VERSION / "venv")) and version == VERSION
    check = subprocess.run([str(python), "-m", "screens.entry", "--config", str(root / "etc/tongban/kiosk.toml"),
                            "config", "check"], capture_output=True, text=True, timeout=60, env=env, cwd="/")
    assert check.returncode == 0, check.stderr
    assert 'profile = "bank"' in check.stdout and "配置正确" in check.stderr
    assert 'root = "/opt/tongban"' in check.stdout
    assert 'trusted_root = "/etc/tongban/update-root.json"' in check.stdout


def test_the_site_files_the_updater_trust_and_the_devices(installed: tuple[Path, subprocess.CompletedProcess[str]], trusted_root: Path) -> None:
    root, _ = installed
    site = root / "etc/tongban/kiosk.toml"
    assert site.read_text(encoding="utf-8").splitlines()[2] == 'profile = "bank"'
    assert oct(site.stat().st_mode & 0o777) == "0o640"    # holds staff PIN hashes once set
    assert (root / "etc/tongban/update-root.json").read_bytes() == trusted_root.read_bytes()
    assert sorted(p.name for p in (root / "usr/share/tongban/config").iterdir()) == ["bank.toml", "community.toml", "hall.toml"]
    assert (root / "etc/udev/rules.d/99-tongban-idreader.rules").read_bytes() == (REPO / "deploy/udev/99-tongban-idreader.rules").read_bytes()
    xsession = root / "opt/tongban/deploy/xsession/tongban-kiosk.xsession"
    assert os.access(xsession, os.X_OK)
    assert (root / "etc/X11/Xwrapper.config").read_text().split() == ["allowed_users=anybody", "needs_root_rights=no"]
    assert os.readlink(root / "etc/systemd/system/graphical.target.wants/tongban-kiosk.service") == \
        "/etc/systemd/system/tongban-kiosk.service"
    assert os.readlink(root / "etc/systemd/system/default.target") == "/usr/lib/systemd/system/graphical.target"


@pytest.mark.skipif(not AS_ROOT, reason="useradd --prefix and chown need root")
def test_the_user_is_made_in_the_staged_root_and_owns_what_the_updater_writes(installed: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    root, _ = installed
    users = {line.split(":")[0]: line.split(":") for line in (root / "etc/passwd").read_text().splitlines()}
    groups = {line.split(":")[0]: line.split(":") for line in (root / "etc/group").read_text().splitlines()}
    user = users["tongban"]
    assert int(user[2]) < 1000 and user[5] == "/var/lib/tongban" and user[6] == "/usr/sbin/nologin"
    for group in ("dialout", "lp"):
        assert "tongban" in groups[group][3].split(",")
    uid, gid = int(user[2]), int(user[3])
    opt = root / "opt/tongban"
    for path in (opt, opt / "versions", opt / "deps", opt / "current", opt / "committed",
                 opt / "versions" / VERSION / "venv/bin/python", root / "var/lib/tongban"):
        assert (path.lstat().st_uid, path.lstat().st_gid) == (uid, gid), path
    assert (root / "etc/tongban/kiosk.toml").stat().st_gid == gid and (root / "etc/tongban/kiosk.toml").stat().st_uid == 0
    # this machine's own users are untouched
    assert "tongban" not in [line.split(":")[0] for line in Path("/etc/passwd").read_text().splitlines()]


def test_the_installed_unit_passes_systemd_analyze_verify(installed: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    root, _ = installed
    # /opt/tongban/committed/venv/bin/kiosk and the X session resolve inside the staged root
    result = verify_in_root(root, "tongban-kiosk.service")
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_a_second_run_changes_nothing(installed: tuple[Path, subprocess.CompletedProcess[str]], bundles: Path, trusted_root: Path) -> None:
    root, _ = installed
    before = snapshot(root)
    again = install(root, bundles / f"tongban-kiosk-{VERSION}.tar.gz", "--profile", "bank",
                    "--trusted-root", str(trusted_root), "--deps-from", str(SITE_PACKAGES))
    assert again.returncode == 0, again.stderr
    assert "kiosk.toml kept as it is" in again.stderr
    assert snapshot(root) == before


def test_a_newer_bundle_is_installed_beside_and_switching_is_left_to_the_updater(tmp_path: Path, bundles: Path) -> None:
    root = stage(tmp_path)
    first = install(root, bundles / f"tongban-kiosk-{VERSION}.tar.gz", "--deps-from", str(SITE_PACKAGES))
    assert first.returncode == 0, first.stderr
    newer = build_bundle("0.9.2", tmp_path)
    result = install(root, newer, "--deps-from", str(SITE_PACKAGES))
    assert result.returncode == 0, result.stderr
    opt = root / "opt/tongban"
    assert (opt / "versions/0.9.2/VERSION").is_file()
    assert os.readlink(opt / "current") == os.readlink(opt / "committed") == f"versions/{VERSION}"
    assert "current stays 0.9.1, committed 0.9.1" in result.stderr


def _wheel_of_installed(name: str, out: Path) -> Path:
    """A wheel re-packed from an installed distribution (offline: no index here)."""
    from importlib import metadata

    dist = metadata.distribution(name)
    src = out / "src"
    for file in dist.files or []:
        path = Path(str(dist.locate_file(file)))
        if "__pycache__" in file.parts or not path.is_file():
            continue
        (src / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, src / file)
    done = subprocess.run([sys.executable, "-m", "wheel", "pack", str(src), "-d", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return next(out.glob(f"{name}-*.whl"))


def test_a_bundle_with_its_dependencies_builds_the_shared_deps_directory(tmp_path: Path, bundles: Path) -> None:
    # A fresh terminal has no dependencies: they come from the bundle's wheels, installed by
    # pip into deps/<lock_hash> (the updater's own code). Here the lock is one package.
    from importlib import metadata

    project = subprocess.run(["tar", "-xzf", str(bundles / f"tongban-kiosk-{VERSION}.tar.gz"), "-C", str(tmp_path),
                              f"wheels/tongban_kiosk-{VERSION}-py3-none-any.whl"], capture_output=True, text=True)
    assert project.returncode == 0, project.stderr
    dep = _wheel_of_installed("packaging", tmp_path / "dep")
    lock = f"packaging=={metadata.version('packaging')}\n"
    manifest = pack_bundle(VERSION, tmp_path / f"wheels/tongban_kiosk-{VERSION}-py3-none-any.whl", lock,
                           tmp_path / "with-deps.tar.gz", [dep])
    root = stage(tmp_path)
    result = install(root, tmp_path / "with-deps.tar.gz")
    assert result.returncode == 0, result.stderr
    deps = root / "opt/tongban/deps" / manifest["lock_hash"]
    assert deps.is_dir() and not deps.is_symlink() and (deps / "packaging/version.py").is_file()
    pth = root / "opt/tongban/versions" / VERSION / "venv/lib/python3.11/site-packages/tongban-deps.pth"
    assert pth.read_text() == f"/opt/tongban/deps/{manifest['lock_hash']}\n"


@pytest.mark.parametrize("case", ["no_bundle", "not_a_bundle", "bad_profile", "bad_trusted_root", "no_deps"])
def test_bad_input_is_refused_with_the_cause_and_nothing_installed(tmp_path: Path, bundles: Path, case: str) -> None:
    root = stage(tmp_path)
    good = bundles / f"tongban-kiosk-{VERSION}.tar.gz"
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    args, says = {
        "no_bundle": ([], "no bundle given"),
        "not_a_bundle": ([str(junk)], "is not a release bundle"),
        "bad_profile": (["--profile", "school", str(good)], "--profile school: use hall, bank or community"),
        "bad_trusted_root": (["--trusted-root", str(junk), "--deps-from", str(SITE_PACKAGES), str(good)],
                             "is not a TUF root.json"),
        "no_deps": ([str(good)], "built with deploy/build-bundle.sh VERSION OUT --with-deps"),
    }[case]
    result = subprocess.run(["bash", str(INSTALL), "--root", str(root), *args], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert says in result.stderr and "install: error:" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (root / "opt").exists()   # refused before anything was written
