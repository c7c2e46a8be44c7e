"""The TUF repository central hosts (docs/fleet.md §4), kept with python-tuf's metadata API.

Layout under the updates directory: `metadata/` (root.json and every N.root.json, targets,
snapshot, timestamp; consistent snapshots off), `targets/<name>`, `keys/<role>.pem` (the
online keys: targets, snapshot, timestamp). The root key lives OUTSIDE the directory
(default `<updates-dir>/../updates-offline/root.pem`, mode 0600): whoever can read the
served directory, or steals the online keys, still cannot make a terminal trust a new root.

Several workers and CLIs share the directory, so every change happens under one exclusive
file lock (`.lock`, fcntl) and every file is written whole and renamed into place: a reader
sees the old file or the new one, never half of one. Metadata is written dependents first
(targets, then snapshot, then timestamp), so a client that saw the new timestamp finds the
snapshot and targets it names.
"""

from __future__ import annotations

import copy
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from securesystemslib.signer import CryptoSigner
from tuf.api.exceptions import UnsignedMetadataError
from tuf.api.metadata import (
    Metadata,
    MetaFile,
    Root,
    Signed,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

from central.updates.errors import UpdatesError

ONLINE_ROLES = ("targets", "snapshot", "timestamp")
LIFETIME: dict[str, timedelta] = {
    "root": timedelta(days=365),
    "targets": timedelta(days=90),
    "snapshot": timedelta(days=7),
    "timestamp": timedelta(days=1),
}
_PRETTY = JSONSerializer(compact=False)


@dataclass(frozen=True)
class RepoPaths:
    """Where a repository's parts are, from its directory."""

    base: Path

    @property
    def metadata(self) -> Path:
        return self.base / "metadata"

    @property
    def targets(self) -> Path:
        return self.base / "targets"

    @property
    def keys(self) -> Path:
        return self.base / "keys"

    @property
    def default_root_key(self) -> Path:
        return self.base.resolve().parent / "updates-offline" / "root.pem"

    def key(self, role: str) -> Path:
        return self.keys / f"{role}.pem"

    def exists(self) -> bool:
        return (self.metadata / "root.json").is_file()


def _aware(now: datetime) -> datetime:
    """Central's naive-UTC `now` as TUF wants it: aware UTC, whole seconds."""
    moment = now if now.tzinfo else now.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


@contextmanager
def locked(paths: RepoPaths) -> Iterator[None]:
    """The repository's exclusive lock, across processes (workers and CLIs)."""
    paths.base.mkdir(parents=True, exist_ok=True)
    with open(paths.base / ".lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `data` to `path` whole: a temporary file beside it, flushed, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- keys ---------------------------------------------------------------------------------


def load_signer(path: Path) -> CryptoSigner:
    """An Ed25519 signer from a PEM (PKCS#8) file; UpdatesError naming the file otherwise."""
    try:
        private = load_pem_private_key(path.read_bytes(), None)
        return CryptoSigner(private)
    except FileNotFoundError as err:
        raise UpdatesError("key_missing", f"key file {path} does not exist") from err
    except (OSError, ValueError, TypeError) as err:
        raise UpdatesError("bad_key", f"cannot read the key {path}: {err}") from err


def new_key_file(path: Path) -> CryptoSigner:
    """A new Ed25519 key written to `path` (created 0600, never overwriting one)."""
    signer = CryptoSigner.generate_ed25519()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(signer.private_bytes)
    return signer


def _key_for(path: Path) -> CryptoSigner:
    return load_signer(path) if path.exists() else new_key_file(path)


# --- reading and writing metadata -----------------------------------------------------------


def read_role(paths: RepoPaths, role: str) -> Metadata[Any]:
    try:
        return Metadata.from_file(str(paths.metadata / f"{role}.json"))
    except FileNotFoundError as err:
        raise UpdatesError(
            "no_repository", f"no TUF repository in {paths.base} (run `updates init`)"
        ) from err


def _write_role(paths: RepoPaths, md: Metadata[Any]) -> None:
    data = md.to_bytes(_PRETTY)
    role = md.signed.type
    if role == Root.type:
        write_atomic(paths.metadata / f"{md.signed.version}.root.json", data)
    write_atomic(paths.metadata / f"{role}.json", data)


def _bump(signed: Signed, now: datetime) -> None:
    signed.version += 1
    signed.expires = _aware(now) + LIFETIME[signed.type]


def _sign_online(paths: RepoPaths, md: Metadata[Any]) -> None:
    md.sign(load_signer(paths.key(md.signed.type)))
    _write_role(paths, md)


def _snapshot_and_timestamp(paths: RepoPaths, targets_version: int, now: datetime) -> None:
    snapshot = cast(Metadata[Snapshot], read_role(paths, "snapshot"))
    snapshot.signed.meta["targets.json"] = MetaFile(version=targets_version)
    _bump(snapshot.signed, now)
    _sign_online(paths, snapshot)
    timestamp = cast(Metadata[Timestamp], read_role(paths, "timestamp"))
    timestamp.signed.snapshot_meta = MetaFile(version=snapshot.signed.version)
    _bump(timestamp.signed, now)
    _sign_online(paths, timestamp)


# --- operations -----------------------------------------------------------------------------


def init_repository(paths: RepoPaths, root_key: Path | None, now: datetime) -> dict[str, Any]:
    """A new repository (version 1 of every role), or the existing one left as it is."""
    root_key = (root_key or paths.default_root_key).resolve()
    if root_key.is_relative_to(paths.base.resolve()):
        raise UpdatesError(
            "root_key_inside", f"the root key {root_key} must live outside {paths.base}"
        )
    with locked(paths):
        if paths.exists():
            root = read_role(paths, "root")
            return _described(paths, root_key, created=False, root_version=root.signed.version)
        for sub in (paths.metadata, paths.targets):
            sub.mkdir(parents=True, exist_ok=True)
        paths.keys.mkdir(parents=True, exist_ok=True, mode=0o700)
        root_signer = _key_for(root_key)
        online = {role: _key_for(paths.key(role)) for role in ONLINE_ROLES}
        expires = {role: _aware(now) + LIFETIME[role] for role in LIFETIME}
        root = Metadata(Root(expires=expires["root"], consistent_snapshot=False))
        root.signed.add_key(root_signer.public_key, "root")
        for role, signer in online.items():
            root.signed.add_key(signer.public_key, role)
        targets = Metadata(Targets(expires=expires["targets"]))
        snapshot = Metadata(Snapshot(expires=expires["snapshot"]))
        timestamp = Metadata(Timestamp(expires=expires["timestamp"]))
        for md, signer in (
            (targets, online["targets"]),
            (snapshot, online["snapshot"]),
            (timestamp, online["timestamp"]),
        ):
            md.sign(signer)
            _write_role(paths, md)
        root.sign(root_signer)
        _write_role(paths, root)  # last: a directory with root.json is a whole repository
        return _described(paths, root_key, created=True, root_version=1)


def _described(
    paths: RepoPaths, root_key: Path, created: bool, root_version: int
) -> dict[str, Any]:
    return {
        "updates_dir": str(paths.base),
        "root_key": str(root_key),
        "created": created,
        "root_version": root_version,
    }


def target_info(paths: RepoPaths, name: str) -> TargetFile | None:
    targets = cast(Metadata[Targets], read_role(paths, "targets"))
    return targets.signed.targets.get(name)


def add_target(
    paths: RepoPaths, name: str, source: Path, custom: dict[str, Any], now: datetime
) -> tuple[TargetFile, int]:
    """Copy `source` to targets/<name> and list it in a new targets version (then snapshot
    and timestamp). The same content already listed under `name` is kept as it is;
    different content under a listed name is refused (`version_exists`)."""
    info = TargetFile.from_file(name, str(source))
    info.unrecognized_fields["custom"] = custom
    staged = paths.targets / f".{name}.incoming"
    paths.targets.mkdir(parents=True, exist_ok=True)
    write_atomic(staged, source.read_bytes())  # the copy is outside the lock
    try:
        with locked(paths):
            targets = cast(Metadata[Targets], read_role(paths, "targets"))
            listed = targets.signed.targets.get(name)
            if listed is not None:
                if listed.hashes != info.hashes:
                    raise UpdatesError("version_exists", f"{name} is published already")
                return listed, targets.signed.version
            os.replace(staged, paths.targets / name)
            targets.signed.targets[name] = info
            _bump(targets.signed, now)
            _sign_online(paths, targets)
            _snapshot_and_timestamp(paths, targets.signed.version, now)
            return info, targets.signed.version
    finally:
        staged.unlink(missing_ok=True)


def _due(signed: Signed, now: datetime) -> bool:
    """Less than half of the role's lifetime left."""
    return signed.expires - _aware(now) < LIFETIME[signed.type] / 2


def refresh(paths: RepoPaths, now: datetime, *, force: bool = True) -> dict[str, int]:
    """Re-sign the online roles: the timestamp always (`force`) or when half its life is
    gone; targets and snapshot when half of theirs is. The versions written, by role."""
    with locked(paths):
        timestamp = cast(Metadata[Timestamp], read_role(paths, "timestamp"))
        if not force and not _due(timestamp.signed, now):
            return {}
        written: dict[str, int] = {}
        targets = cast(Metadata[Targets], read_role(paths, "targets"))
        snapshot = cast(Metadata[Snapshot], read_role(paths, "snapshot"))
        if _due(targets.signed, now):
            _bump(targets.signed, now)
            _sign_online(paths, targets)
            written["targets"] = targets.signed.version
            snapshot.signed.meta["targets.json"] = MetaFile(version=targets.signed.version)
        if written or _due(snapshot.signed, now):
            _bump(snapshot.signed, now)
            _sign_online(paths, snapshot)
            written["snapshot"] = snapshot.signed.version
            timestamp.signed.snapshot_meta = MetaFile(version=snapshot.signed.version)
        _bump(timestamp.signed, now)
        _sign_online(paths, timestamp)
        written["timestamp"] = timestamp.signed.version
        return written


def timestamp_due(paths: RepoPaths, now: datetime) -> bool:
    """Whether the served timestamp.json has less than half its life left (a cheap read:
    the route asks on every timestamp request)."""
    try:
        raw = json.loads((paths.metadata / "timestamp.json").read_bytes())
        expires = datetime.strptime(raw["signed"]["expires"], "%Y-%m-%dT%H:%M:%SZ")
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return expires.replace(tzinfo=UTC) - _aware(now) < LIFETIME["timestamp"] / 2


def rotate_root(paths: RepoPaths, old_key: Path, new_key: Path, now: datetime) -> dict[str, Any]:
    """Root N+1 with `new_key` in place of `old_key`, signed by both, so a client trusting
    root N (threshold of the old keys) accepts it and it meets its own (the new keys).
    `new_key` is created (0600) when the file does not exist; the same key renews root."""
    old_signer = load_signer(old_key)
    with locked(paths):
        current = cast(Metadata[Root], read_role(paths, "root"))
        root_keyids = current.signed.roles["root"].keyids
        if old_signer.public_key.keyid not in root_keyids:
            raise UpdatesError(
                "bad_root_key", f"{old_key} is not a key of root version {current.signed.version}"
            )
        new_signer = _key_for(new_key)
        nxt = Metadata(copy.deepcopy(current.signed))  # to_dict() shares the key lists
        if new_signer.public_key.keyid != old_signer.public_key.keyid:
            nxt.signed.revoke_key(old_signer.public_key.keyid, "root")
            nxt.signed.add_key(new_signer.public_key, "root")
        _bump(nxt.signed, now)
        nxt.sign(old_signer)
        nxt.sign(new_signer, append=True)
        try:
            current.signed.verify_delegate("root", nxt.signed_bytes, nxt.signatures)
            nxt.signed.verify_delegate("root", nxt.signed_bytes, nxt.signatures)
        except UnsignedMetadataError as err:
            raise UpdatesError("bad_root_key", f"the new root would not verify: {err}") from err
        _write_role(paths, nxt)
        return {
            "root_version": nxt.signed.version,
            "root_keyids": list(nxt.signed.roles["root"].keyids),
            "new_root_key": str(new_key),
            "expires": nxt.signed.expires.isoformat(),
        }
