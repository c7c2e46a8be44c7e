"""deploy/supervise.sh, the demo's systemd: before every start the committed version's
boot-check, then the current version's kiosk; at once again after exit status 75, again
after a crash, stopped with the kiosk (issue 13 §5, docs/fleet.md §7).

The versions are stand-in kiosks (shell scripts) that write what they were asked to do to a
journal and exit as their plan says; boot-check switches `current` back when told to, the
way the real one ends a crash loop.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SUPERVISE = REPO / "deploy/supervise.sh"

FAKE_KIOSK = r"""#!/usr/bin/env bash
# A stand-in kiosk of version $VERSION (see the test module's docstring).
opt=$(cd -P "$(dirname "$0")/../../../.." && pwd)
me=$(basename "$(cd -P "$(dirname "$0")/../.." && pwd)")
echo "$me $*" >>"$opt/journal"
if [[ " $* " == *" update boot-check "* ]]; then
    checks=$(( $(cat "$opt/checks" 2>/dev/null || echo 0) + 1 ))
    echo "$checks" >"$opt/checks"
    if [[ -f $opt/rollback-at ]] && (( checks == $(cat "$opt/rollback-at") )); then
        ln -sfn "$(readlink "$opt/committed")" "$opt/current"
        echo '{"action": "rolled_back", "version": "A", "attempts": 3}'
    else
        echo '{"action": "none", "version": "A", "attempts": 0}'
    fi
    exit 0
fi
plan=$opt/plan-$me
status=$(head -n 1 "$plan")
sed -i 1d "$plan"
if [[ $status == wait ]]; then
    trap 'echo "$me stopped by TERM" >>"$opt/journal"; exit 0' TERM
    echo "$me waiting pid $$" >>"$opt/journal"
    mkfifo "$opt/never.$$"
    read -r _ <>"$opt/never.$$"    # until a signal
fi
exit "$status"
"""


def layout(tmp_path: Path, current: str, committed: str, plans: dict[str, list[str]]) -> Path:
    opt = tmp_path / "opt"
    for version in ("A", "B"):
        exe = opt / "versions" / version / "venv/bin/kiosk"
        exe.parent.mkdir(parents=True)
        exe.write_text(FAKE_KIOSK, encoding="utf-8")
        exe.chmod(0o755)
        (opt / f"plan-{version}").write_text("".join(f"{s}\n" for s in plans.get(version, [])), encoding="utf-8")
    (opt / "current").symlink_to(f"versions/{current}")
    (opt / "committed").symlink_to(f"versions/{committed}")
    return opt


def supervise(opt: Path, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["bash", str(SUPERVISE), str(opt), "--config", "site.toml", "--", "--windowed"],
        env={**os.environ, "SUPERVISE_RESTART_S": "0", "SUPERVISE_LOG": str(opt / "boot-checks.log"), **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def journal(opt: Path) -> list[str]:
    path = opt / "journal"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_each_start_is_the_committed_boot_check_then_current_and_75_starts_it_again(tmp_path: Path) -> None:
    opt = layout(tmp_path, "A", "A", {"A": ["75", "75", "0"]})
    proc = supervise(opt)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert journal(opt) == ["A --config site.toml update boot-check --json",
                            "A --config site.toml run --windowed"] * 3
    assert err.count("asked to be restarted") == 2 and "the kiosk stopped" in err
    assert (opt / "boot-checks.log").read_text().count('"action": "none"') == 3


def test_a_crashing_trial_is_started_again_until_boot_check_goes_back(tmp_path: Path) -> None:
    # B is on trial (current), A proved itself (committed); B crashes at every start and the
    # third boot-check points current back at A, which then runs until stopped.
    opt = layout(tmp_path, "B", "A", {"B": ["1", "1"], "A": ["0"]})
    (opt / "rollback-at").write_text("3", encoding="utf-8")
    proc = supervise(opt)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    runs = [line.split()[0] for line in journal(opt) if line.endswith(" run --windowed")]
    checks = [line.split()[0] for line in journal(opt) if "boot-check" in line]
    assert runs == ["B", "B", "A"]
    assert checks == ["A", "A", "A"]            # always the committed version's
    assert err.count("the kiosk exited with status 1") == 2
    assert "back to A (crash_loop)" in err
    assert os.readlink(opt / "current") == "versions/A"


def test_three_quick_failures_of_the_committed_version_end_the_demo(tmp_path: Path) -> None:
    opt = layout(tmp_path, "A", "A", {"A": ["1", "1", "1", "0"]})
    proc = supervise(opt)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "the kiosk A failed 3 times in a row (status 1): giving up" in err
    assert [line for line in journal(opt) if "run" in line.split()] == ["A --config site.toml run --windowed"] * 3


def test_sigterm_stops_the_kiosk_first_and_leaves_nothing_running(tmp_path: Path) -> None:
    opt = layout(tmp_path, "A", "A", {"A": ["wait"]})
    proc = supervise(opt)
    try:
        deadline = time.monotonic() + 60
        while not any(line.startswith("A waiting pid ") for line in journal(opt)):
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.05)
        kiosk_pid = int(next(line for line in journal(opt) if line.startswith("A waiting pid ")).split()[-1])
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert journal(opt)[-1] == "A stopped by TERM"
    with pytest.raises(ProcessLookupError):
        os.kill(kiosk_pid, 0)
