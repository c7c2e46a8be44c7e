"""A configuration file (kiosk/config.py ``load_config``, then ``effective_toml`` as
``kiosk config check`` prints it).

Input: the bytes of the site file, written to a private temporary directory and loaded from
there (a site file may name a profile from config/, which is then loaded too).

Documented errors: ``ConfigError`` ("A configuration problem, named by file and key"):
issue 10 section 3 wants every bad file to end in that message, never a traceback.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from kiosk.config import ConfigError, effective_toml, load_config

ALLOWED = (ConfigError,)
INSTRUMENT = ("kiosk.config", "kiosk.config_devices")
CONFIG_DIR = Path(__file__).resolve().parents[3] / "config"

_dir: Path | None = None


def _site_file() -> Path:
    global _dir
    if _dir is None:
        _dir = Path(tempfile.mkdtemp(prefix="tongban-fuzz-config-"))
        atexit.register(shutil.rmtree, _dir, True)
    return _dir / "kiosk.toml"


def TARGET(data: bytes) -> None:  # noqa: N802
    path = _site_file()
    path.write_bytes(data)
    effective_toml(load_config(path))


def seeds() -> Iterator[tuple[str, bytes]]:
    for path in sorted(CONFIG_DIR.glob("*.toml")):
        yield path.stem, path.read_bytes()
    yield "site-minimal", b'profile = "bank"\n[terminal]\nhall_name = "X"\nregion_code = "140500"\n'
    yield "site-central", (
        b'profile = "hall"\n[central]\nurl = "https://zwfw-terminal.example.gov.cn"\n'
        b'[session]\nidle_timeout_s = 90\n[services]\noffered = ["yizheng"]\n')
