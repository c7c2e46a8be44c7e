"""The release bundle (docs/fleet.md §4): build it on the release machine, check and unpack
it on the terminal.

A bundle is a ``.tar.gz`` holding ``manifest.json`` (``format``, ``name``, ``version``,
``python``, ``wheel``, ``lock_hash``), ``requirements.lock`` (``Name==version`` of every
runtime dependency, the hash's input) and ``wheels/`` (the project's wheel; dependency
wheels when built ``--with-deps``). Versions whose lock hash is the same share one
dependency directory on the terminal, so most releases carry only the project's wheel.

The lock is the runtime dependency *closure* of pyproject's ``dependencies`` walked through
the installed distributions' metadata (markers and extras evaluated), in ``pip freeze``'s
``Name==version`` form. Subtracting the test extra from ``pip freeze`` would be wrong: test
tools share dependencies with the runtime (httpx and fastapi both need anyio), and the
subtraction would drop them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from kiosk.update.errors import UpdateRefused

NAME = "tongban-kiosk"
FORMAT = 1
PACKAGES = ("kiosk", "drivers", "screens", "central")
MAX_MEMBERS = 2000
MAX_UNPACKED = 2 * 1024**3


@dataclass(frozen=True)
class Bundle:
    """A checked bundle: its manifest and, once unpacked, where."""

    manifest: dict[str, Any]
    lock_text: str
    root: Path | None = None

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    @property
    def lock_hash(self) -> str:
        return str(self.manifest["lock_hash"])

    @property
    def wheel(self) -> str:
        return str(self.manifest["wheel"])


def lock_hash(lock_text: str) -> str:
    return hashlib.sha256(lock_text.encode("utf-8")).hexdigest()


def check_version(version: str) -> str:
    try:
        Version(version)
    except InvalidVersion:
        raise ValueError(f"{version!r} is not a PEP 440 version (e.g. 0.2.0)") from None
    if "/" in version or version != version.strip():
        raise ValueError(f"{version!r} is not a plain version")
    return version


# --- building ------------------------------------------------------------------------------

def runtime_lock(pyproject: Path) -> str:
    """``Name==version`` lines of the runtime dependency closure installed here, sorted."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    env = {key: str(value) for key, value in default_environment().items()}
    pending = [Requirement(text) for text in project.get("dependencies", [])]
    pinned: dict[str, str] = {}
    walked: set[tuple[str, frozenset[str]]] = set()
    while pending:
        req = pending.pop()
        name = canonicalize_name(req.name)
        key = (name, frozenset(req.extras))
        if key in walked:
            continue
        walked.add(key)
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            raise ValueError(f"runtime dependency {req.name} is not installed in {sys.prefix}") from None
        pinned[name] = f"{dist.metadata['Name']}=={dist.version}"
        for text in dist.requires or []:
            sub = Requirement(text)
            wanted = sub.marker is None or any(
                sub.marker.evaluate({**env, "extra": extra}) for extra in ("", *req.extras))
            if wanted:
                pending.append(sub)
    pinned.pop(canonicalize_name(NAME), None)
    return "".join(line + "\n" for line in sorted(pinned.values(), key=str.lower))


def build_wheel(version: str, source: Path, out_dir: Path, python: str = sys.executable) -> Path:
    """The project's wheel at ``version``, built offline from a copy of ``source``.

    The copy keeps the shared working tree free of build/ and egg-info; pip builds without
    isolation (the venv's setuptools and wheel) and without an index, so no network is used.
    """
    check_version(version)
    with tempfile.TemporaryDirectory(prefix="tongban-wheel-") as tmp:
        copy = Path(tmp) / "src"
        copy.mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
        for package in PACKAGES:
            shutil.copytree(source / package, copy / package, ignore=ignore)
        shutil.copy2(source / "README.md", copy / "README.md")
        text = (source / "pyproject.toml").read_text(encoding="utf-8")
        current = tomllib.loads(text)["project"]["version"]
        (copy / "pyproject.toml").write_text(
            text.replace(f'version = "{current}"', f'version = "{version}"', 1), encoding="utf-8")
        out_dir.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [python, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
             "--disable-pip-version-check", "-q", "-w", str(out_dir), str(copy)],
            capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"pip wheel failed: {done.stderr.strip()[-2000:]}")
    found = sorted(out_dir.glob(f"tongban_kiosk-{Version(version)}-*.whl"))
    if not found:
        raise RuntimeError(f"pip wheel made no tongban_kiosk {version} wheel in {out_dir}")
    return found[-1]


def dependency_wheels(lock_text: str, out_dir: Path, find_links: Path | None,
                      python: str = sys.executable) -> list[Path]:
    """Wheels of every locked dependency (``--with-deps``): from ``find_links`` offline, or
    from the index (pip's cache first) when no directory is given."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".lock", delete=False) as lock:
        lock.write(lock_text)
    source = ["--no-index", "--find-links", str(find_links)] if find_links else []
    done = subprocess.run(
        [python, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q",
         *source, "-w", str(out_dir), "-r", lock.name],
        capture_output=True, text=True, check=False)
    Path(lock.name).unlink(missing_ok=True)
    if done.returncode != 0:
        raise RuntimeError(f"pip wheel of the dependencies failed: {done.stderr.strip()[-2000:]}")
    return sorted(out_dir.glob("*.whl"))


def pack_bundle(version: str, wheel: Path, lock_text: str, out: Path,
                dep_wheels: Sequence[Path] = ()) -> dict[str, Any]:
    """Write the bundle ``out`` and return its manifest."""
    check_version(version)
    manifest = {"format": FORMAT, "name": NAME, "version": version, "python": "3.11",
                "wheel": wheel.name, "lock_hash": lock_hash(lock_text)}
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    with tarfile.open(partial, "w:gz") as tar:
        _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode() + b"\n")
        _add_bytes(tar, "requirements.lock", lock_text.encode("utf-8"))
        for path in [wheel, *dep_wheels]:
            tar.add(path, arcname=f"wheels/{path.name}", recursive=False)
    partial.replace(out)
    return manifest


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def build_bundle(version: str, out: Path, source: Path, *, with_deps: bool = False,
                 find_links: Path | None = None) -> dict[str, Any]:
    lock_text = runtime_lock(source / "pyproject.toml")
    with tempfile.TemporaryDirectory(prefix="tongban-bundle-") as tmp:
        wheel = build_wheel(version, source, Path(tmp) / "project")
        deps = dependency_wheels(lock_text, Path(tmp) / "deps", find_links) if with_deps else []
        return pack_bundle(version, wheel, lock_text, out, deps)


# --- reading (terminal) --------------------------------------------------------------------

def _member_path(member: tarfile.TarInfo) -> PurePosixPath:
    path = PurePosixPath(member.name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise UpdateRefused("bundle_invalid", f"unsafe path in the bundle: {member.name!r}")
    if not (member.isfile() or member.isdir()):
        raise UpdateRefused("bundle_invalid", f"not a plain file in the bundle: {member.name!r}")
    top = path.parts[0]
    if top not in ("manifest.json", "requirements.lock", "wheels") or (top == "wheels" and len(path.parts) > 2):
        raise UpdateRefused("bundle_invalid", f"unexpected file in the bundle: {member.name!r}")
    return path


def _check_manifest(data: bytes, lock_text: str) -> dict[str, Any]:
    try:
        manifest = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise UpdateRefused("bundle_invalid", "manifest.json is not JSON") from None
    if not isinstance(manifest, dict):
        raise UpdateRefused("bundle_invalid", "manifest.json is not an object")
    missing = [k for k in ("format", "name", "version", "python", "wheel", "lock_hash") if k not in manifest]
    if missing:
        raise UpdateRefused("bundle_invalid", f"manifest.json lacks {', '.join(missing)}")
    if manifest["format"] != FORMAT or manifest["name"] != NAME:
        raise UpdateRefused("bundle_invalid", f"not a {NAME} bundle of format {FORMAT}")
    try:
        check_version(str(manifest["version"]))
    except ValueError as err:
        raise UpdateRefused("bundle_invalid", str(err)) from None
    wheel = str(manifest["wheel"])
    if "/" in wheel or not wheel.endswith(".whl"):
        raise UpdateRefused("bundle_invalid", f"manifest names no wheel: {wheel!r}")
    if manifest["lock_hash"] != lock_hash(lock_text):
        raise UpdateRefused("bundle_invalid", "requirements.lock does not match the manifest's lock_hash")
    return manifest


def open_bundle(path: Path, dest: Path | None = None) -> Bundle:
    """Check the bundle at ``path`` and, with ``dest``, unpack it there (refusing traversal,
    links, devices and unexpected names with ``bundle_invalid``)."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            members = tar.getmembers()
            if len(members) > MAX_MEMBERS or sum(m.size for m in members) > MAX_UNPACKED:
                raise UpdateRefused("bundle_invalid", "bundle too large")
            files = {str(_member_path(m)): m for m in members}
            if "manifest.json" not in files or "requirements.lock" not in files:
                raise UpdateRefused("bundle_invalid", "no manifest.json or requirements.lock")
            lock_text = _read(tar, files["requirements.lock"]).decode("utf-8")
            manifest = _check_manifest(_read(tar, files["manifest.json"]), lock_text)
            if f"wheels/{manifest['wheel']}" not in files:
                raise UpdateRefused("bundle_invalid", f"the wheel {manifest['wheel']} is missing")
            if dest is not None:
                dest.mkdir(parents=True, exist_ok=True)
                tar.extractall(dest, members=members, filter="data")
    except UpdateRefused:
        raise
    except (OSError, tarfile.TarError, UnicodeDecodeError, EOFError) as err:
        raise UpdateRefused("bundle_invalid", f"not a readable bundle: {err}") from None
    return Bundle(manifest, lock_text, dest)


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:
        raise UpdateRefused("bundle_invalid", f"{member.name} is not a file")
    return handle.read()


def main(argv: list[str] | None = None) -> int:
    """``python -m kiosk.update.bundle VERSION OUT [--with-deps] [--find-links DIR]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="build-bundle.sh", description="build a release bundle")
    parser.add_argument("version")
    parser.add_argument("out", type=Path)
    parser.add_argument("--with-deps", action="store_true", help="include every dependency's wheel")
    parser.add_argument("--find-links", type=Path, help="dependency wheels from this folder (offline)")
    parser.add_argument("--source", type=Path, default=Path(__file__).resolve().parents[2])
    args = parser.parse_args(argv)
    try:
        manifest = build_bundle(args.version, args.out, args.source,
                                with_deps=args.with_deps, find_links=args.find_links)
    except (ValueError, RuntimeError, OSError) as err:
        print(f"build-bundle: {err}", file=sys.stderr)
        return 1
    print(json.dumps({**manifest, "bundle": str(args.out)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
