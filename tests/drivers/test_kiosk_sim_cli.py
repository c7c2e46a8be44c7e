"""``kiosk-sim`` as a real process, driven the way a developer and the kiosk demo drive it."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from driver_helpers import ReaderFactory

from drivers.events import CardRemoved, IdentityRead
from drivers.sim_control import send_command
from drivers.status import DeviceState

REPO = Path(__file__).resolve().parents[2]


class SimProcess:
    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "drivers.sim_cli", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=REPO, env=env,
        )
        self._buffer = b""

    def line(self, timeout: float = 5.0) -> str:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(0.0, remaining))
            if not ready:
                raise AssertionError(f"no output line within {timeout} s")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise AssertionError(f"stdout closed; stderr: {self.stderr()}")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\n", 1)
        return raw.decode()

    def send(self, command: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command.encode() + b"\n")
        self.proc.stdin.flush()
        return self.line()

    def stderr(self) -> str:
        assert self.proc.stderr is not None
        if self.proc.poll() is None:
            return "(running)"
        return self.proc.stderr.read().decode()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def processes() -> Iterator[list[SimProcess]]:
    started: list[SimProcess] = []
    yield started
    for process in started:
        process.stop()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drivers.sim_cli", *args], capture_output=True, text=True,
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=20,
    )


def test_background_simulator_is_driven_over_its_socket_and_stdin(
    processes: list[SimProcess], tmp_path: Path, make_reader: ReaderFactory
) -> None:
    link, control = tmp_path / "ttyIDCARD", tmp_path / "sim.sock"
    sim = SimProcess("idcard", "--link", str(link), "--control", str(control))
    processes.append(sim)
    device = sim.line()
    assert device.startswith("device: /dev/pts/")
    assert sim.line() == f"link: {link}"
    assert sim.line() == f"control: {control}"
    assert os.readlink(link) == device.split(": ", 1)[1]

    reader, events = make_reader(port=str(link))
    events.wait_state(DeviceState.ONLINE)
    assert send_command(control, "place zhang_san") == "ok placed zhang_san"
    assert events.wait_for(IdentityRead).card.name == "张三"
    assert sim.send("remove") == "ok removed zhang_san"
    events.wait_for(CardRemoved)

    mark = events.mark()
    assert send_command(control, "fault sam") == "ok sam failing until clear"
    events.wait_state(DeviceState.HARDWARE_ERROR, since=mark)
    assert send_command(control, "clear") == "ok faults cleared"
    events.wait_state(DeviceState.ONLINE, since=mark)

    mark = events.mark()
    assert send_command(control, "unplug") == "ok unplugged"
    events.wait_state(DeviceState.NO_DEVICE, since=mark)
    assert send_command(control, "replug").startswith("ok device /dev/pts/")
    events.wait_state(DeviceState.ONLINE, since=mark)

    assert sim.proc.stdin is not None
    sim.proc.stdin.close()  # end of stdin must not stop a simulator with a control socket
    time.sleep(0.5)
    assert sim.proc.poll() is None
    assert send_command(control, "status").startswith("ok plugged=yes")

    sim.proc.send_signal(signal.SIGTERM)
    assert sim.proc.wait(timeout=5) == 0
    assert not link.exists() and not link.is_symlink() and not control.exists()


def test_ctl_sends_one_command_and_exits_by_its_reply(
    processes: list[SimProcess], tmp_path: Path
) -> None:
    control = tmp_path / "sim.sock"
    sim = SimProcess("idcard", "--control", str(control))
    processes.append(sim)
    sim.line(), sim.line()
    ok = run_cli("ctl", str(control), "fault", "sw3", "41", "2", "read")
    assert (ok.returncode, ok.stdout.strip()) == (0, "ok sw3 41 x2 on read")
    refused = run_cli("ctl", str(control), "place", "nobody")
    assert refused.returncode == 1 and refused.stdout.startswith("error unknown card 'nobody'")
    assert send_command(control, "quit") == "ok bye"
    assert sim.proc.wait(timeout=5) == 0
    assert not control.exists()


def test_stdin_simulator_takes_commands_and_stops_at_end_of_input(
    processes: list[SimProcess],
) -> None:
    sim = SimProcess("idcard", "--place", "wang_wu")
    processes.append(sim)
    assert sim.line().startswith("device: /dev/pts/")
    assert sim.send("status").endswith("placed=wang_wu sam=ok faults=-")
    assert sim.send("cards").startswith("ok zhang_san:resident li_si:resident")
    assert sim.send("fault checksum 2") == "ok checksum x2"
    assert sim.send("fault bogus").startswith("error unknown fault")
    assert sim.send("help").startswith("ok commands: place KEY")
    assert sim.proc.stdin is not None
    sim.proc.stdin.close()
    assert sim.proc.wait(timeout=5) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["idcard", "--place", "nobody"], "unknown card 'nobody'"),
        (["idcard", "--cards", "/nonexistent/cards.toml"], "cannot read"),
        (["ctl", "/nonexistent/sim.sock", "status"], "cannot reach"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stderr.startswith("kiosk-sim: error:") and message in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_bad_cards_file_names_the_card_and_field(tmp_path: Path) -> None:
    cards = tmp_path / "cards.toml"
    cards.write_text('[cards.x]\ncard_type = "resident"\ngender = "男"\n', encoding="utf-8")
    result = run_cli("idcard", "--cards", str(cards))
    assert result.returncode == 2
    assert f"{cards}: card 'x': field" in result.stderr and "Traceback" not in result.stderr
