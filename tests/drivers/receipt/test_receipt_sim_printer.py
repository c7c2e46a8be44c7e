"""The simulated receipt printer over TCP and its pty, driven with python-escpos as a host."""

from __future__ import annotations

import json
import os
import random
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from escpos.printer import Dummy, Network
from PIL import Image, ImageOps

from drivers.receipt.simulator import PrinterSimulator


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[PrinterSimulator]:
    with PrinterSimulator(tmp_path / "out", paper="80mm", speed_mm_s=0) as printer:
        yield printer


@pytest.fixture
def host(sim: PrinterSimulator) -> Iterator[Network]:
    printer = Network(*sim.address, timeout=5)
    printer.open()
    yield printer
    printer.close()


def receipt_job(title: str, qr: str | None = None, rows_of_image: int = 0) -> bytes:
    printer = Dummy()
    printer.hw("INIT")
    printer.set(align="center", bold=True)
    printer.textln(title)
    if qr is not None:
        printer.qr(qr, native=True, size=6)
    if rows_of_image:
        printer.image(Image.new("RGB", (64, rows_of_image), "black"))
    printer.cut()
    return bytes(printer.output)


def decoded(path: Path) -> list[str]:
    image = ImageOps.expand(Image.open(path).convert("L"), border=24, fill=255)
    return [result.text for result in zxingcpp.read_barcodes(image)]


def sidecar(png: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(png.with_suffix(".json").read_text(encoding="utf-8"))
    return data


def ask_status(sock: socket.socket, n: int, timeout: float = 1.0) -> bytes:
    sock.sendall(bytes((0x10, 0x04, n)))
    ready, _, _ = select.select([sock], [], [], timeout)
    return sock.recv(16) if ready else b""


def settle(sim: PrinterSimulator, sock: socket.socket) -> None:
    """Wait until the printer has dealt with everything sent on ``sock`` so far.

    The status reply proves the receiving side has parsed and queued all that came before it.
    """
    assert ask_status(sock, 1) != b""
    assert sim.wait_idle(5)


def test_each_cut_saves_one_png_in_sequence_with_its_sidecar(
    sim: PrinterSimulator, host: Network
) -> None:
    first = receipt_job("受理回执", qr="https://gov.example/t/1")
    host._raw(first)
    host._raw(receipt_job("排队号 A012", qr="A012"))
    one, two = sim.wait_receipt(5), sim.wait_receipt(5)
    assert [one.name, two.name] == ["receipt-0001.png", "receipt-0002.png"]
    assert decoded(one) == ["https://gov.example/t/1"] and decoded(two) == ["A012"]
    meta = sidecar(one)
    assert meta["completed"] is True and meta["bytes"] == len(first)
    assert meta["lines"] == ["受理回执"] and meta["qr_codes"] == ["https://gov.example/t/1"]
    assert Image.open(one).width == 576
    assert not [p for p in sim.out_dir.iterdir() if p.name.startswith(".")]  # no temp files


def test_python_escpos_network_printer_prints_text_qr_and_cuts(
    sim: PrinterSimulator, host: Network
) -> None:
    host.hw("INIT")
    host.textln("你好 network")
    host.qr("network-qr", native=False, size=5)
    host.cut()
    png = sim.wait_receipt(5)
    assert decoded(png) == ["network-qr"]
    assert sidecar(png)["lines"] == ["你好 network"]


def test_numbering_goes_on_after_receipts_already_in_the_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "receipt-0007.png").write_bytes(b"old")
    with PrinterSimulator(out) as sim, socket.create_connection(sim.address) as sock:
        sock.sendall(receipt_job("next"))
        assert sim.wait_receipt(5).name == "receipt-0008.png"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("normal", (0x12, 0x12, 0x12, 0x12)),
        ("near-end", (0x12, 0x12, 0x12, 0x1E)),
        ("out", (0x1A, 0x32, 0x12, 0x72)),
        ("cover", (0x1A, 0x16, 0x12, 0x12)),
        ("cutter", (0x1A, 0x52, 0x1A, 0x12)),
        ("unrecoverable", (0x1A, 0x52, 0x32, 0x12)),
    ],
)
def test_dle_eot_answers_for_each_printer_state(
    sim: PrinterSimulator, change: str, expected: tuple[int, ...]
) -> None:
    if change in ("normal", "near-end", "out"):
        sim.set_paper(change)
    elif change == "cover":
        sim.set_cover(True)
    else:
        sim.set_fault(change)
    with socket.create_connection(sim.address) as sock:
        assert tuple(ask_status(sock, n)[0] for n in (1, 2, 3, 4)) == expected


def test_paper_running_out_mid_job_saves_a_partial_receipt_and_numbering_goes_on(
    sim: PrinterSimulator,
) -> None:
    with socket.create_connection(sim.address) as sock:
        sock.sendall(receipt_job("ok before"))
        assert sim.wait_receipt(5).name == "receipt-0001.png"

        sim.paper_out_after(100)
        sock.sendall(receipt_job("runs out", rows_of_image=300))
        partial = sim.wait_receipt(5)
        assert partial.name == "receipt-0002-partial.png"
        assert Image.open(partial).height == 100
        assert sidecar(partial)["completed"] is False
        assert ask_status(sock, 4) == b"\x72" and ask_status(sock, 1) == b"\x1a"

        sock.sendall(receipt_job("while out"))  # dropped: the printer is stopped
        settle(sim, sock)
        sim.set_paper("normal")
        sock.sendall(b"\n\n" + receipt_job("reprint")[2:])  # no ESC @: still dropped
        settle(sim, sock)
        assert sim.receipts() == [sim.out_dir / "receipt-0001.png", partial]
        assert ask_status(sock, 4) == b"\x12"

        sock.sendall(receipt_job("reprint"))  # begins with ESC @: printing resumes
        reprint = sim.wait_receipt(5)
        assert reprint.name == "receipt-0003.png"
        assert sidecar(reprint)["lines"] == ["reprint"]


def test_status_is_answered_at_once_while_the_mechanism_is_printing(tmp_path: Path) -> None:
    # 200 mm/s = 1600 dot rows a second: an 800-row job takes half a second.
    with PrinterSimulator(tmp_path, speed_mm_s=200) as sim, \
            socket.create_connection(sim.address) as sock:
        sim.paper_out_after(400)
        started = time.monotonic()
        sock.sendall(receipt_job("paced", rows_of_image=800))
        replies = []
        while time.monotonic() - started < 2.0:
            asked = time.monotonic()
            reply = ask_status(sock, 4)
            replies.append((round(time.monotonic() - started, 3), reply))
            assert time.monotonic() - asked < 0.2  # never queued behind the print data
            if reply == b"\x72":
                break
            time.sleep(0.02)
        assert replies[0][1] == b"\x12" and replies[-1][1] == b"\x72"
        assert 0.15 < replies[-1][0] < 1.5, replies  # ran out about 400 rows (0.25 s) in
        partial = sim.wait_receipt(5)
        assert partial.name == "receipt-0001-partial.png"
        assert Image.open(partial).height == 400


def test_a_new_connection_replaces_a_half_dead_one(sim: PrinterSimulator) -> None:
    stale = socket.create_connection(sim.address)
    stale.sendall(b"\x1b@\x1dv0\x00")  # stops half way through a raster header
    time.sleep(0.1)
    with socket.create_connection(sim.address) as fresh:
        fresh.sendall(receipt_job("fresh", qr="fresh"))
        assert decoded(sim.wait_receipt(5)) == ["fresh"]
    stale.settimeout(2)
    assert stale.recv(16) == b""  # the simulator hung up the old one
    stale.close()


def test_reconnecting_after_a_clean_disconnect_prints_again(sim: PrinterSimulator) -> None:
    for title in ("first", "second"):
        printer = Network(*sim.address, timeout=5)
        printer.open()
        printer._raw(receipt_job(title))
        printer.close()
        assert sidecar(sim.wait_receipt(5))["lines"] == [title]


def test_garbage_bytes_do_not_stop_the_printer(sim: PrinterSimulator) -> None:
    rng = random.Random(7)
    with socket.create_connection(sim.address) as sock:
        sock.sendall(bytes(rng.randrange(256) for _ in range(8000)))
    deadline = time.monotonic() + 5
    while sim.client is not None and time.monotonic() < deadline:  # read to the end
        time.sleep(0.01)
    # The printer keeps answering and keeps printing. Like a real one it cannot know where
    # the garbage ends: a command left half-done by it may take the start of the next job
    # (how much depends on where the garbage's tail was when the next bytes came), so the
    # job is sent until it prints -- the garbage must not stop the printer for good.
    for _attempt in range(4):
        with socket.create_connection(sim.address) as sock:
            # Unknown sequences, broken GB18030, stray DLE, then a job.
            sock.sendall(b"\x1b\x01\x1d\x02\x1c(J\x01\x00z\x81\x0a\x10\x01\xfe\xfe\n")
            sock.sendall(receipt_job("after garbage", qr="still alive"))
            assert ask_status(sock, 1) == b"\x12"
            assert sim.wait_idle(5)
        if any(decoded(png) == ["still alive"] for png in sim.receipts()):
            return
    pytest.fail(f"no receipt with the QR after garbage: {[p.name for p in sim.receipts()]}")


def test_offline_printer_answers_nothing_until_back(sim: PrinterSimulator) -> None:
    with socket.create_connection(sim.address) as sock:
        sim.set_offline(True)
        assert ask_status(sock, 1, timeout=0.3) == b""
        sim.set_offline(False)
        assert ask_status(sock, 1) == b"\x12"


def test_unplugged_printer_refuses_connections_until_replugged(sim: PrinterSimulator) -> None:
    address = sim.address
    sim.unplug()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=1).close()
    sim.replug()
    assert sim.address == address
    with socket.create_connection(address) as sock:
        assert ask_status(sock, 1) == b"\x12"


def test_process_id_is_answered_once_printing_reaches_it(sim: PrinterSimulator) -> None:
    with socket.create_connection(sim.address) as sock:
        sock.sendall(receipt_job("job") + b"\x1d(H\x06\x00\x30\x30ABCD")
        ready, _, _ = select.select([sock], [], [], 2.0)
        assert ready and sock.recv(16) == b"\x37\x22ABCD\x00"
        assert len(sim.receipts()) == 1


def test_the_pty_takes_the_same_protocol(tmp_path: Path) -> None:
    link = tmp_path / "ttyPRINTER"
    with PrinterSimulator(tmp_path / "out", paper="58mm", pty=True, link=link) as sim:
        assert sim.pty_path is not None and os.readlink(link) == sim.pty_path
        fd = os.open(link, os.O_RDWR | os.O_NOCTTY)
        try:
            os.write(fd, receipt_job("serial", qr="via pty") + b"\x10\x04\x01")
            ready, _, _ = select.select([fd], [], [], 2.0)
            assert ready and os.read(fd, 16) == b"\x12"
            png = sim.wait_receipt(5)
        finally:
            os.close(fd)
        assert decoded(png) == ["via pty"] and Image.open(png).width == 384
    assert not link.exists() and not link.is_symlink()
