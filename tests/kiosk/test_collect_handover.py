"""收件交接单 (kiosk/printing/documents/handover.py): what it says, what it never says, and the
slip as the simulated receipt printer puts it on paper (tests/artifacts/receipt-handover*.png,
looked at), printed through ApplicationReceipts.print_handover like the flow prints it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from drivers.receipt.model import Pair, Text
from drivers.receipt.printer import EscposPrinter
from drivers.receipt.simulator import PrinterSimulator
from kiosk.config import load_config
from kiosk.flows.yizheng_views import ResultView
from kiosk.printing.documents.handover import HandoverData, HandoverMaterial, handover_slip
from kiosk.printing.jobs import ApplicationReceipts
from kiosk.printing.printers import Printing
from kiosk.printing.printlog import PrintLog
from kiosk.store import open_store

BEIJING = dt.timezone(dt.timedelta(hours=8))
HASHES = [hashlib.sha256(f"page {n}".encode()).hexdigest() for n in range(3)]
ID_NUMBER, NAME, ADDRESS = "140502198001010012", "张三", "山西省晋城市城区凤台东街1号"


def data(**changes: Any) -> HandoverData:
    base = HandoverData(
        item_name="住房公积金提取（异地购房）", item_code="11410800MB1C21746K8000221001",
        local_receipt="T-0001-20261206-0001", application_number="14050020261206000021",
        applicant_masked="张*", id_number_masked="1405**********0012",
        materials=(HandoverMaterial("M03", "购房合同", tuple(HASHES[:2])),
                   HandoverMaterial("M04", "购房发票", (HASHES[2],))),
        handling_region="河南省焦作市（410800）", department="焦作市住房公积金管理中心",
        delivery_method="post", address_masked="山西省晋城市********", pickup_hall="",
        received_at=dt.datetime(2026, 12, 6, 2, 5, tzinfo=dt.UTC), terminal_code="T-0001",
        hall_name="晋城市政务服务中心",
    )
    return dataclasses.replace(base, **changes)


def text_of(doc: Any) -> str:
    lines = []
    for block in doc.blocks:
        if isinstance(block, Text):
            lines.append(block.text)
        elif isinstance(block, Pair):
            lines.append(f"{block.label}：{block.value}")
    return "\n".join(lines)


def test_the_slip_names_every_page_by_its_hash_where_it_goes_and_how_it_comes_back() -> None:
    doc = handover_slip(data(), BEIJING)
    text = text_of(doc)
    assert doc.kind == "handover" and doc.number == "14050020261206000021"
    assert "办件编号：14050020261206000021" in text and "本机受理号：T-0001-20261206-0001" in text
    assert "收取材料（共2项，3页）" in text
    assert "1. 购房合同（2页）" in text and "2. 购房发票（1页）" in text
    assert [line.split("：")[1] for line in text.splitlines() if line.startswith("第")] == [
        h[:16] for h in HASHES]
    assert "办理地：河南省焦作市（410800）" in text and "办理部门：焦作市住房公积金管理中心" in text
    assert "邮寄送达：山西省晋城市********" in text
    assert "收件时间：2026-12-06 10:05" in text        # the hall's wall time
    assert "终端编号：T-0001" in text
    for secret in (ID_NUMBER, NAME, ADDRESS, "凤台"):
        assert secret not in text


def test_offline_the_local_receipt_is_the_number_and_pickup_names_this_hall() -> None:
    doc = handover_slip(data(application_number="", delivery_method="pickup", address_masked="",
                             pickup_hall="晋城市政务服务中心"))
    text = text_of(doc)
    assert doc.number == "T-0001-20261206-0001" and "办件编号：" not in text
    assert "到本厅领取：晋城市政务服务中心" in text


def test_a_hash_that_is_not_a_sha256_is_refused() -> None:
    with pytest.raises(ValueError):
        data(materials=(HandoverMaterial("M03", "购房合同", ("abc",)),))


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[tuple[Printing, PrinterSimulator]]:
    sim = PrinterSimulator(tmp_path / "receipts", paper="80mm", speed_mm_s=0)
    sim.start()
    host, port = sim.address
    driver = EscposPrinter(name="receipt_printer", url=f"tcp://{host}:{port}", profile="80mm",
                           status_interval=0.2, io_timeout=1.0)
    driver.open()
    store = open_store(tmp_path / "data")
    try:
        yield Printing({"receipt_printer": driver}, PrintLog(store, None)), sim
    finally:
        driver.close()
        sim.stop()
        store.close()


def test_the_print_job_completes_the_draft_and_the_printer_puts_it_on_paper(
        printer: tuple[Printing, PrinterSimulator], tmp_path: Path, artifacts_dir: Path) -> None:
    printing, sim = printer
    site = tmp_path / "kiosk.toml"
    site.write_text('profile = "hall"\n[terminal]\nhall_name = "晋城市政务服务中心"\n'
                    f'terminal_code = "T-0007"\ndata_dir = "{tmp_path / "d"}"\n', encoding="utf-8")
    config = load_config(site)
    job = ApplicationReceipts(config, printing, clock=lambda: 1796536800.0)  # 2026-12-06 14:00 Beijing
    draft = data(local_receipt="", application_number="", terminal_code="", hall_name="")
    result = ResultView(True, "T-0007-20261206-0003", "14050020261206000021", "住房公积金提取（异地购房）",
                        "收件", (), "", "")
    outcome = job.print_handover(result, draft)
    assert outcome.ok, outcome.reason
    png = sim.wait_receipt(5)
    image = Image.open(png)
    image.save(artifacts_dir / "receipt-handover.png")
    assert image.width == 576 and image.height > 900      # 80 mm at 203 dpi, a long slip
    [record] = printing.log.records()
    assert (record.doc_type, record.doc_number) == ("handover", "14050020261206000021")
