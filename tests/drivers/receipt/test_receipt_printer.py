"""EscposPrinter against a small fake TCP printer.

The fake answers DLE EOT queries from a settable status (per query number) and records
every other byte; it can run out of paper after N bytes, drop the connection, or never
answer. Every wait in these tests is bounded.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest
from driver_helpers import EventRecorder

from drivers.contracts import ReceiptPrinter
from drivers.errors import DeviceTimeout, DeviceUnavailable, ErrorCode, PrinterFault
from drivers.events import StatusChanged
from drivers.receipt.model import Pair, QrCode, ReceiptDocument, Text
from drivers.receipt.printer import EscposPrinter
from drivers.receipt.stream import iter_commands
from drivers.status import DeviceState, SupplyLevel

QUIET = 0x12
PAPER_OUT = {1: QUIET | 0x08, 2: QUIET | 0x20, 4: QUIET | 0x60}
COVER_OPEN = {1: QUIET | 0x08, 2: QUIET | 0x04}
CUTTER = {1: QUIET | 0x08, 2: QUIET | 0x40, 3: QUIET | 0x08}
OFFLINE = {1: QUIET | 0x08}
NEAR_END = {4: QUIET | 0x0C}


class FakePrinter:
    """A TCP ESC/POS printer: answers DLE EOT n at once, keeps everything else."""

    def __init__(self, port: int = 0) -> None:
        self.status = {1: QUIET, 2: QUIET, 3: QUIET, 4: QUIET}
        self.answering = True
        self.garbled = False
        self._conns: list[socket.socket] = []
        self.paper_out_after: int | None = None   # bytes of job data, then paper end
        self.close_after: int | None = None       # bytes of job data, then hang up
        self.received = bytearray()
        self.queries: list[int] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", port))
        self._server.listen(4)
        self._server.settimeout(0.05)
        self.port = self._server.getsockname()[1]
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def set(self, status: dict[int, int]) -> None:
        with self._lock:
            self.status = {1: QUIET, 2: QUIET, 3: QUIET, 4: QUIET, **status}

    def hang_up(self) -> None:
        """Drop the open connections, as printers do with idle ones."""
        for conn in self._conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        self._server.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                continue
            self.connections += 1
            self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.05)
        pending = b""
        with conn:
            while not self._stop.is_set():
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                pending += data
                consumed = 0
                for command in iter_commands(pending):
                    if not command.complete:
                        break
                    if not self._handle(conn, pending[command.start:command.end]):
                        return
                    consumed = command.end
                pending = pending[consumed:]

    def _handle(self, conn: socket.socket, command: bytes) -> bool:
        """False when the fake hangs up."""
        if command[:2] == b"\x10\x04" and len(command) == 3:
            with self._lock:
                self.queries.append(command[2])
                answer = self.status[command[2]]
            if self.answering:
                conn.sendall(b"\xff" if self.garbled else bytes([answer]))
            return True
        with self._lock:
            self.received += command
            size = len(self.received)
            if self.paper_out_after is not None and size >= self.paper_out_after:
                self.status.update(PAPER_OUT)
        return self.close_after is None or size < self.close_after


@pytest.fixture
def fake() -> Iterator[FakePrinter]:
    printer = FakePrinter()
    yield printer
    printer.stop()


@pytest.fixture
def make_printer() -> Iterator[object]:
    made: list[EscposPrinter] = []

    def make(url: str, **options: object) -> EscposPrinter:
        settings: dict[str, object] = {
            "chinese": "gb18030", "status_interval": 0.05, "io_timeout": 0.3,
            "mechanism_mm_per_s": 2000.0, **options,
        }
        printer = EscposPrinter("receipt_printer", url, **settings)  # type: ignore[arg-type]
        made.append(printer)
        return printer

    yield make
    for printer in made:
        printer.close()


def document(lines: int = 10) -> ReceiptDocument:
    return ReceiptDocument("application_receipt", "BJ1", (
        Text("办件受理回执", align="center", bold=True, scale=2),
        Pair("办件编号", "BJ-2024-000123"),
        *[Text(f"第{i}行：请妥善保管本回执，凭此查询办理进度。") for i in range(lines)],
        QrCode("https://zwfw.example.gov.cn/track?no=BJ1", caption="扫码查询"),
    ))


def test_the_driver_implements_the_receipt_printer_contract(make_printer, fake) -> None:
    assert isinstance(make_printer(fake.url), ReceiptPrinter)


def test_a_ready_printer_prints_the_bytes_exactly(make_printer, fake: FakePrinter) -> None:
    printer = make_printer(fake.url, chinese="raster")
    data = printer.render(document())
    outcome = printer.print_bytes(data, "job-1", timeout=10)
    assert bytes(fake.received) == data       # queries never landed inside a command
    assert (outcome.job_id, outcome.pages, outcome.bytes_sent) == ("job-1", 1, len(data))
    assert outcome.seconds >= printer.estimate_print_seconds(data)
    assert 4 in fake.queries and 2 in fake.queries
    assert printer.status().ready


@pytest.mark.parametrize(
    ("status", "code"),
    [(PAPER_OUT, ErrorCode.PAPER_OUT), (COVER_OPEN, ErrorCode.COVER_OPEN),
     (CUTTER, ErrorCode.CUTTER_ERROR), (OFFLINE, ErrorCode.PRINTER_OFFLINE)],
)
def test_a_printer_not_ready_refuses_the_job_before_a_byte_is_sent(
    make_printer, fake: FakePrinter, status: dict[int, int], code: ErrorCode
) -> None:
    fake.set(status)
    printer = make_printer(fake.url)
    with pytest.raises(PrinterFault) as caught:
        printer.print_bytes(printer.render(document()), "job-2", timeout=5)
    assert caught.value.code is code
    assert fake.received == b""
    assert printer.status().fault == code.value


def test_paper_near_end_still_prints_and_reports_paper_low(make_printer, fake) -> None:
    fake.set(NEAR_END)
    printer = make_printer(fake.url)
    printer.print_bytes(printer.render(document(2)), "job-3", timeout=5)
    assert printer.status().supplies == {"paper": SupplyLevel.LOW}


def test_paper_running_out_during_the_job_fails_it(make_printer, fake: FakePrinter) -> None:
    printer = make_printer(fake.url, chinese="raster")
    data = printer.render(document(30))
    fake.paper_out_after = len(data) // 3
    with pytest.raises(PrinterFault) as caught:
        printer.print_bytes(data, "job-4", timeout=5)
    assert caught.value.code is ErrorCode.PAPER_OUT
    assert len(fake.received) < len(data)
    assert printer.status().supplies == {"paper": SupplyLevel.OUT}


def test_paper_out_after_the_last_byte_is_caught_while_the_mechanism_prints(
    make_printer, fake: FakePrinter
) -> None:
    printer = make_printer(fake.url, mechanism_mm_per_s=250.0)
    data = printer.render(document(2))
    fake.paper_out_after = len(data)          # the cut command arrives, then paper end
    with pytest.raises(PrinterFault) as caught:
        printer.print_bytes(data, "job-5", timeout=5)
    assert caught.value.code is ErrorCode.PAPER_OUT


def test_printer_dropping_the_connection_mid_job_is_device_unavailable(
    make_printer, fake: FakePrinter
) -> None:
    printer = make_printer(fake.url, chinese="raster")
    data = printer.render(document(30))
    fake.close_after = len(data) // 2
    started = time.monotonic()
    with pytest.raises(DeviceUnavailable):
        printer.print_bytes(data, "job-6", timeout=5)
    assert time.monotonic() - started < 2
    assert printer.status().state is DeviceState.NO_DEVICE


def test_a_printer_that_never_answers_times_out_within_the_timeout(
    make_printer, fake: FakePrinter
) -> None:
    fake.answering = False
    printer = make_printer(fake.url, io_timeout=5.0)
    started = time.monotonic()
    with pytest.raises(DeviceTimeout):
        printer.print_bytes(printer.render(document()), "job-7", timeout=0.8)
    assert time.monotonic() - started < 1.1
    assert fake.received == b""


def test_garbled_status_answers_make_the_printer_unusable(make_printer, fake) -> None:
    fake.garbled = True
    printer = make_printer(fake.url)
    with pytest.raises(DeviceUnavailable) as caught:
        printer.print_bytes(b"\x1b@", "job-11", timeout=2)
    assert caught.value.code is ErrorCode.FRAME_GARBLED
    assert fake.received == b""


def test_a_connection_the_printer_dropped_while_idle_is_replaced_quietly(
    make_printer, fake: FakePrinter
) -> None:
    printer = make_printer(fake.url)
    events = EventRecorder(printer.events)
    data = printer.render(document(2))
    printer.print_bytes(data, "job-12", timeout=5)
    fake.hang_up()
    time.sleep(0.1)
    fake.received.clear()
    printer.print_bytes(data, "job-13", timeout=5)
    assert bytes(fake.received) == data
    assert fake.connections == 2
    assert not [e for e in events.of(StatusChanged) if e.status.state is DeviceState.NO_DEVICE]


def test_no_printer_listening_is_device_unavailable(make_printer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]           # closed again: nobody listens there
    printer = make_printer(f"tcp://127.0.0.1:{port}")
    with pytest.raises(DeviceUnavailable) as caught:
        printer.print_bytes(b"\x1b@", "job-8", timeout=2)
    assert caught.value.code is ErrorCode.NO_DEVICE


def test_the_job_never_outlasts_its_timeout_while_the_mechanism_prints(make_printer, fake):
    printer = make_printer(fake.url, mechanism_mm_per_s=10.0)  # a very slow mechanism
    data = printer.render(document(5))
    started = time.monotonic()
    with pytest.raises(DeviceTimeout):
        printer.print_bytes(data, "job-9", timeout=0.6)
    assert time.monotonic() - started < 0.9


def test_the_watcher_publishes_status_changes_and_reconnects(make_printer, fake) -> None:
    printer = make_printer(fake.url)
    events = EventRecorder(printer.events)
    printer.open()
    events.wait_state(DeviceState.ONLINE, timeout=3)
    mark = events.mark()
    fake.set(COVER_OPEN)
    changed = events.wait_state(DeviceState.USER_ERROR, timeout=3, since=mark)
    assert changed.status.fault == "cover_open"
    # The printer is switched off, then on again on the same port.
    port = fake.port
    fake.stop()
    events.wait_state(DeviceState.NO_DEVICE, timeout=3, since=mark)
    mark = events.mark()
    again = FakePrinter(port)
    try:
        events.wait_state(DeviceState.ONLINE, timeout=3, since=mark)
        assert again.connections >= 1
    finally:
        printer.close()
        again.stop()


def test_close_stops_the_watcher_within_a_second(make_printer, fake: FakePrinter) -> None:
    fake.answering = False                    # the watcher is waiting for an answer
    printer = make_printer(fake.url, io_timeout=5.0, status_interval=0.01)
    printer.open()
    time.sleep(0.2)
    started = time.monotonic()
    printer.close()
    assert time.monotonic() - started < 1.0
    assert printer.status().state is DeviceState.OFFLINE


def test_watcher_queries_and_a_job_never_interleave(make_printer, fake: FakePrinter) -> None:
    printer = make_printer(fake.url, chinese="raster", status_interval=0.001)
    printer.open()
    data = printer.render(document(20))
    for job in range(3):
        fake.received.clear()
        printer.print_bytes(data, f"job-{job}", timeout=10)
        assert bytes(fake.received) == data


def test_a_write_only_file_printer_prints_without_status(make_printer, tmp_path: Path) -> None:
    target = tmp_path / "receipt.bin"
    printer = make_printer(f"file://{target}")
    events = EventRecorder(printer.events)
    printer.open()
    changed = events.wait_state(DeviceState.ONLINE, timeout=3)
    assert changed.status.supplies == {"paper": SupplyLevel.UNKNOWN}
    assert "status is unknown" in changed.status.detail
    data = printer.render(document(2))
    printer.print_bytes(data, "job-10", timeout=5)
    assert target.read_bytes() == data


def test_a_bad_url_is_refused_when_the_driver_is_built() -> None:
    with pytest.raises(ValueError, match="unsupported scheme"):
        EscposPrinter("receipt_printer", "lpt://1")


def test_a_serial_printer_prints_and_answers_status_over_a_pty(make_printer) -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    received = bytearray()
    stop = threading.Event()

    def serve() -> None:
        pending = b""
        while not stop.is_set():
            if not select.select([master], [], [], 0.05)[0]:
                continue
            pending += os.read(master, 4096)
            consumed = 0
            for command in iter_commands(pending):
                if not command.complete:
                    break
                chunk = pending[command.start:command.end]
                if chunk[:2] == b"\x10\x04":
                    os.write(master, bytes([QUIET | (0x0C if chunk[2] == 4 else 0)]))
                else:
                    received.extend(chunk)
                consumed = command.end
            pending = pending[consumed:]

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        printer = make_printer(f"serial://{os.ttyname(slave)}?baud=115200")
        data = printer.render(document(2))
        printer.print_bytes(data, "job-14", timeout=5)
        assert bytes(received) == data
        assert printer.status().supplies == {"paper": SupplyLevel.LOW}
    finally:
        stop.set()
        thread.join(timeout=2)
        os.close(master)
        os.close(slave)
