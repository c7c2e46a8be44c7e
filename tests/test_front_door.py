"""The front door: what `make test`, `make demo` and a terminal install stand on.

The scripts parse, the Debian packages are there, the private Xvfb is what the UI tests
expect, and Kivy draws Chinese text in it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHELL_SCRIPTS = [
    ".ci/run",
    "deploy/install-deps.sh",
    "deploy/find-python.sh",
    "deploy/venv.sh",
    "deploy/demo.sh",
    "deploy/supervise.sh",
    "deploy/install.sh",
    "deploy/xsession/tongban-kiosk.xsession",
]


@pytest.mark.parametrize("script", SHELL_SCRIPTS)
def test_shell_script_parses_and_is_executable(script: str) -> None:
    path = REPO_ROOT / script
    assert os.access(path, os.X_OK), f"{script} is not executable"
    proc = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, f"{script}: {proc.stderr}"


def test_debian_packages_installed() -> None:
    proc = subprocess.run(
        [str(REPO_ROOT / "deploy/install-deps.sh"), "--check"], capture_output=True, text=True
    )
    assert proc.returncode == 0, f"missing Debian packages (run: make deps):\n{proc.stderr}"


def test_python_is_311() -> None:
    assert sys.version_info[:2] == (3, 11)


def test_udev_rule_links_every_bridge() -> None:
    rules = (REPO_ROOT / "deploy/udev/99-tongban-idreader.rules").read_text()
    active = [line for line in rules.splitlines() if line.strip() and not line.startswith("#")]
    for vid, pid in [("10c4", "ea60"), ("0403", "6001"), ("1a86", "7523"), ("067b", "2303")]:
        assert any(
            f'ATTRS{{idVendor}}=="{vid}"' in line and f'ATTRS{{idProduct}}=="{pid}"' in line
            for line in active
        ), f"no rule for {vid}:{pid}"
    assert all('SYMLINK+="tongban-idreader"' in line for line in active)


def test_xvfb_display_geometry_and_glx(xvfb_display: str) -> None:
    assert os.environ["DISPLAY"] == xvfb_display
    info = subprocess.run(["xdpyinfo"], capture_output=True, text=True, timeout=20)
    assert info.returncode == 0, info.stderr
    assert "dimensions:    1280x800 pixels" in info.stdout
    assert "GLX" in info.stdout
    assert "depth of root window:    24 planes" in info.stdout


@pytest.mark.ui
def test_kivy_draws_chinese_full_screen(xvfb_display: str, artifacts_dir: Path) -> None:
    out = artifacts_dir / "front_door_cjk.png"
    for old in artifacts_dir.glob("front_door_cjk*.png"):
        old.unlink()
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / "tests/support/kivy_smoke.py"), str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, f"Kivy smoke app failed:\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["size"] == [1280, 800]
    shot = Path(result["screenshot"])
    assert shot.exists()

    from PIL import Image  # Pillow comes with kivy[base]

    image = Image.open(shot).convert("L")
    assert image.size == (1280, 800)
    bbox = image.getbbox()
    assert bbox is not None, "screenshot is black: nothing was drawn"
    left, top, right, bottom = bbox
    # The text is centred; a window stuck at 800x600 would cut it off at x=800.
    assert left < 400 and right > 880, f"text not drawn across the screen: bbox {bbox}"
    assert "Traceback" not in proc.stderr, proc.stderr
