"""Fixtures of the update tests: central's TUF repository (central/updates/repository.py,
the same code `kiosk-central updates init` and `release publish` run) in a temp directory,
served over HTTP on 127.0.0.1 as a static mirror (what an attacker or a stale cache in the
path would serve: TUF must verify every byte), or through central's own `/updates` routes;
release bundles made by kiosk/update/bundle.py (the project's wheel built once a session)."""

from __future__ import annotations

import hashlib
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from central.updates.repository import RepoPaths, add_target, init_repository, rotate_root
from kiosk.update.bundle import pack_bundle

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCK = "tinydep==1.0\n"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Repo:
    """Central's update repository in ``base`` (keys made on init; root key outside)."""

    base: Path
    now: datetime = field(default_factory=utc_now)

    def __post_init__(self) -> None:
        self.paths = RepoPaths(self.base / "updates")
        self.root_key = self.base / "updates-offline" / "root.pem"
        init_repository(self.paths, self.root_key, self.now)

    def publish(self, bundle: Path, version: str, lock_hash: str, now: datetime | None = None) -> str:
        name = f"tongban-kiosk-{version}.tar.gz"
        add_target(self.paths, name, bundle, {"version": version, "lock_hash": lock_hash}, now or self.now)
        return name

    def rotate(self, new_key: Path, now: datetime | None = None) -> dict[str, Any]:
        return rotate_root(self.paths, self.root_key, new_key, now or self.now)

    def root_json(self, version: int = 1) -> Path:
        return self.paths.metadata / f"{version}.root.json"


class _Mirror(SimpleHTTPRequestHandler):
    """``/updates/metadata/X`` and ``/updates/targets/X`` from the repository's folders."""

    def translate_path(self, path: str) -> str:
        base = Path(self.directory)
        for prefix, sub in (("/updates/metadata/", "metadata"), ("/updates/targets/", "targets")):
            if path.startswith(prefix) and "/" not in path[len(prefix):]:
                return str(base / sub / path[len(prefix):])
        return str(base / "nothing-here")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        pass


@contextmanager
def serve_mirror(paths: RepoPaths) -> Iterator[str]:
    """The repository as static files (no re-signing): the URL central's would have."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Mirror, directory=str(paths.base)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def serve_central_routes(paths: RepoPaths) -> Iterator[str]:
    """Central's own ``/updates`` routes (central/routes/updates.py) under uvicorn."""
    import socket
    from types import SimpleNamespace

    import uvicorn
    from fastapi import FastAPI

    from central.routes.updates import router

    app = FastAPI()
    app.state.settings = SimpleNamespace(updates_dir=str(paths.base))
    app.include_router(router)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        started = threading.Event()
        while not server.started and thread.is_alive():
            started.wait(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


def tiny_wheel(folder: Path, name: str = "tinydep", version: str = "1.0") -> Path:
    """A real, installable pure-Python wheel (one module), made by hand: a dependency for
    the install tests that pip can install offline from the bundle's wheels/."""
    dist = f"{name}-{version}"
    files = {
        f"{name}.py": f"VALUE = {version!r}\n",
        f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{path},sha256={_b64(data)},{len(data.encode())}\n" for path, data in files.items())
    files[f"{dist}.dist-info/RECORD"] = record + f"{dist}.dist-info/RECORD,,\n"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    return path


def _b64(text: str) -> str:
    import base64

    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()


def small_bundle(folder: Path, version: str, lock: str = LOCK, deps: bool = False) -> tuple[Path, str]:
    """A bundle whose project wheel is a small stand-in (a real wheel of one module, quick
    to install), with the tiny dependency's wheel when ``deps``. Returns path, lock hash."""
    wheel = tiny_wheel(folder / f"stand-in-{version}", "tongban_kiosk", version)
    dep_wheels = [tiny_wheel(folder / f"deps-{version}")] if deps else []
    out = folder / f"tongban-kiosk-{version}.tar.gz"
    manifest = pack_bundle(version, wheel, lock, out, dep_wheels)
    return out, str(manifest["lock_hash"])


def days(n: float) -> timedelta:
    return timedelta(days=n)


def site_file(folder: Path, central_url: str | None = None, self_test_s: float = 30) -> Path:
    """A terminal's site file: data and install root in ``folder`` (never /opt)."""
    folder.mkdir(parents=True, exist_ok=True)
    central = f'[central]\nurl = "{central_url}"\n' if central_url else ""
    path = folder / "kiosk.toml"
    path.write_text('profile = "hall"\n[terminal]\ndata_dir = "data"\n'
                    f'[update]\nroot = "opt"\nself_test_s = {self_test_s}\n' + central, encoding="utf-8")
    return path


def fake_versions(root: Path, *versions: str) -> None:
    """Installed versions as far as the links and the trial care (VERSION written)."""
    for version in versions:
        home = root / "versions" / version
        home.mkdir(parents=True, exist_ok=True)
        (home / "VERSION").write_text(version + "\n", encoding="utf-8")
