"""The serial scanner on a pseudo-terminal: a line per code (CR, LF or CRLF), Chinese in
UTF-8 or GB18030, AIM prefixes, repeats, and unplugging."""

from __future__ import annotations

import os
import threading
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest
from driver_helpers import EventRecorder
from scan_helpers import CHINESE

from drivers.errors import DeviceUnavailable
from drivers.events import CodeScanned
from drivers.scan.serial_scanner import LineSplitter, SerialScanner
from drivers.status import DeviceState


class Pty:
    """A scanner's end of a serial line: a pty whose slave a stable symlink points at."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master = -1
        self.plug()

    def plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        name = os.ttyname(slave)
        os.close(slave)  # the pty lives while the master is open
        self.master = master
        tmp = self.link.with_suffix(".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(name)
        tmp.replace(self.link)  # re-pointed at once, as udev does on replug

    def unplug(self) -> None:
        os.close(self.master)
        self.master = -1

    def send(self, data: bytes) -> None:
        os.write(self.master, data)


@pytest.fixture
def line(tmp_path: Path) -> Iterator[Pty]:
    pty = Pty(tmp_path / "ttyScanner")
    yield pty
    if pty.master >= 0:
        pty.unplug()


@pytest.fixture
def scanner(line: Pty) -> Iterator[tuple[SerialScanner, EventRecorder]]:
    scanner = SerialScanner("scanner", str(line.link), baud=115200, repeat_window_s=0.3,
                            reconnect_interval=0.05)
    events = EventRecorder(scanner.events)
    scanner.open()
    try:
        events.wait_state(DeviceState.ONLINE)
        yield scanner, events
    finally:
        scanner.close()
        events.close()


def wait_codes(events: EventRecorder, count: int, timeout: float = 3.0) -> list[CodeScanned]:
    deadline = time.monotonic() + timeout
    while len(events.of(CodeScanned)) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return events.of(CodeScanned)


def test_any_line_ending_ends_a_code(line: Pty, scanner: tuple[SerialScanner, EventRecorder]) -> None:
    _, events = scanner
    line.send(b"CR-1\rLF-2\nCRLF-3\r\n")
    got = wait_codes(events, 3)
    assert [(e.device, e.text, e.symbology) for e in got] == [
        ("scanner", "CR-1", "unknown"), ("scanner", "LF-2", "unknown"),
        ("scanner", "CRLF-3", "unknown"),
    ]


def test_a_code_split_over_several_writes_is_one_code(
    line: Pty, scanner: tuple[SerialScanner, EventRecorder]
) -> None:
    _, events = scanner
    for part in (b"TB-2026", b"1123-", b"0042\r", b"\n"):
        line.send(part)
        time.sleep(0.03)
    assert [e.text for e in wait_codes(events, 1)] == ["TB-20261123-0042"]
    time.sleep(0.1)
    assert len(events.of(CodeScanned)) == 1  # the LF after the CR is not an empty code


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_chinese_codes_are_read_in_either_encoding(
    line: Pty, scanner: tuple[SerialScanner, EventRecorder], encoding: str
) -> None:
    _, events = scanner
    line.send(CHINESE.encode(encoding) + b"\r\n")
    assert [e.text for e in wait_codes(events, 1)] == [CHINESE]


def test_the_same_code_twice_within_the_window_is_one_event(
    line: Pty, scanner: tuple[SerialScanner, EventRecorder]
) -> None:
    _, events = scanner
    line.send(b"A0042\r\nA0042\r\nB0043\r\n")
    assert [e.text for e in wait_codes(events, 2)] == ["A0042", "B0043"]
    time.sleep(0.4)  # after the window, the same code is a new scan
    line.send(b"A0042\r\n")
    assert [e.text for e in wait_codes(events, 3)] == ["A0042", "B0043", "A0042"]


def test_aim_prefix_names_the_symbology(line: Pty) -> None:
    scanner = SerialScanner("scanner", str(line.link), aim_prefix=True)
    events = EventRecorder(scanner.events)
    scanner.open()
    try:
        events.wait_state(DeviceState.ONLINE)
        line.send(b"]Q1" + CHINESE.encode("utf-8") + b"\r]C0TB-0042\r")
        got = wait_codes(events, 2)
    finally:
        scanner.close()
        events.close()
    assert [(e.text, e.symbology) for e in got] == [(CHINESE, "QRCode"), ("TB-0042", "Code128")]


def test_wait_code_returns_a_scanned_code(line: Pty, scanner: tuple[SerialScanner, EventRecorder]) -> None:
    device, _ = scanner
    threading.Timer(0.1, line.send, args=(b"A0042\r",)).start()  # while wait_code waits
    assert device.wait_code(timeout=3).text == "A0042"


def test_unplugged_scanner_is_reported_and_found_again(
    line: Pty, scanner: tuple[SerialScanner, EventRecorder]
) -> None:
    device, events = scanner
    line.unplug()
    lost = events.wait_state(DeviceState.NO_DEVICE)
    assert lost.status.detail
    with pytest.raises(DeviceUnavailable):
        device.wait_code(timeout=3)
    line.plug()
    events.wait_state(DeviceState.ONLINE, since=events.events.index(lost) + 1)
    line.send(b"after-replug\n")
    assert [e.text for e in wait_codes(events, 1)] == ["after-replug"]


def test_missing_port_is_no_device(tmp_path: Path) -> None:
    scanner = SerialScanner("scanner", str(tmp_path / "ttyNone"), reconnect_interval=0.05)
    events = EventRecorder(scanner.events)
    scanner.open()
    try:
        assert "ttyNone" in events.wait_state(DeviceState.NO_DEVICE).status.detail
    finally:
        scanner.close()
        events.close()


def test_line_splitter_drops_a_runaway_line() -> None:
    lines = LineSplitter()
    assert lines.feed(b"x" * 9000) == []
    assert lines.feed(b"ok\n") == [b"ok"]
