"""`kiosk print-test`, `kiosk logs prints|verify`, run as a technician or staff runs them: the
real console script against the printer simulators."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageOps

from drivers.a4.sim_cups import SimulatedCups
from drivers.receipt.simulator import PrinterSimulator
from tests.support.cups import (
    decode_qr,
    render_pages,
)

KIOSK = shutil.which("kiosk", path=os.path.dirname(sys.executable)) or "kiosk"


def kiosk(site: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KIOSK, "--config", str(site), *args], capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def printer_sim(tmp_path: Path) -> Iterator[PrinterSimulator]:
    sim = PrinterSimulator(tmp_path / "receipts", paper="58mm", speed_mm_s=0)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def site(tmp_path: Path, printer_sim: PrinterSimulator) -> Path:
    host, port = printer_sim.address
    path = tmp_path / "kiosk.toml"
    path.write_text(
        'profile = "hall"\n[terminal]\ndata_dir = "data"\nterminal_code = "T-CLI"\n'
        f'[devices.receipt_printer]\ndriver = "escpos"\nurl = "tcp://{host}:{port}"\npaper = "58mm"\n',
        encoding="utf-8")
    return path


def test_print_test_receipt_prints_chinese_and_a_test_qr(site: Path, printer_sim: PrinterSimulator) -> None:
    result = kiosk(site, "print-test", "receipt")
    assert result.returncode == 0, result.stderr
    assert "online" in result.stdout
    png = printer_sim.wait_receipt(5)
    image = ImageOps.expand(Image.open(png).convert("L"), border=24, fill=255)
    assert image.width == 384 + 48            # the configured 58 mm paper
    [code] = [r.text for r in zxingcpp.read_barcodes(image)]
    assert code.startswith("TONGBAN-PRINT-TEST:T-CLI:")


def test_print_test_says_why_the_printer_is_not_ready(site: Path, printer_sim: PrinterSimulator) -> None:
    printer_sim.set_paper("out")
    result = kiosk(site, "print-test", "receipt")
    assert result.returncode == 3 and "paper_out" in result.stderr
    printer_sim.set_paper("normal")
    printer_sim.set_cover(True)
    result = kiosk(site, "print-test", "receipt")
    assert result.returncode == 3 and "cover_open" in result.stderr
    result = kiosk(site, "print-test", "receipt", "--printer", "tcp://127.0.0.1:9")
    assert result.returncode == 3 and "no_device" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_printer_url_is_named(site: Path) -> None:
    result = kiosk(site, "print-test", "receipt", "--printer", "lpt://1")
    assert result.returncode == 1 and "--printer lpt://1" in result.stderr
    assert "Traceback" not in result.stderr


def test_staff_list_export_and_verify_the_print_log(site: Path, printer_sim: PrinterSimulator,
                                                    tmp_path: Path) -> None:
    assert kiosk(site, "print-test", "receipt").returncode == 0
    printer_sim.set_paper("out")
    assert kiosk(site, "print-test", "receipt").returncode == 3   # refused: nothing sent, not logged
    listed = kiosk(site, "logs", "prints", "--type", "test_page")
    assert listed.returncode == 0 and listed.stdout.count("打印测试页") == 1
    assert "已打印" in listed.stdout
    out = tmp_path / "usb" / "prints.csv"
    out.parent.mkdir()
    exported = kiosk(site, "logs", "prints", "--since", "2020-01-01", "--csv", str(out))
    assert exported.returncode == 0 and out.read_text(encoding="utf-8-sig").startswith("时间,类型")
    assert kiosk(site, "logs", "verify").returncode == 0
    # the look-up by ID number is central's: not enrolled here, so it says so (no traceback)
    by_number = kiosk(site, "logs", "prints", "--id-number", "110101199003071233")
    assert by_number.returncode == 3 and "需要连接政务服务平台" in by_number.stderr
    assert "Traceback" not in by_number.stderr

    db = sqlite3.connect(tmp_path / "data" / "kiosk.db")
    db.execute("UPDATE print_log SET result = 'failed' WHERE seq = 2")
    db.commit()
    db.close()
    verify = kiosk(site, "logs", "verify")
    assert verify.returncode == 1 and "altered at row 2" in verify.stderr



def test_print_test_a4_through_a_cups_queue(site: Path, cups_sim: SimulatedCups, tmp_path: Path) -> None:
    cups_sim.skip_printed()
    result = kiosk(site, "print-test", "a4", "--queue", cups_sim.queue, "--server", cups_sim.server)
    assert result.returncode == 0, result.stderr
    [page] = render_pages(cups_sim.wait_pdf(30), tmp_path)
    [code] = [c for c in decode_qr(page) if c.startswith("TONGBAN-PRINT-TEST")]
    assert code.startswith("TONGBAN-PRINT-TEST:T-CLI:")
    cups_sim.set_paper("out")
    try:
        refused = kiosk(site, "print-test", "a4", "--queue", cups_sim.queue, "--server", cups_sim.server)
    finally:
        cups_sim.set_paper("normal")
    assert refused.returncode == 3 and "paper_out" in refused.stderr
