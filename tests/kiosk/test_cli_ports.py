"""A reader's port as `kiosk doctor` and `kiosk read-id` see it (issue 11 §4): missing (设备未
连接), busy because another process holds it (the running kiosk: normal), or permission
denied, each with its own cause and fix; and no log record ever mixes into a command's
output. The busy port is a real pty held exclusively by another process."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.idcard.simulator import IdCardSimulator
from kiosk.cli import ports
from kiosk.cli.ports import PortState, probe_port

KIOSK = shutil.which("kiosk", path=os.path.dirname(sys.executable)) or "kiosk"
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ", re.M)

# A holder that is not the kiosk: opens the port as the kiosk's drivers do (pyserial,
# exclusive), says so, and keeps it until its stdin closes.
HOLDER = """
import sys, serial
port = serial.Serial(sys.argv[1], 115200, exclusive=True)
print("held", flush=True)
sys.stdin.read()
"""


def kiosk(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KIOSK, *args], capture_output=True, text=True, timeout=timeout)


def _wait_busy(port: str, holder: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while probe_port(port).state is not PortState.BUSY:
        assert holder.poll() is None, "the holder exited"
        assert time.monotonic() < deadline, "the holder never took the port"
        time.sleep(0.05)


@pytest.fixture
def kiosk_holds(sim: IdCardSimulator) -> Iterator[subprocess.Popen[str]]:
    """The port held as the running kiosk holds it: a `kiosk read-id` waiting for a card."""
    holder = subprocess.Popen([KIOSK, "read-id", "--port", str(sim.link_path), "--timeout", "120"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    try:
        _wait_busy(str(sim.link_path), holder)
        yield holder
    finally:
        holder.terminate()
        holder.wait(30)


@pytest.fixture
def other_holds(sim: IdCardSimulator) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(sim.link_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(30)


def test_the_probe_tells_free_missing_and_not_a_device(sim: IdCardSimulator, tmp_path: Path) -> None:
    assert probe_port(str(sim.link_path)).state is PortState.FREE
    assert probe_port(str(tmp_path / "absent")).state is PortState.MISSING
    plain = tmp_path / "plain"
    plain.write_text("", encoding="utf-8")
    assert probe_port(str(plain)).state is PortState.NOT_A_DEVICE


def test_the_probe_names_the_process_holding_the_port(
    sim: IdCardSimulator, other_holds: subprocess.Popen[str]
) -> None:
    check = probe_port(str(sim.link_path))
    assert check.state is PortState.BUSY and check.holder_pid == other_holds.pid
    assert not check.held_by_kiosk
    assert check.message().startswith("端口被占用") and str(other_holds.pid) in check.message()


def test_permission_denied_says_which_group_to_join(
    sim: IdCardSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests may run as root, who opens anything: the kernel's answer is stood in for.
    def refuse(path: str, flags: int, mode: int = 0o777) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(ports.os, "open", refuse)
    check = probe_port(str(sim.link_path))
    assert check.state is PortState.PERMISSION
    assert check.message().startswith("没有权限打开") and "usermod -aG" in check.message()


def test_doctor_says_busy_held_by_the_kiosk_not_unplugged(
    site_config: Path, sim: IdCardSimulator, kiosk_holds: subprocess.Popen[str]
) -> None:
    result = kiosk("--config", str(site_config), "doctor", "--json", "--wait", "1")
    report = json.loads(result.stdout)          # nothing else on stdout
    [reader] = [row for row in report["devices"] if row["device"] == "id_reader"]
    assert reader["port_state"] == "busy" and reader["port_holder"] == kiosk_holds.pid
    assert reader["advice"].startswith("端口被占用：自助终端程序")
    assert "这是正常的" in reader["advice"] and "systemctl stop" in reader["advice"]
    assert "设备未连接" not in result.stdout
    assert result.returncode == 0, "a reader the running kiosk holds is in use, not broken"
    assert not LOG_RECORD.search(result.stderr), result.stderr

    text = kiosk("--config", str(site_config), "doctor", "--wait", "1")
    assert "[BUSY] id_reader" in text.stdout and "端口被占用" in text.stdout
    assert "设备未连接" not in text.stdout


def test_doctor_fails_when_another_program_holds_the_port(
    site_config: Path, sim: IdCardSimulator, other_holds: subprocess.Popen[str]
) -> None:
    result = kiosk("--config", str(site_config), "doctor", "--json", "--wait", "1")
    [reader] = [row for row in json.loads(result.stdout)["devices"] if row["device"] == "id_reader"]
    assert reader["port_state"] == "busy" and reader["port_holder"] == other_holds.pid
    assert reader["advice"].startswith(f"端口被占用：进程 {other_holds.pid}")
    assert "这是正常的" not in reader["advice"]
    assert result.returncode == 1


def test_doctor_on_a_missing_port_says_unplugged(site_config: Path, sim: IdCardSimulator) -> None:
    sim.unplug()
    result = kiosk("--config", str(site_config), "doctor", "--json", "--wait", "1")
    [reader] = [row for row in json.loads(result.stdout)["devices"] if row["device"] == "id_reader"]
    assert reader["port_state"] == "missing" and reader["advice"].startswith("设备未连接")
    assert str(sim.link_path) in reader["advice"] and "请检查" in reader["advice"]
    assert result.returncode == 1


@pytest.mark.parametrize("verbose", [False, True])
def test_log_records_stay_out_of_command_output(site_config: Path, sim: IdCardSimulator, verbose: bool) -> None:
    sim.unplug()                      # the driver logs a WARNING for the port it cannot open
    flags = ["-v"] if verbose else []
    result = kiosk(*flags, "--config", str(site_config), "doctor", "--json", "--wait", "1")
    json.loads(result.stdout)
    assert not LOG_RECORD.search(result.stdout)
    # Without -v the records go to the journal only; -v asks for them on stderr.
    assert bool(LOG_RECORD.search(result.stderr)) is verbose, result.stderr


def test_read_id_on_a_missing_port_is_one_chinese_line_without_the_prompt(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-reader"
    result = kiosk("read-id", "--port", str(missing), "--timeout", "5")
    assert result.returncode == 3
    [line] = result.stderr.splitlines()
    assert line.startswith("kiosk read-id: 设备未连接") and str(missing) in line
    assert "请检查" in line and "[no_device]" in line
    assert "感应区" not in result.stderr and result.stdout == ""


def test_read_id_on_a_busy_port_names_the_holder(
    sim: IdCardSimulator, other_holds: subprocess.Popen[str]
) -> None:
    result = kiosk("read-id", "--port", str(sim.link_path), "--timeout", "5")
    assert result.returncode == 3
    [line] = result.stderr.splitlines()
    assert line.startswith("kiosk read-id: 端口被占用") and str(other_holds.pid) in line
    assert "[port_busy]" in line


def test_permission_denied_still_names_who_holds_the_port(
    sim: IdCardSimulator, other_holds: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: str, flags: int, mode: int = 0o777) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(ports.os, "open", refuse)
    check = probe_port(str(sim.link_path))
    assert check.state is PortState.PERMISSION and check.holder_pid == other_holds.pid
    assert f"进程 {other_holds.pid}" in check.message()
