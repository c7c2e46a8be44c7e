"""Install a version side by side and switch to it atomically (docs/fleet.md §4).

``<root>/versions/<V>/`` holds ``VERSION``, ``manifest.json`` and ``venv/``; the venv's
``tongban-deps.pth`` names ``<root>/deps/<lock_hash>/``, where the dependencies of every
version with the same lock live once (a release usually changes only the project's wheel,
so most updates install one wheel instead of Kivy, OpenCV and the rest). ``VERSION`` is
written last: a directory without it is a broken attempt and is made again.

``current`` and ``committed`` are relative symlinks; a switch makes a new link beside
them and ``os.replace``s it over the old one (rename is atomic on POSIX), then fsyncs the
directory, so after a power cut ``current`` names the old or the new version, never none.

In the development and demo layout the first version's dependency directory may be a
symlink to the checkout's ``.venv`` site-packages (``seed_deps``): that venv holds exactly
the locked versions (the lock is made from it), and the demo then installs releases without
downloading Kivy and friends again. ``.pth`` lines add a directory to ``sys.path`` without
running the ``.pth`` files inside it, so the checkout's editable install stays inert there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from kiosk.update.bundle import Bundle, open_bundle
from kiosk.update.errors import UpdateRefused

PTH_NAME = "tongban-deps.pth"
PY = f"python{sys.version_info.major}.{sys.version_info.minor}"


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def versions_dir(self) -> Path:
        return self.root / "versions"

    @property
    def deps_dir(self) -> Path:
        return self.root / "deps"

    def version_dir(self, version: str) -> Path:
        return self.versions_dir / version

    def deps_for(self, lock_hash: str) -> Path:
        return self.deps_dir / lock_hash

    def points_to(self, name: str) -> str | None:
        """The version the ``current`` / ``committed`` link names (None: no link)."""
        try:
            target = os.readlink(self.root / name)
        except OSError:
            return None
        return Path(target).name

    def installed(self) -> list[str]:
        """Complete versions (VERSION written), oldest first."""
        if not self.versions_dir.is_dir():
            return []
        found = [p.name for p in self.versions_dir.iterdir() if (p / "VERSION").is_file()]
        return sorted(found, key=_sort_key)

    def python(self, version: str) -> Path:
        return self.version_dir(version) / "venv" / "bin" / "python"


def _sort_key(version: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(version))
    except ValueError:
        return (0, version)


def _run(args: list[str], what: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise UpdateRefused("install_failed", f"{what}: {(done.stderr or done.stdout).strip()[-1500:]}")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(partial, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    _fsync_dir(path.parent)


def seed_deps(layout: Layout, lock_hash: str, site_packages: Path) -> Path:
    """Development / demo: the dependency directory of ``lock_hash`` is ``site_packages``."""
    target = layout.deps_for(lock_hash)
    layout.deps_dir.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        link = layout.deps_dir / f".{lock_hash}.{os.getpid()}.link"
        link.unlink(missing_ok=True)
        link.symlink_to(site_packages.resolve(), target_is_directory=True)
        os.replace(link, target)
    return target


def ensure_deps(layout: Layout, bundle: Bundle) -> Path:
    """``deps/<lock_hash>``, built from the bundle's dependency wheels when absent."""
    target = layout.deps_for(bundle.lock_hash)
    if target.is_dir():
        return target
    assert bundle.root is not None
    wheels = bundle.root / "wheels"
    if not any(p.name != bundle.wheel for p in wheels.glob("*.whl")):
        raise UpdateRefused("install_failed", f"no dependencies for lock {bundle.lock_hash[:12]} "
                                              "here and none in the bundle (build it --with-deps)")
    layout.deps_dir.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{bundle.lock_hash[:12]}.", dir=layout.deps_dir))
    try:
        _run([sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--disable-pip-version-check",
              "-q", "--find-links", str(wheels), "--target", str(partial),
              "-r", str(bundle.root / "requirements.lock")], "dependencies")
        os.replace(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return target


def install_bundle(layout: Layout, bundle_path: Path, python: str = sys.executable) -> str:
    """Install the bundle as ``versions/<V>`` (nothing done when it is there complete);
    returns V. Refuses with ``bundle_invalid`` or ``install_failed``."""
    checked = open_bundle(bundle_path)
    version = checked.version
    dest = layout.version_dir(version)
    if (dest / "VERSION").is_file():
        return version
    layout.versions_dir.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        shutil.rmtree(dest)           # an attempt cut short (no VERSION): start again
    dest.mkdir()
    with tempfile.TemporaryDirectory(prefix=".unpack-", dir=layout.versions_dir) as tmp:
        bundle = open_bundle(bundle_path, Path(tmp))
        try:
            deps = ensure_deps(layout, bundle)
            # The venv is made where it stays: its scripts name their interpreter by path.
            _run([python, "-m", "venv", str(dest / "venv")], "venv")
            venv_python = dest / "venv" / "bin" / "python"
            site = dest / "venv" / "lib" / PY / "site-packages"
            # The link's own path, not where it resolves: deps/<lock_hash> is what the
            # contract names, and a seeded (demo) directory may be pointed elsewhere later.
            (site / PTH_NAME).write_text(f"{os.path.abspath(deps)}\n", encoding="utf-8")
            _run([str(venv_python), "-m", "pip", "install", "--no-deps", "--no-index",
                  "--disable-pip-version-check", "-q", str(Path(tmp) / "wheels" / bundle.wheel)],
                 "project wheel")
            shutil.copy2(Path(tmp) / "manifest.json", dest / "manifest.json")
            shutil.copy2(Path(tmp) / "requirements.lock", dest / "requirements.lock")
        except OSError as err:
            raise UpdateRefused("install_failed", str(err)) from None
    _write_atomic(dest / "VERSION", version + "\n")
    return version


def switch(layout: Layout, name: str, version: str) -> None:
    """Point ``<root>/<name>`` (``current`` or ``committed``) at ``versions/<version>``,
    atomically: a new link beside it renamed over it, then the directory synced."""
    if name not in ("current", "committed"):
        raise ValueError(f"not a switch link: {name!r}")
    if not (layout.version_dir(version) / "VERSION").is_file():
        raise UpdateRefused("install_failed", f"version {version} is not installed")
    link = layout.root / f".{name}.{os.getpid()}.new"
    link.unlink(missing_ok=True)
    link.symlink_to(Path("versions") / version, target_is_directory=True)
    os.replace(link, layout.root / name)
    _fsync_dir(layout.root)


def remove_old(layout: Layout, keep: int = 3) -> list[str]:
    """Forget versions beyond the newest ``keep`` that neither link names."""
    held = {layout.points_to("current"), layout.points_to("committed")}
    old = [v for v in layout.installed() if v not in held][:-keep or None]
    for version in old:
        shutil.rmtree(layout.version_dir(version), ignore_errors=True)
    return old
