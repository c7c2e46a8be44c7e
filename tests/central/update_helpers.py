"""Helpers of the updates tests: a small valid bundle (docs/fleet.md §4 "Bundle") and
python-tuf's own client reading central's /updates routes through a test client."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from tuf.api import exceptions
from tuf.ngclient import FetcherInterface, Updater

LOCK = b"cryptography==44.0.0\nhttpx==0.28.1\n"


def make_bundle(
    directory: Path,
    version: str,
    *,
    manifest: dict[str, Any] | None = None,
    lock: bytes = LOCK,
    wheel_bytes: bytes = b"PK\x05\x06" + b"\0" * 18,
    name: str | None = None,
) -> Path:
    """A bundle as deploy/build-bundle.sh makes it, with a tiny wheel-shaped file."""
    wheel = f"tongban_kiosk-{version}-py3-none-any.whl"
    doc = {
        "format": 1,
        "name": "tongban-kiosk",
        "version": version,
        "python": "3.11",
        "wheel": wheel,
        "lock_hash": hashlib.sha256(lock).hexdigest(),
    }
    doc.update(manifest or {})
    path = directory / (name or f"tongban-kiosk-{version}.tar.gz")
    with tarfile.open(path, "w:gz") as tar:
        for member, data in (
            ("manifest.json", json.dumps(doc).encode()),
            ("requirements.lock", lock),
            (f"wheels/{wheel}", wheel_bytes + version.encode()),
        ):
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


class ClientFetcher(FetcherInterface):
    """python-tuf's fetcher over an httpx-style client (TestClient or httpx.Client)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.urls: list[str] = []

    def _fetch(self, url: str) -> Iterator[bytes]:
        self.urls.append(url)
        response: httpx.Response = self.client.get(url)
        if response.status_code != 200:
            raise exceptions.DownloadHTTPError(
                f"{url}: {response.status_code}", response.status_code
            )
        return iter([response.content])


def updater(client: Any, base: str, trusted_root: bytes, work: Path) -> Updater:
    """A fresh python-tuf Updater trusting `trusted_root`, with its own metadata dir."""
    meta = work / "meta"
    targets = work / "targets"
    meta.mkdir(parents=True, exist_ok=True)
    targets.mkdir(parents=True, exist_ok=True)
    return Updater(
        metadata_dir=str(meta),
        metadata_base_url=f"{base}/updates/metadata/",
        target_dir=str(targets),
        target_base_url=f"{base}/updates/targets/",
        fetcher=ClientFetcher(client),
        bootstrap=trusted_root,
    )
