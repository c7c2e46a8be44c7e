"""The kiosk speaks systemd's notification protocol (issue 13 §5): READY=1 once its first
frame is on the screen, WATCHDOG=1 from the UI clock, so a frozen UI stops petting and
systemd restarts it; STOPPING=1 on the way out.

The real app runs under Xvfb with ``$NOTIFY_SOCKET`` pointing at a datagram socket this test
bound, as systemd's would be. Progress is counted, not timed: a thread in the app's process
sends a tick per watchdog period to the same socket, and the test counts pets against ticks
(while the UI thread is blocked, ticks keep coming and pets must not).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import sd_notify

REPO = Path(__file__).resolve().parent.parent
RECV_TIMEOUT_S = 90.0   # only a dead app waits this long; a passing run never does


class Listener:
    """A datagram socket bound where systemd's would be; messages in arrival order."""

    def __init__(self, address: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.settimeout(RECV_TIMEOUT_S)

    def next(self) -> str:
        try:
            return self.sock.recv(4096).decode("utf-8")
        except TimeoutError:
            pytest.fail(f"no notification for {RECV_TIMEOUT_S:.0f} s")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[Listener, str]]:
    path = str(tmp_path / "notify.sock")
    sock = Listener(path)
    yield sock, path
    sock.close()


# --- the protocol -------------------------------------------------------------------------

def test_without_notify_socket_nothing_is_sent_and_nothing_fails() -> None:
    notifier = sd_notify.Notifier.from_environment({})
    assert not notifier.enabled
    assert notifier.ready() is False and notifier.watchdog() is False and notifier.stopping() is False
    assert notifier.watchdog_interval_s() is None


def test_each_notification_is_one_datagram_of_key_value_lines(listener: tuple[Listener, str]) -> None:
    sock, path = listener
    notifier = sd_notify.Notifier.from_environment({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000"})
    assert notifier.ready("首帧已显示") and notifier.watchdog() and notifier.status("paper\nout") and notifier.stopping()
    assert [sock.next() for _ in range(4)] == [
        "READY=1\nSTATUS=首帧已显示", "WATCHDOG=1", "STATUS=paper out", "STOPPING=1"]
    assert notifier.watchdog_interval_s() == 10.0   # WatchdogSec=30: a pet every 10 s
    notifier.close()


def test_an_abstract_socket_is_reached_by_its_at_name() -> None:
    name = f"tongban-test-{os.getpid()}-{id(object())}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(RECV_TIMEOUT_S)
    try:
        notifier = sd_notify.Notifier.from_environment({"NOTIFY_SOCKET": "@" + name})
        assert notifier.watchdog()
        assert sock.recv(64) == b"WATCHDOG=1"
    finally:
        sock.close()


def test_a_socket_that_is_gone_is_reported_once_and_never_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = sd_notify.Notifier.from_environment({"NOTIFY_SOCKET": str(tmp_path / "nobody")})
    assert notifier.watchdog() is False and notifier.watchdog() is False
    assert sum("could not notify systemd" in r.getMessage() for r in caplog.records) == 1


def test_no_watchdog_interval_without_a_watchdog_or_with_nonsense(tmp_path: Path) -> None:
    path = str(tmp_path / "s")
    assert sd_notify.Notifier.from_environment({"NOTIFY_SOCKET": path}).watchdog_interval_s() is None
    assert sd_notify.Notifier.from_environment(
        {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "soon"}).watchdog_interval_s() is None
    assert sd_notify.Notifier.from_environment({"NOTIFY_SOCKET": "vsock:2:9"}).enabled is False


# --- the running kiosk --------------------------------------------------------------------

# Runs the kiosk exactly as `kiosk run --windowed` does (screens.app.run_app), plus: a marker
# on the window's first flip, a tick thread (one X-TICK per watchdog period, the yardstick),
# and a control FIFO: "freeze" blocks the UI thread until "thaw".
APP = textwrap.dedent("""
    import os, socket, sys, threading
    from kiosk.config import load_config
    from screens.app import run_app

    site, control = sys.argv[1], sys.argv[2]
    target = os.environ["NOTIFY_SOCKET"]
    period = int(os.environ["WATCHDOG_USEC"]) / 3 / 1e6
    out = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    lock = threading.Lock()

    def mark(text):
        with lock:
            out.sendto(text.encode(), target)

    def ticks():
        stop, n = threading.Event(), 0
        while not stop.wait(period):
            n += 1
            mark(f"X-TICK={n}")

    thaw = threading.Event()

    def freeze(_dt):
        mark("X-FROZEN=1")
        thaw.wait()               # the UI thread is stuck here: no clock, no pets
        mark("X-THAWED=1")

    def commands():
        from kivy.clock import Clock
        with open(control) as fifo:
            for line in fifo:
                if line.strip() == "freeze":
                    Clock.schedule_once(freeze, 0)
                elif line.strip() == "thaw":
                    thaw.set()

    def on_started(app):
        from kivy.core.window import Window
        def first(*_):
            Window.unbind(on_flip=first)
            mark("X-FIRST-FLIP=1")
        Window.bind(on_flip=first)
        threading.Thread(target=ticks, daemon=True).start()
        threading.Thread(target=commands, daemon=True).start()

    sys.exit(run_app(load_config(site), windowed=True, on_started=on_started))
""")


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site.toml"
    site.write_text(
        'profile = "hall"\n\n[terminal]\n'
        f'data_dir = "{tmp_path / "data"}"\nterminal_code = "NOTIFY-TEST"\n\n'
        '[ui]\nfullscreen = false\ntouch_input = "mouse"\n\n'
        '[voice]\nmode = "off"\ndevice = "null"\n\n'
        f'[devices.id_reader]\nport = "{tmp_path / "no-reader"}"\n',
        encoding="utf-8",
    )
    return site


def test_ready_after_the_first_frame_pets_from_the_ui_clock_and_a_frozen_ui_stops_petting(
    tmp_path: Path, xvfb_display: str, listener: tuple[Listener, str]
) -> None:
    sock, path = listener
    control = tmp_path / "control"
    os.mkfifo(control)
    env = {**os.environ, "DISPLAY": xvfb_display, "KIVY_HOME": str(tmp_path / "kivy"),
           "PYTHONPATH": str(REPO), "NOTIFY_SOCKET": path,
           # WatchdogSec=0.9 s: a pet every 0.3 s, so the test sees many in little time
           "WATCHDOG_USEC": "900000", "WATCHDOG_PID": "1"}   # xinit's pid, not the kiosk's
    log = (tmp_path / "app.log").open("wb")
    app = subprocess.Popen([sys.executable, "-c", APP, str(_site(tmp_path)), str(control)],
                           cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    fifo = os.open(control, os.O_RDWR)   # read-write: never blocks, whenever the app opens it
    try:

        seen: list[str] = []
        while "READY=1" not in (message := sock.next()).splitlines():
            seen.append(message)
        # GIVEN the first frame was flipped onto the screen, THEN (and only then) READY=1
        assert "X-FIRST-FLIP=1" in seen, seen
        assert not any(m == "WATCHDOG=1" for m in seen), "petting began before READY"

        # THEN the pets keep coming from the UI clock, about one per tick
        pets = _count_pets(sock, ticks=12)
        assert pets >= 4, f"only {pets} pets in 12 watchdog periods"

        # WHEN the UI thread blocks, ticks go on and no pet comes
        os.write(fifo, b"freeze\n")
        while sock.next() != "X-FROZEN=1":
            pass
        assert _count_pets(sock, ticks=12) == 0

        # WHEN it is free again, the pets come back
        os.write(fifo, b"thaw\n")
        thawed = False
        pets = 0
        ticks = 0
        while pets < 2:
            message = sock.next()
            thawed = thawed or message == "X-THAWED=1"
            pets += message == "WATCHDOG=1"
            ticks += message.startswith("X-TICK=")
            assert ticks < 30, "no pets after the UI thread was free again"
        assert thawed

        # WHEN systemd stops it: STOPPING=1 and a clean exit
        app.send_signal(signal.SIGTERM)
        while sock.next() != "STOPPING=1":
            pass
        assert app.wait(timeout=30) == 0
    finally:
        os.close(fifo)
        if app.poll() is None:
            app.kill()
            app.wait()
        log.close()
    text = (tmp_path / "app.log").read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]


def _count_pets(sock: Listener, ticks: int) -> int:
    """WATCHDOG=1 messages received while ``ticks`` more ticks arrive."""
    pets = seen = 0
    while seen < ticks:
        message = sock.next()
        pets += message == "WATCHDOG=1"
        seen += message.startswith("X-TICK=")
    return pets
