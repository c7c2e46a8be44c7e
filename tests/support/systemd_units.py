"""Check unit files with ``systemd-analyze verify`` in a staged root (no running systemd
needed; a CI image without systemd-analyze fails naming the package).

In a staging root the unit's paths (``/opt/tongban/...``) resolve inside the root, as they
will on the terminal. The root gets a copy of the host's stock units (the targets and
services ours orders itself after) and ``/usr/bin/xinit``: apt installs it on a terminal
(deploy/install-deps.sh runtime terminal), not the installer — the host's own copy when it
has one, else an executable stand-in (verify only checks that the file is executable).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.support.services import PACKAGES, missing_service


def systemd_analyze() -> str:
    exe = shutil.which("systemd-analyze")
    if exe is None:
        missing_service("systemd-analyze not found", PACKAGES["systemd-analyze"])
    return exe


def verify_in_root(root: Path, unit: str) -> subprocess.CompletedProcess[str]:
    """``systemd-analyze verify --root=ROOT UNIT``. systemd-analyze only warns about a bad
    value (exit status 0): callers require empty output, not just the status."""
    exe = systemd_analyze()
    stock = root / "usr/lib/systemd/system"
    if not stock.exists():
        stock.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree("/usr/lib/systemd/system", stock, symlinks=True)
    xinit = root / "usr/bin/xinit"
    if not xinit.exists():
        xinit.parent.mkdir(parents=True, exist_ok=True)
        if Path("/usr/bin/xinit").is_file():
            shutil.copy2("/usr/bin/xinit", xinit)
        else:
            xinit.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
            xinit.chmod(0o755)
    return subprocess.run([exe, "verify", f"--root={root}", unit], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "SYSTEMD_LOG_COLOR": "0"})
