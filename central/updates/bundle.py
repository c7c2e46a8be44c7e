"""A release bundle, checked before central signs it (docs/fleet.md §4, "Bundle").

A bundle is a `.tar.gz` holding `manifest.json` (`{"format": 1, "name": "tongban-kiosk",
"version", "python": "3.11", "wheel", "lock_hash"}`), `wheels/` with the project's wheel
(the manifest's `wheel` is its file name there) and `requirements.lock`, whose SHA-256 is
`lock_hash` (what deploy/build-bundle.sh writes and kiosk/update checks again). Central signs what it checked: a bundle that would fail to install on every
terminal is refused here (`bad_bundle`), not discovered by the canary wave.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.version import InvalidVersion, Version

from central.updates.errors import UpdatesError

NAME = "tongban-kiosk"
MAX_MEMBERS = 10_000


def target_name(version: str) -> str:
    """The TUF target of a version (the contract's name)."""
    return f"{NAME}-{version}.tar.gz"


def check_version(version: str) -> str:
    """A PEP 440 version that fits the wire's Version pattern, or `bad_version`."""
    try:
        Version(version)
    except InvalidVersion as err:
        raise UpdatesError("bad_version", f"{version!r} is not a PEP 440 version") from err
    if len(version) > 40 or not all(c.isalnum() or c in "._+-" for c in version):
        raise UpdatesError("bad_version", f"{version!r}: at most 40 of A-Z a-z 0-9 . _ + -")
    return version


def _bad(message: str) -> UpdatesError:
    return UpdatesError("bad_bundle", message)


def _member_name(member: tarfile.TarInfo) -> str:
    path = PurePosixPath(member.name)
    if path.is_absolute() or ".." in path.parts:
        raise _bad(f"unsafe path in the bundle: {member.name!r}")
    if not (member.isfile() or member.isdir()):
        raise _bad(f"only files and directories may be in a bundle: {member.name!r}")
    return str(PurePosixPath(*[p for p in path.parts if p != "."])) if path.parts else ""


def read_manifest(bundle: Path) -> dict[str, Any]:
    """The checked manifest of `bundle`; UpdatesError(`bad_bundle`) saying what is wrong."""
    try:
        with tarfile.open(bundle, "r:gz") as tar:
            members = tar.getmembers()
            if len(members) > MAX_MEMBERS:
                raise _bad(f"more than {MAX_MEMBERS} files")
            files = {_member_name(m): m for m in members if m.isfile()}
            for m in members:
                _member_name(m)
            manifest = _load_json(tar, files, "manifest.json")
            _check_fields(manifest)
            if f"wheels/{manifest['wheel']}" not in files:
                raise _bad(f"the manifest's wheel {manifest['wheel']} is not in wheels/")
            lock = _read(tar, files, "requirements.lock")
            if hashlib.sha256(lock).hexdigest() != manifest["lock_hash"]:
                raise _bad("lock_hash is not the SHA-256 of requirements.lock")
            return manifest
    except FileNotFoundError as err:
        raise _bad(f"{bundle} does not exist") from err
    except (tarfile.TarError, OSError, EOFError) as err:
        raise _bad(f"{bundle} is not a .tar.gz: {err}") from err


def _read(tar: tarfile.TarFile, files: dict[str, tarfile.TarInfo], name: str) -> bytes:
    member = files.get(name)
    if member is None:
        raise _bad(f"no {name} in the bundle")
    fh = tar.extractfile(member)
    if fh is None:
        raise _bad(f"{name} cannot be read")
    return fh.read(4 * 1024 * 1024)


def _load_json(tar: tarfile.TarFile, files: dict[str, tarfile.TarInfo], name: str) -> Any:
    try:
        return json.loads(_read(tar, files, name))
    except (ValueError, UnicodeDecodeError) as err:
        raise _bad(f"{name} is not JSON: {err}") from err


def _check_fields(manifest: Any) -> None:
    if not isinstance(manifest, dict):
        raise _bad("manifest.json is not an object")
    expected = {
        "format": int,
        "name": str,
        "version": str,
        "python": str,
        "wheel": str,
        "lock_hash": str,
    }
    for key, kind in expected.items():
        if not isinstance(manifest.get(key), kind):
            raise _bad(f"manifest.json: {key} missing or not a {kind.__name__}")
    if manifest["format"] != 1 or manifest["name"] != NAME:
        raise _bad(f"manifest.json: format 1 and name {NAME} expected")
    wheel = manifest["wheel"]
    if "/" in wheel or not wheel.endswith(".whl") or wheel.startswith("."):
        raise _bad("manifest.json: wheel must be the file name of a .whl in wheels/")
    lock_hash = manifest["lock_hash"]
    if len(lock_hash) != 64 or any(c not in "0123456789abcdef" for c in lock_hash):
        raise _bad("manifest.json: lock_hash must be 64 lowercase hex digits (SHA-256)")
