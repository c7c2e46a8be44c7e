"""预约凭条: the blocks (everything a citizen needs on the day, the name masked, the cancel
rule from the hall's rules) and the slip as the simulated printer puts it on paper: the
ESC/POS driver's bytes rendered to a PNG, its QR read back to the signed code, compared
with the golden image (tests/golden/receipt-appointment-slip.png; TONGBAN_UPDATE_GOLDEN=1
rewrites it, and then a person looks at it)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageOps

from drivers.receipt.model import Pair, QrCode, Text
from drivers.receipt.printer import EscposPrinter
from drivers.receipt.simulator import PrinterSimulator
from kiosk.central_api.booking import Appointment, Hall, HallRules
from kiosk.printing.documents.appointment_slip import AppointmentSlipData, appointment_slip
from kiosk.printing.printers import Printing
from kiosk.printing.printlog import PrintLog
from kiosk.store import open_store

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "receipt-appointment-slip.png"
UPDATE_GOLDEN = os.environ.get("TONGBAN_UPDATE_GOLDEN") == "1"
BEIJING = dt.timezone(dt.timedelta(hours=8))
# The shape of central's signed code (TONGBAN-APPT:<payload>.<signature>), its length too.
QR = ("TONGBAN-APPT:eyJ2IjoxLCJraWQiOiJrMjAyNiIsIm4iOiJZWTE0MDUwMDIwMjYxMjA4MDAwMDEyIiwiaSI6IuW"
      "fjuS5oeWxheawkeWfuuacrOWFu-iAgeS_nemZqeWPguS_neeZu-iusCIsImgiOiLmmYvln47luILmlL_liqHmnI3"
      "liqHkuK3lv4MiLCJzIjoiMjAyNi0xMi0wOFQxMjowMDowMCswODowMCJ9.c2lnbmF0dXJlLW9mLTY0LWJ5dGVzLX"
      "BhZGRlZC1mb3ItdGhlLXRlc3QtcHVycG9zZS1vZi1sZW5ndGgtMDEyMzQ1Njc4OWFiY2RlZg")


def appointment(**overrides: object) -> Appointment:
    data: dict[str, object] = {
        "code": "YY14050020261208000012", "number": "YY14050020261208000012", "qr": QR,
        "hall": "JC-ZWZX", "hall_name": "晋城市政务服务中心",
        "item_code": "11140500MB1947036N4000111001", "item_name": "城乡居民基本养老保险参保登记",
        "date": "2026-12-08", "time": "12:00", "end": "12:30", "session": "cuoshi",
        "status": "booked", "name_masked": "张*", "cancel_until": "2026-12-08T10:00:00+08:00",
        **overrides,
    }
    return Appointment.model_validate(data, strict=False)


HALL = Hall(code="JC-ZWZX", name="晋城市政务服务中心", address="晋城市城区凤台东街2288号 市民之家一层",
            phone="0356-12345", rules=HallRules())
PRINTED = dt.datetime(2026, 12, 6, 10, 15, tzinfo=BEIJING)


def slip(appt: Appointment | None = None, hall: Hall = HALL) -> object:
    return appointment_slip(AppointmentSlipData(appt or appointment(), hall, "JC-0001", PRINTED), BEIJING)


def pairs(doc: object) -> dict[str, str]:
    return {b.label: b.value for b in doc.blocks if isinstance(b, Pair)}  # type: ignore[attr-defined]


def text(doc: object) -> str:
    return "\n".join(b.text for b in doc.blocks if isinstance(b, Text))  # type: ignore[attr-defined]


def test_the_slip_carries_what_the_citizen_needs_on_the_day() -> None:
    doc = slip()
    assert doc.kind == "appointment_slip" and doc.number == "YY14050020261208000012"  # type: ignore[attr-defined]
    fields = pairs(doc)
    assert fields["预约号"] == "YY14050020261208000012"
    assert fields["预约事项"] == "城乡居民基本养老保险参保登记"
    assert fields["办理大厅"] == "晋城市政务服务中心"
    assert fields["大厅地址"] == "晋城市城区凤台东街2288号 市民之家一层"
    assert fields["预约日期"] == "2026年12月8日 星期二"
    assert fields["预约时段"] == "12:00—12:30（错时服务）"
    assert fields["预约人"] == "张*"
    assert fields["咨询电话"] == "0356-12345"
    assert fields["打印时间"] == "2026-12-06 10:15"
    words = text(doc)
    assert "预约凭条" in words
    assert "请提前到达并在一体机报到" in words
    assert "可在预约时段开始前2小时取消" in words
    [qr] = [b for b in doc.blocks if isinstance(b, QrCode)]  # type: ignore[attr-defined]
    assert qr.data == QR and "报到" in qr.caption


def test_the_rules_printed_are_the_halls() -> None:
    hall = HALL.model_copy(update={"rules": HallRules(cancel_before_minutes=90, checkin_early_minutes=45)})
    words = text(slip(hall=hall))
    assert "可在预约时段开始前1小时30分钟取消" in words and "开始前45分钟" in words
    assert "（" not in pairs(slip(appointment(session="regular", time="09:00", end="09:30")))["预约时段"]
    assert pairs(slip(appointment(session="wuxiu")))["预约时段"].endswith("（无休服务）")


@pytest.fixture
def printer() -> Iterator[tuple[Printing, PrinterSimulator]]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        sim = PrinterSimulator(Path(folder) / "receipts", paper="80mm", speed_mm_s=0)
        sim.start()
        host, port = sim.address
        driver = EscposPrinter(name="receipt_printer", url=f"tcp://{host}:{port}", profile="80mm",
                               status_interval=0.2, io_timeout=1.0)
        driver.open()
        store = open_store(Path(folder) / "data")
        try:
            yield Printing({"receipt_printer": driver}, PrintLog(store, None)), sim
        finally:
            driver.close()
            sim.stop()
            store.close()


def test_the_printed_slip_matches_its_golden_image_and_its_qr_reads_back(
    printer: tuple[Printing, PrinterSimulator], artifacts_dir: Path,
) -> None:
    printing, sim = printer
    result = printing.print_receipt(slip(), id_number="11010519491231002X")  # type: ignore[arg-type]
    assert result.ok, result.reason
    png = sim.wait_receipt(5)
    printed = Image.open(png).convert("1")
    printed.save(artifacts_dir / "receipt-appointment-slip.png")
    padded = ImageOps.expand(Image.open(png).convert("L"), border=24, fill=255)
    assert [r.text for r in zxingcpp.read_barcodes(padded)] == [QR]
    [record] = printing.log.records()
    assert (record.doc_type, record.doc_number, record.id_masked) == (
        "appointment_slip", "YY14050020261208000012", "1101**********002X")
    if UPDATE_GOLDEN or not GOLDEN.exists():
        if not UPDATE_GOLDEN:
            pytest.fail(f"no golden image {GOLDEN}: run with TONGBAN_UPDATE_GOLDEN=1 and look at it")
        printed.save(GOLDEN)
    golden = Image.open(GOLDEN).convert("1")
    assert abs(golden.height - printed.height) <= 24, "the slip grew or shrank by more than a line"
    height = min(golden.height, printed.height)
    diff = ImageChops.difference(golden.crop((0, 0, golden.width, height)).convert("L"),
                                 printed.crop((0, 0, printed.width, height)).convert("L"))
    differing = sum(1 for v in diff.getdata() if v) / (golden.width * height)
    assert differing < 0.01, f"{differing:.2%} of the pixels differ from {GOLDEN.name}"
