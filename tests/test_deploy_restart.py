"""Under systemd the kiosk restarts whatever happens, but a broken configuration must not
make it restart every few seconds for ever (issue 10 §3): the X session backs off after a
quick failure, and the unit never gives up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
UNIT = REPO / "deploy/systemd/tongban-kiosk.service"
XSESSION = REPO / "deploy/xsession/tongban-kiosk.xsession"
KIOSK = Path(sys.executable).parent / "kiosk"


def _unit_settings() -> dict[str, dict[str, str]]:
    """Section -> key -> last value (systemd's own reading, without the repeats we do not use)."""
    sections: dict[str, dict[str, str]] = {}
    current = ""
    for raw in UNIT.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            sections.setdefault(current, {})
            continue
        key, _, value = line.partition("=")
        sections[current][key.strip()] = value.strip()
    return sections


def test_the_unit_always_restarts_never_gives_up_and_waits_between_tries() -> None:
    unit = _unit_settings()
    assert unit["Service"]["Restart"] == "always"
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"  # a terminal that is off is worse
    assert int(unit["Service"]["RestartSec"]) >= 5  # X itself failing: not every 3 s
    assert str(XSESSION.relative_to(REPO)) in unit["Service"]["ExecStart"]


def _session(tmp_path: Path, kiosk: str, **env: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run the X session with a fake `sleep` (it records how long it was asked to wait) and
    no X tools; returns the session's result and the waits."""
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    waits = tmp_path / "waits"
    (fake / "sleep").write_text(f'#!/bin/sh\necho "$1" >>"{waits}"\n', encoding="utf-8")
    for tool in ("xset", "xsetroot"):
        (fake / tool).write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    for tool in fake.iterdir():
        tool.chmod(0o755)
    waits.unlink(missing_ok=True)
    result = subprocess.run(
        ["sh", str(XSESSION)],
        env={
            **os.environ,
            "PATH": f"{fake}:{os.environ['PATH']}",
            "KIOSK_BIN": kiosk,
            "STATE_DIRECTORY": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result, waits.read_text().split() if waits.exists() else []


def test_a_broken_config_makes_the_session_wait_longer_each_time_up_to_five_minutes(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "kiosk.toml"
    bad.write_bytes(b'profile = "hall"\n[terminal]\nhall_name = "\xff"\n')
    result, waits = _session(tmp_path, str(KIOSK), KIOSK_ARGS=f"--config {bad}")
    assert result.returncode == 1
    assert "kiosk: 配置有误" in result.stderr and f"\n{bad}: not valid UTF-8" in result.stderr
    assert "Traceback" not in result.stderr
    assert waits == ["10"] and "waiting 10 s before restarting" in result.stderr

    failing = tmp_path / "failing-kiosk"
    failing.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    failing.chmod(0o755)
    seen = [_session(tmp_path, str(failing))[1] for _ in range(6)]
    assert seen == [["20"], ["40"], ["80"], ["160"], ["300"], ["300"]]


def test_a_run_that_lasted_or_ended_cleanly_restarts_at_once_and_resets_the_wait(
    tmp_path: Path,
) -> None:
    failing = tmp_path / "failing-kiosk"
    failing.write_text("#!/bin/sh\nexit 3\n", encoding="utf-8")
    failing.chmod(0o755)
    assert _session(tmp_path, str(failing))[1] == ["10"]
    assert _session(tmp_path, str(failing))[1] == ["20"]
    # It ran longer than the quick-failure window (0 s here): restart at once, count reset.
    result, waits = _session(tmp_path, str(failing), KIOSK_QUICK_EXIT_S="0")
    assert (result.returncode, waits) == (3, [])
    assert _session(tmp_path, str(failing))[1] == ["10"]
    clean = tmp_path / "clean-kiosk"
    clean.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    clean.chmod(0o755)
    result, waits = _session(tmp_path, str(clean))
    assert (result.returncode, waits) == (0, [])
    assert _session(tmp_path, str(failing))[1] == ["10"]
