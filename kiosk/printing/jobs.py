"""What flows print, glued to the layouts (kiosk/printing/documents) and the logged printing
(kiosk/printing/printers.py): the 办件受理回执 of a filed application, the rendered proofs, the test
pages of `kiosk print-test`. Every time on paper is the hall's wall time (``[terminal]
timezone``), whatever the host's TZ."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from typing import Any

from drivers.receipt.model import ReceiptDocument
from kiosk import hall_time
from kiosk.central_api.models import Item, MineApplication
from kiosk.config import KioskConfig
from kiosk.flows.proofs import RenderedDocument
from kiosk.flows.yizheng_views import ResultView
from kiosk.printing.documents.a4 import IssuedDocumentData, pdf_page_count, render_document_pdf
from kiosk.printing.documents.handover import HandoverData, handover_slip
from kiosk.printing.documents.notice import notice
from kiosk.printing.documents.preview import render_preview_png
from kiosk.printing.documents.receipts import (
    ApplicationReceiptData,
    application_receipt,
    print_test_code,
)
from kiosk.printing.documents.receipts import test_page as receipt_test_layout
from kiosk.printing.printers import Printing, PrintResult

# pdfium is not thread-safe: one render at a time in this process.
_PDFIUM = threading.Lock()


def terminal_code(config: KioskConfig) -> str:
    return config.terminal.terminal_code or "LOCAL"


class ApplicationReceipts:
    """Prints the 办件受理回执 for a 一证通办 result."""

    def __init__(self, config: KioskConfig, printing: Printing,
                 clock: hall_time.Clock = time.time) -> None:
        self._config = config
        self._printing = printing
        self._zone = hall_time.hall_zone(config)
        self._clock = clock

    def ready(self) -> tuple[bool, str]:
        return self._printing.receipt_ready()

    def print_receipt(self, result: ResultView, card: dict[str, str], item: Any,
                      agent_masked: str = "") -> PrintResult:
        """``card``: the applicant's (the principal when filed by an agent, who is named
        ``agent_masked``: 李*（子女）)."""
        data = ApplicationReceiptData(
            agent_masked=agent_masked,
            item_name=result.item_name,
            applicant_name=card.get("name") or card.get("name_en", ""),
            applicant_id_number=card["id_number"],
            submitted_at=hall_time.now(self._zone, self._clock),
            local_receipt=result.local_receipt,
            terminal_code=terminal_code(self._config),
            hall_name=self._config.terminal.hall_name,
            application_number=result.application_number or None,
            status=result.status if result.delivered else "",
            next_steps=result.next_steps,
            where_to_go=getattr(item, "where_to_go", "") or "",
            phone=getattr(item, "phone", "") or "",
            check_code=result.check_code,
            tracking_url=result.tracking_url,
        )
        return self._printing.print_receipt(application_receipt(data, self._zone),
                                            id_number=card["id_number"])

    def reprint(self, app: MineApplication, card: dict[str, str], item: Any = None) -> PrintResult:
        """补打回执 (办件查询): the 办件受理回执 of one of the identified citizen's applications,
        as central keeps it now (status, 查询码, the tracking QR). The applicant printed is
        the one identified here; an agent's reprint names the applicant masked by central
        instead (the agent is not the applicant)."""
        own = app.role != "agent"
        data = ApplicationReceiptData(
            item_name=app.item_name,
            applicant_name=(card.get("name") or card.get("name_en", "")) if own else "",
            applicant_id_number=card["id_number"] if own else "",
            submitted_at=app.submitted_at or hall_time.now(self._zone, self._clock),
            local_receipt=app.local_receipt,
            terminal_code=terminal_code(self._config),
            hall_name=self._config.terminal.hall_name,
            application_number=app.application_number,
            status=app.status,
            next_steps=app.next_steps,
            where_to_go=getattr(item, "where_to_go", "") or "",
            phone=getattr(item, "phone", "") or "",
            check_code=app.check_code,
            tracking_url=app.tracking_url,
            applicant_masked="" if own else app.applicant_masked,
        )
        return self._printing.print_receipt(application_receipt(data, self._zone),
                                            id_number=card["id_number"])

    def print_handover(self, result: ResultView, draft: HandoverData) -> PrintResult:
        """The 收件交接单 of a 异地代收 application (docs/casework.md §7): the flow's draft
        (masked applicant, pages' hashes, where it goes, how it comes back) completed with
        the number central gave (or the local receipt), the time, this terminal and hall."""
        data = dataclasses.replace(
            draft, local_receipt=result.local_receipt,
            application_number=result.application_number or "",
            received_at=hall_time.now(self._zone, self._clock),
            terminal_code=terminal_code(self._config), hall_name=self._config.terminal.hall_name,
        )
        return self._printing.print_receipt(handover_slip(data, self._zone))


class NoticeReceipts:
    """Prints 一次性告知单 (kiosk/printing/documents/notice.py) on the receipt printer:
    nobody identified, nothing personal on it (办事指南, the 一证通办 item page)."""

    def __init__(self, config: KioskConfig, printing: Printing, region_code: str = "",
                 clock: hall_time.Clock = time.time) -> None:
        self._printing = printing
        self._region = region_code or config.terminal.region_code or ""
        self._zone = hall_time.hall_zone(config)
        self._clock = clock

    def ready(self) -> tuple[bool, str]:
        return self._printing.receipt_ready()

    def print_notice(self, item: Item, region_names: dict[str, str] | None = None) -> PrintResult:
        document = notice(item, terminal_region_code=self._region or None,
                          printed_at=hall_time.now(self._zone, self._clock), zone=self._zone,
                          region_names=region_names)
        return self._printing.print_receipt(document)


class ProofRenderer:
    """Central's issued document -> the PDF the terminal prints, and page one as a PNG."""

    def __init__(self, config: KioskConfig, preview_width: int = 1800,
                 clock: hall_time.Clock = time.time) -> None:
        self._config = config
        self._width = preview_width
        self._zone = hall_time.hall_zone(config)
        self._clock = clock

    def __call__(self, issued: Any) -> RenderedDocument:
        raw = issued.model_dump() if hasattr(issued, "model_dump") else issued
        data = IssuedDocumentData.from_mapping(raw)
        pdf = render_document_pdf(
            data, terminal_id=terminal_code(self._config),
            hall_name=self._config.terminal.hall_name,
            printed_at=hall_time.now(self._zone, self._clock), zone=self._zone,
        )
        with _PDFIUM:
            pages = pdf_page_count(pdf)
            preview = render_preview_png(pdf, 0, self._width)
        return RenderedDocument(data.document_number, data.title, data.issuer, pdf, pages, preview)


def receipt_test_page(printer: str, where: str, state: str, now: dt.datetime,
                      terminal: str, config: KioskConfig) -> ReceiptDocument:
    settings = config.devices.receipt_printer
    profile = settings.paper if settings and settings.url == where else "-"
    return receipt_test_layout(f"{printer} ({where})", profile, state, now, terminal,
                               hall_time.hall_zone(config))


def a4_test_page(where: str, state: str, now: dt.datetime, terminal: str,
                 config: KioskConfig) -> tuple[bytes, int, str]:
    """A one-page A4 test print: the document layout with test content; its QR carries
    ``TONGBAN-PRINT-TEST:...`` instead of a verification address."""
    zone = hall_time.hall_zone(config)
    stamp = hall_time.compact(now, zone)
    number = f"TEST-{terminal}-{stamp}"
    data = IssuedDocumentData.from_mapping({
        "document_number": number,
        "verification_code": "TEST" + stamp[8:],
        "verify_url": print_test_code(terminal, now, zone),
        "kind": "test_page",
        "proof_code": "test_page",
        "title": "打印测试页",
        "issuer": config.terminal.hall_name,
        "issued_at": now,
        "holder": {"name": "测试", "id_number": "-"},
        "fields": [
            {"label": "打印机", "value": where},
            {"label": "状态", "value": state},
            {"label": "终端", "value": terminal},
            {"label": "中文与标点", "value": "政务服务，一网通办。全角￥１２３，半角 ABC abc 0123456789"},
        ],
        "paragraphs": ["这是一张打印测试页：中文、数字、二维码与页码均应清晰完整，页面四边不应有内容被裁切。"],
        "notes": ["扫描二维码应得到以 TONGBAN-PRINT-TEST 开头的内容。"],
    })
    pdf = render_document_pdf(data, terminal_id=terminal, hall_name=config.terminal.hall_name,
                              printed_at=now, zone=zone)
    with _PDFIUM:
        pages = pdf_page_count(pdf)
    return pdf, pages, number


def print_test_page(printing: Printing, target: str, where: str, state: str, now: dt.datetime,
                    terminal: str, config: KioskConfig) -> PrintResult:
    """A test page on the receipt printer (``target`` "receipt") or the A4 printer ("a4"),
    through the logged printing: `kiosk print-test` and the technician's screen."""
    if target == "receipt":
        name = printing.receipt.name if printing.receipt is not None else "receipt_printer"
        return printing.print_receipt(receipt_test_page(name, where, state, now, terminal, config))
    pdf, pages, number = a4_test_page(where, state, now, terminal, config)
    return printing.print_document(pdf, doc_type="test_page", doc_number=number,
                                   title="打印测试页", pages=pages)
