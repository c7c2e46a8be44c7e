"""Printing as the terminal does it, over the real wire: layouts -> ESC/POS driver -> the
printer simulator's PNG; PDF -> CUPS -> cups-pdf's file; every attempt in the print log.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageOps

from drivers.a4.cups_printer import CupsPrinter
from drivers.a4.sim_cups import SimulatedCups
from drivers.receipt.printer import EscposPrinter
from drivers.receipt.simulator import PrinterSimulator
from kiosk.printing.documents.a4 import IssuedDocumentData, render_document_pdf
from kiosk.printing.documents.receipts import (
    ApplicationReceiptData,
    application_lookup_code,
    application_receipt,
    queue_ticket,
)
from kiosk.printing.printers import Printing
from kiosk.printing.printlog import PrintLog
from kiosk.store import Store, open_store
from tests.support.cups import (
    decode_qr,
    render_pages,
)

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
UPDATE_GOLDEN = os.environ.get("TONGBAN_UPDATE_GOLDEN") == "1"
ID = "11010519491231002X"
AT = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def receipt_data(number: str | None = "14050020261123000042") -> ApplicationReceiptData:
    return ApplicationReceiptData(
        item_name="城乡居民基本养老保险参保登记", applicant_name="张三", applicant_id_number=ID,
        submitted_at=AT, local_receipt="DEMO-0001-20261123-0007", terminal_code="DEMO-0001",
        hall_name="晋城市政务服务中心", application_number=number, status="受理",
        next_steps="承诺1个工作日内办结，结果将通过短信通知。", where_to_go="晋城市政务服务中心二楼社保窗口",
        phone="0356-12345678",
    )


def decode_png(path: Path) -> list[str]:
    image = ImageOps.expand(Image.open(path).convert("L"), border=24, fill=255)
    return [r.text for r in zxingcpp.read_barcodes(image)]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "data")
    yield s
    s.close()


@pytest.fixture
def plog(store: Store) -> PrintLog:
    return PrintLog(store, None)


@pytest.fixture
def printer_sim(tmp_path: Path) -> Iterator[PrinterSimulator]:
    sim = PrinterSimulator(tmp_path / "receipts", paper="80mm", speed_mm_s=0)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def receipt_printer(printer_sim: PrinterSimulator) -> Iterator[EscposPrinter]:
    host, port = printer_sim.address
    printer = EscposPrinter(name="receipt_printer", url=f"tcp://{host}:{port}", profile="80mm",
                            status_interval=0.2, io_timeout=1.0)
    printer.open()
    yield printer
    printer.close()


def test_a_receipt_prints_with_a_qr_that_opens_the_application(
    receipt_printer: EscposPrinter, printer_sim: PrinterSimulator, plog: PrintLog
) -> None:
    printing = Printing({"receipt_printer": receipt_printer}, plog)
    result = printing.print_receipt(application_receipt(receipt_data()), id_number=ID)
    assert result.ok, result.reason
    png = printer_sim.wait_receipt(5)
    assert decode_png(png) == [application_lookup_code("14050020261123000042")]
    [record] = plog.records()     # finding it by number is central's (no outbox here)
    assert (record.result, record.doc_type, record.doc_number, record.id_masked) == (
        "printed", "application_receipt", "14050020261123000042", ID[:4] + "*" * 10 + ID[-4:])
    assert plog.verify().ok


@pytest.mark.parametrize(
    ("name", "document"),
    [
        ("application-receipt", lambda: application_receipt(receipt_data())),
        ("application-receipt-pending", lambda: application_receipt(receipt_data(None))),
        ("queue-ticket", lambda: queue_ticket(hall_name="晋城市政务服务中心", ticket_number="A017",
                                              service="社会保障业务", waiting=6, issued_at=AT,
                                              window="12号窗口")),
    ],
)
def test_receipt_layouts_match_their_golden_images(
    name: str, document: object, receipt_printer: EscposPrinter, printer_sim: PrinterSimulator,
    plog: PrintLog, artifacts_dir: Path,
) -> None:
    printing = Printing({"receipt_printer": receipt_printer}, plog)
    assert printing.print_receipt(document()).ok  # type: ignore[operator]
    png = printer_sim.wait_receipt(5)
    printed = Image.open(png).convert("1")
    printed.save(artifacts_dir / f"receipt-{name}.png")
    golden_path = GOLDEN / f"receipt-{name}.png"
    if UPDATE_GOLDEN or not golden_path.exists():
        if not UPDATE_GOLDEN:
            pytest.fail(f"no golden image {golden_path}: run with TONGBAN_UPDATE_GOLDEN=1 and look at it")
        golden_path.parent.mkdir(parents=True, exist_ok=True)
        printed.save(golden_path)
    golden = Image.open(golden_path).convert("1")
    assert abs(golden.height - printed.height) <= 24, "the receipt grew or shrank by more than a line"
    height = min(golden.height, printed.height)
    diff = ImageChops.difference(golden.crop((0, 0, golden.width, height)).convert("L"),
                                 printed.crop((0, 0, printed.width, height)).convert("L"))
    differing = sum(1 for v in diff.getdata() if v) / (golden.width * height)
    assert differing < 0.01, f"{differing:.2%} of the pixels differ from {golden_path.name}"


def test_paper_out_mid_receipt_fails_and_the_reprint_prints_once(
    receipt_printer: EscposPrinter, printer_sim: PrinterSimulator, plog: PrintLog
) -> None:
    printing = Printing({"receipt_printer": receipt_printer}, plog)
    document = application_receipt(receipt_data())
    printer_sim.paper_out_after(200)             # the roll ends a quarter into the receipt
    failed = printing.print_receipt(document, id_number=ID)
    assert (failed.ok, failed.reason) == (False, "paper_out")
    partial = printer_sim.wait_receipt(5)
    assert partial.name.endswith("-partial.png")
    printer_sim.set_paper("normal")
    again = printing.print_receipt(document, id_number=ID)
    assert again.ok, again.reason
    full = printer_sim.wait_receipt(5)
    assert not full.name.endswith("-partial.png")
    assert decode_png(full) == [application_lookup_code("14050020261123000042")]
    with pytest.raises(TimeoutError):
        printer_sim.wait_receipt(1)              # exactly once
    records = plog.records()
    assert [(r.result, r.reason) for r in records] == [("printed", ""), ("failed", "paper_out")]
    assert plog.verify().ok



def proof_document() -> IssuedDocumentData:
    return IssuedDocumentData.from_mapping({
        "document_number": "140500-SB-20261123-000123", "verification_code": "K7Q2M9XD4TPLH3VA8WQE",
        "verify_url": "http://127.0.0.1:8480/api/v1/documents/K7Q2M9XD4TPLH3VA8WQE",
        "kind": "proof", "proof_code": "shebao_canbao", "title": "社会保险参保证明",
        "issuer": "晋城市社会保险事业服务中心", "issued_at": "2026-11-23T10:00:00+08:00",
        "holder": {"name": "张三", "id_number": ID},
        "fields": [{"label": "参保状态", "value": "正常参保"}],
        "paragraphs": ["兹证明张三自2015年1月起在我市参加城镇职工基本养老保险，现参保状态正常。"],
        "table": {"title": "缴费明细", "columns": ["年月", "险种", "缴费基数(元)", "缴费状态"],
                  "rows": [[f"2025-{m:02d}", "城镇职工基本养老保险", "4500.00", "已缴"] for m in range(1, 13)]},
        "notes": ["本证明可扫描二维码核验真伪。"],
    })


def test_a_proof_prints_through_cups_with_its_verification_qr(
    cups_sim: SimulatedCups, plog: PrintLog, tmp_path: Path
) -> None:
    cups_sim.skip_printed()
    printer = CupsPrinter(name="a4_printer", queue=cups_sim.queue, server=cups_sim.server,
                          status_interval=0.3)
    printer.open()
    try:
        data = proof_document()
        pdf = render_document_pdf(data, terminal_id="DEMO-0001", hall_name="晋城市政务服务中心",
                                  printed_at=AT)
        result = Printing({"a4_printer": printer}, plog).print_document(
            pdf, doc_type="proof", doc_number=data.document_number, title=data.title, pages=1,
            id_number=ID)
    finally:
        printer.close()
    assert result.ok, result.reason
    printed = cups_sim.wait_pdf(30)
    [page1, *_] = render_pages(printed, tmp_path)
    assert data.verify_url in decode_qr(page1)
    [record] = plog.records(doc_type="proof")
    assert (record.result, record.job_id, record.doc_number) == ("printed", result.job_id, data.document_number)


def test_a4_paper_out_mid_job_is_a_failed_print_and_the_reprint_prints_once(
    cups_sim: SimulatedCups, plog: PrintLog
) -> None:
    cups_sim.skip_printed()
    printer = CupsPrinter(name="a4_printer", queue=cups_sim.queue, server=cups_sim.server,
                          status_interval=0.3)
    printing = Printing({"a4_printer": printer}, plog, document_timeout=30)
    printer.open()
    try:
        pdf = render_document_pdf(proof_document(), terminal_id="DEMO-0001",
                                  hall_name="晋城市政务服务中心", printed_at=AT)
        cups_sim.set_print_delay(3.0)            # the job is in the printer when the paper ends
        threading.Timer(1.0, cups_sim.set_paper, args=("out",)).start()
        failed = printing.print_document(pdf, doc_type="proof", doc_number="N1", title="证明", pages=1)
        assert (failed.ok, failed.reason) == (False, "paper_out")
        assert printing.a4_ready() == (False, "paper_out")
        cups_sim.set_print_delay(0.0)
        cups_sim.set_paper("normal")
        deadline = time.monotonic() + 10
        while not printing.a4_ready()[0] and time.monotonic() < deadline:
            time.sleep(0.1)
        again = printing.print_document(pdf, doc_type="proof", doc_number="N1", title="证明", pages=1)
        assert again.ok, again.reason
        cups_sim.wait_pdf(30)
        with pytest.raises(TimeoutError):
            cups_sim.wait_pdf(3)                 # the cancelled job never prints
    finally:
        cups_sim.set_print_delay(0.0)
        cups_sim.set_paper("normal")
        printer.close()
    assert [(r.result, r.reason) for r in plog.records()] == [("printed", ""), ("failed", "paper_out")]
