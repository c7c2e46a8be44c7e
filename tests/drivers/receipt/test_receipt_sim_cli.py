"""``kiosk-sim printer`` as a real process: its start lines, its commands, its clean stop."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from escpos.printer import Dummy

from drivers import sim_cli
from drivers.sim_control import send_command

REPO = Path(__file__).resolve().parents[3]


class Sim:
    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "drivers.sim_cli", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        self._buffer = b""

    def line(self, timeout: float = 10.0) -> str:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise AssertionError(f"no output line within {timeout} s")
            chunk = os.read(fd, 4096)
            if not chunk:
                assert self.proc.stderr is not None
                raise AssertionError(f"stdout closed; stderr: {self.proc.stderr.read()!r}")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\n", 1)
        return raw.decode()

    def start_lines(self) -> dict[str, str]:
        lines: dict[str, str] = {}
        while "out" not in lines:
            key, _, value = self.line().partition(": ")
            lines[key] = value
        return lines

    def send(self, command: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command.encode() + b"\n")
        self.proc.stdin.flush()
        return self.line()

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
def started() -> Iterator[list[Sim]]:
    sims: list[Sim] = []
    yield sims
    for sim in sims:
        sim.stop()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drivers.sim_cli", *args], capture_output=True, text=True,
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=20,
    )


def job(title: str) -> bytes:
    printer = Dummy()
    printer.hw("INIT")
    printer.textln(title)
    printer.cut()
    return bytes(printer.output)


def wait_for(path: Path, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.02)


def test_printer_starts_prints_takes_commands_and_stops_cleanly_on_sigterm(
    started: list[Sim], tmp_path: Path
) -> None:
    out, link, control = tmp_path / "receipts", tmp_path / "ttyPRINTER", tmp_path / "printer.sock"
    sim = Sim("printer", "--listen", "127.0.0.1:0", "--pty", "--link", str(link), "--out",
              str(out), "--control", str(control), "--speed-mm-s", "0")
    started.append(sim)
    lines = sim.start_lines()
    host, port = lines["listen"].rsplit(":", 1)
    assert host == "127.0.0.1" and int(port) > 0
    assert lines["device"].startswith("/dev/pts/") and os.readlink(link) == lines["device"]
    assert lines["link"] == str(link) and lines["control"] == str(control)
    assert lines["out"] == str(out)

    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(job("命令行打印"))
        wait_for(out / "receipt-0001.png")
        assert (out / "receipt-0001.json").exists()

        ctl = run_cli("ctl", str(control), "paper", "out")
        assert (ctl.returncode, ctl.stdout.strip()) == (0, "ok paper out")
        sock.sendall(b"\x10\x04\x04")
        sock.settimeout(2)
        assert sock.recv(16) == b"\x72"

    status = sim.send("status")
    assert status.startswith("ok plugged=yes") and "paper=out" in status
    assert "receipts=1 partial=0" in status and "dle-eot=1a,32,12,72" in status
    assert sim.send("paper sideways").startswith("error unknown paper state")
    assert sim.send("help").startswith("ok commands: paper normal|near-end|out")
    assert send_command(control, "paper out-after 80") == "ok paper runs out after 80 rows"

    sim.proc.send_signal(signal.SIGTERM)
    assert sim.proc.wait(timeout=5) == 0
    assert not link.exists() and not link.is_symlink() and not control.exists()


def test_without_a_control_socket_end_of_stdin_stops_it(
    started: list[Sim], tmp_path: Path
) -> None:
    sim = Sim("printer", "--listen", "0", "--out", str(tmp_path), "--paper", "58mm")
    started.append(sim)
    lines = sim.start_lines()
    assert lines["listen"].startswith("127.0.0.1:") and "device" not in lines
    assert sim.send("cover open") == "ok cover open"
    assert sim.send("quit") == "ok bye"
    assert sim.proc.wait(timeout=5) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--listen", "nowhere"], "expected HOST:PORT"),
        (["--link", "/tmp/x-link"], "--link needs --pty"),
        (["--speed-mm-s", "-1"], "must not be negative"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # In process: these are refused before anything starts (no signal handlers, no sockets).
    assert sim_cli.main(["printer", "--out", str(tmp_path), *args]) == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith("kiosk-sim: error:") and message in stderr
    assert stderr.count("\n") == 1


def test_a_port_in_use_is_named_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("printer", "--out", str(tmp_path), "--listen", f"127.0.0.1:{port}")
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
