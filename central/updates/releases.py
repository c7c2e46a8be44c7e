"""Releases: a checked bundle signed into the TUF repository and recorded in `releases`.

The repository is written first (under its lock), then the row: a release row therefore
always names a target the terminals can fetch. A publish whose row insert fails (the same
version published by someone else a moment before) leaves the target listed with the same
content, which the next publish of that version recognises.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.exc import IntegrityError

from central.audit import record
from central.models_fleet import Release
from central.timeutil import to_beijing
from central.updates.bundle import check_version, read_manifest, target_name
from central.updates.errors import UpdatesError
from central.updates.repository import RepoPaths, add_target

_releases = cast(Table, Release.__table__)


def release_exists(conn: Connection, version: str) -> bool:
    query = select(_releases.c.version).where(_releases.c.version == version)
    return conn.execute(query).first() is not None


def publish_release(
    conn: Connection,
    repo_dir: Path,
    bundle_path: Path,
    version: str,
    notes: str,
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """Check the bundle, add it as a TUF target, record the release (the caller commits;
    on an error it rolls back).
    `{"version", "target", "sha256", "length", "targets_version"}`; UpdatesError with
    `version_exists`, `version_mismatch`, `bad_bundle`, `bad_version` or `no_repository`."""
    check_version(version)
    if len(notes) > 400:
        raise UpdatesError("bad_notes", "notes are limited to 400 characters")
    paths = RepoPaths(repo_dir)
    if not paths.exists():
        raise UpdatesError("no_repository", f"no TUF repository in {repo_dir} (run `updates init`)")
    if release_exists(conn, version):
        raise UpdatesError("version_exists", f"version {version} is published already")
    manifest = read_manifest(bundle_path)
    if manifest["version"] != version:
        raise UpdatesError(
            "version_mismatch",
            f"the bundle's manifest says version {manifest['version']}, not {version}",
        )
    name = target_name(version)
    custom = {"version": version, "lock_hash": manifest["lock_hash"]}
    info, targets_version = add_target(paths, name, bundle_path, custom, now)
    out = {
        "version": version,
        "target": name,
        "sha256": info.hashes["sha256"],
        "length": info.length,
        "targets_version": targets_version,
    }
    try:
        conn.execute(
            insert(_releases).values(
                version=version,
                target_name=name,
                sha256=out["sha256"],
                length=info.length,
                lock_hash=manifest["lock_hash"],
                notes=notes,
                published_by=actor[:40],
                published_at=now,
            )
        )
    except IntegrityError as err:
        raise UpdatesError("version_exists", f"version {version} is published already") from err
    record(conn, actor, "release_publish", version, {"target": name, "sha256": out["sha256"]}, now)
    return out


def list_releases(conn: Connection) -> list[dict[str, Any]]:
    """Every release, newest first (`release list --json`)."""
    rows = conn.execute(select(_releases).order_by(_releases.c.published_at.desc()))
    return [
        {
            "version": r.version,
            "target": r.target_name,
            "sha256": r.sha256,
            "length": r.length,
            "lock_hash": r.lock_hash,
            "notes": r.notes,
            "published_by": r.published_by,
            "published_at": to_beijing(r.published_at).isoformat(),
        }
        for r in rows
    ]
