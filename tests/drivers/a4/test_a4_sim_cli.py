"""``kiosk-sim a4`` as a real process, driven the way a developer and the kiosk demo drive it."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.a4.cups_printer import CupsPrinter
from drivers.sim_control import send_command
from drivers.status import DeviceState, SupplyLevel
from tests.support.cups import require_simulated_cups

REPO = Path(__file__).resolve().parents[3]


class SimProcess:
    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "drivers.a4.sim_cli_a4", "a4", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=REPO, env=env,
        )
        self._buffer = b""

    def line(self, timeout: float = 15.0) -> str:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise AssertionError(f"no output line within {timeout} s")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise AssertionError(f"stdout closed; stderr: {self.finish()[1]}")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\n", 1)
        return raw.decode()

    def header(self) -> dict[str, str]:
        fields = {}
        while "control" not in fields:
            key, _, value = self.line().partition(": ")
            fields[key] = value
        return fields

    def send(self, command: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command.encode() + b"\n")
        self.proc.stdin.flush()
        return self.line()

    def finish(self, timeout: float = 15.0) -> tuple[int, str]:
        try:
            _, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return self.proc.returncode, err.decode()


@pytest.fixture
def root() -> Iterator[Path]:
    require_simulated_cups()
    path = Path(tempfile.mkdtemp(prefix="tongban-a4cli-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def running(root: Path) -> Iterator[tuple[SimProcess, dict[str, str]]]:
    sim = SimProcess("--root", str(root), "--queue", "cli-a4", "--control", str(root / "ctl"))
    try:
        yield sim, sim.header()
    finally:
        if sim.proc.poll() is None:
            sim.proc.send_signal(signal.SIGTERM)
        sim.finish()


def test_announces_server_queue_output_and_control(
    root: Path, running: tuple[SimProcess, dict[str, str]]
) -> None:
    _, fields = running
    assert fields == {
        "server": str(root / "cups.sock"), "queue": "cli-a4", "out": str(root / "out"),
        "control": str(root / "ctl"),
    }


def test_paper_commands_on_stdin_and_socket_reach_the_driver(
    running: tuple[SimProcess, dict[str, str]]
) -> None:
    sim, fields = running
    printer = CupsPrinter("a4", fields["queue"], server=fields["server"])

    assert sim.send("paper out") == "ok paper out"
    assert printer.status().fault == "paper_out"
    assert send_command(fields["control"], "paper low") == "ok paper low"
    status = printer.status()
    assert status.ready and status.supplies["paper"] is SupplyLevel.LOW
    assert sim.send("offline on") == "ok offline on"
    assert printer.status().state is DeviceState.OFFLINE
    assert "paper=low offline=on" in send_command(fields["control"], "status")
    assert sim.send("paper soggy").startswith("error unknown paper state")
    assert sim.send("frobnicate").startswith("error unknown command")


def test_quit_stops_cupsd_and_removes_its_configuration(
    root: Path, running: tuple[SimProcess, dict[str, str]]
) -> None:
    sim, fields = running
    pid = int((root / "state" / "cupsd.pid").read_text())

    assert sim.send("quit") == "ok bye"
    code, err = sim.finish()

    assert code == 0, err
    assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid)
    assert not Path(fields["server"]).exists()
    assert not (root / "etc").exists()
    assert (root / "out").is_dir()


def _is_zombie(pid: int) -> bool:
    try:
        return " Z " in Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True


def test_unusable_root_is_one_line_error_without_traceback(root: Path) -> None:
    closed = root / "closed"
    closed.mkdir(mode=0o700)
    code, err = SimProcess("--root", str(closed / "sim")).finish()
    assert code == 2
    assert err.startswith("kiosk-sim: error: ") and "not searchable" in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_negative_delay_is_refused() -> None:
    code, err = SimProcess("--root", "/nonexistent", "--delay", "-1").finish()
    assert (code, err.strip()) == (2, "kiosk-sim: error: --delay must not be negative")
