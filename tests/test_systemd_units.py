"""The kiosk's systemd unit and X session (issue 13 §5): Type=notify with a watchdog, the
committed version's boot-check before every start, the `current` version started, exit
status 75 restarting at once, and a back-off that neither the start timeout nor the
watchdog cuts short. The unit passes `systemd-analyze verify` (tests/test_install.py checks
the installed copy in a staged root too)."""

from __future__ import annotations

import array
import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

from tests.support.services import PACKAGES, missing_service
from tests.support.systemd_units import verify_in_root

REPO = Path(__file__).resolve().parent.parent
UNIT = REPO / "deploy/systemd/tongban-kiosk.service"
XSESSION = REPO / "deploy/xsession/tongban-kiosk.xsession"


def unit_settings(path: Path) -> dict[str, dict[str, list[str]]]:
    """Section -> key -> every value (in order) of a unit file."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            sections.setdefault(current, {})
            continue
        key, _, value = line.partition("=")
        sections[current].setdefault(key.strip(), []).append(value.strip())
    return sections


def stage_unit(root: Path, text: str | None = None) -> None:
    units = root / "etc/systemd/system"
    units.mkdir(parents=True, exist_ok=True)
    (units / UNIT.name).write_text(text if text is not None else UNIT.read_text(encoding="utf-8"),
                                   encoding="utf-8")
    session = root / "opt/tongban/deploy/xsession" / XSESSION.name
    session.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(XSESSION, session)


# --- the unit -----------------------------------------------------------------------------

def test_the_kiosk_is_ready_after_its_first_frame_and_watched_from_then_on() -> None:
    service = unit_settings(UNIT)["Service"]
    assert service["Type"] == ["notify"]
    assert service["NotifyAccess"] == ["all"]   # the kiosk is xinit's grandchild
    assert service["WatchdogSec"] == ["30"]
    assert service["Restart"] == ["always"] and unit_settings(UNIT)["Unit"]["StartLimitIntervalSec"] == ["0"]
    assert service["LimitCORE"] == ["0"]        # a core file could hold a citizen's data


def test_the_committed_version_checks_the_trial_and_the_current_one_starts() -> None:
    service = unit_settings(UNIT)["Service"]
    (pre,) = service["ExecStartPre"]
    # "-": a failing boot-check (or a committed version without one) never keeps the screen dark
    assert pre.startswith("-/opt/tongban/committed/venv/bin/kiosk ") and pre.endswith(" update boot-check")
    assert "Environment" in service and "KIOSK_BIN=/opt/tongban/current/venv/bin/kiosk" in service["Environment"]
    assert service["ExecStart"][0].startswith("/usr/bin/xinit /opt/tongban/deploy/xsession/tongban-kiosk.xsession ")
    xsession = XSESSION.read_text(encoding="utf-8")
    assert "KIOSK_BIN=${KIOSK_BIN:-/opt/tongban/current/venv/bin/kiosk}" in xsession


def test_the_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    stage_unit(tmp_path)
    result = verify_in_root(tmp_path, UNIT.name)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_verify_catches_a_broken_unit(tmp_path: Path) -> None:
    # The check above can fail: a bad value is reported (systemd-analyze only warns, so the
    # tests require silence, not just the exit status), a missing program fails it.
    stage_unit(tmp_path, UNIT.read_text(encoding="utf-8").replace("WatchdogSec=30", "WatchdogSec=half a minute"))
    result = verify_in_root(tmp_path, UNIT.name)
    assert "half a minute" in result.stderr and "Failed to parse" in result.stderr
    stage_unit(tmp_path, UNIT.read_text(encoding="utf-8").replace("/usr/bin/xinit", "/usr/bin/no-xinit"))
    result = verify_in_root(tmp_path, UNIT.name)
    assert result.returncode != 0 and "/usr/bin/no-xinit" in result.stderr


# --- the X session ------------------------------------------------------------------------

def _session(tmp_path: Path, status: int, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """The X session around a kiosk that exits with ``status``; a fake `sleep` records the
    waits, the X tools are no-ops (no X server here)."""
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    waits = tmp_path / "waits"
    (fake / "sleep").write_text(f'#!/bin/sh\necho "$1" >>"{waits}"\n', encoding="utf-8")
    for name in ("xset", "xsetroot"):
        (fake / name).write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    kiosk = fake / "kiosk"
    kiosk.write_text(f"#!/bin/sh\nexit {status}\n", encoding="utf-8")
    for tool in fake.iterdir():
        tool.chmod(0o755)
    waits.unlink(missing_ok=True)
    result = subprocess.run(
        ["sh", str(XSESSION)],
        env={**os.environ, "PATH": f"{fake}:{os.environ['PATH']}", "KIOSK_BIN": str(kiosk),
             "STATE_DIRECTORY": str(tmp_path), **env},
        capture_output=True, text=True, timeout=60,
    )
    return result, waits.read_text().split() if waits.exists() else []


def test_exit_75_restarts_at_once_and_is_not_a_failure(tmp_path: Path) -> None:
    env = {"NOTIFY_SOCKET": ""}
    assert _session(tmp_path, 1, env)[1] == ["10"]          # one quick failure counted
    result, waits = _session(tmp_path, 75, env)
    assert (result.returncode, waits) == (75, [])            # an update: no back-off
    assert "asked to be restarted" in result.stderr
    assert _session(tmp_path, 1, env)[1] == ["10"]           # and the count started again


class NotifyServer:
    """A datagram socket standing in for systemd's: answers systemd-notify's barrier (it
    waits until the manager closed the file descriptor it sent) and keeps the messages."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages: list[str] = []
        self.barriers = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, ancillary, _flags, _addr = self.sock.recvmsg(4096, socket.CMSG_SPACE(16 * 4))
            except TimeoutError:
                continue
            for level, kind, payload in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds = array.array("i")
                    fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
                    for fd in fds:
                        os.close(fd)      # what systemd does once it has read the message
            text = data.decode("utf-8")
            if text == "BARRIER=1":
                self.barriers += 1
            else:
                self.messages.append(text)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def test_a_back_off_wait_extends_the_start_timeout_and_the_watchdog_first(tmp_path: Path) -> None:
    if shutil.which("systemd-notify") is None:
        missing_service("systemd-notify not found", PACKAGES["systemd-analyze"])
    server = NotifyServer(tmp_path / "notify.sock")
    try:
        result, waits = _session(tmp_path, 1, {"NOTIFY_SOCKET": str(tmp_path / "notify.sock")})
    finally:
        server.close()
    assert result.returncode == 1 and waits == ["10"], result.stderr
    (message,) = server.messages
    fields = dict(line.split("=", 1) for line in message.splitlines())
    # the wait (10 s) and time to start again (120 s): neither timeout fires while waiting
    assert fields["EXTEND_TIMEOUT_USEC"] == fields["WATCHDOG_USEC"] == str(130 * 1_000_000)
    assert fields["STATUS"] == "kiosk exited with status 1; waiting 10 s before restarting"
    assert server.barriers == 1   # systemd-notify returned only once "systemd" had read it
    assert "systemd-notify failed" not in result.stderr
