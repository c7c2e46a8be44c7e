"""Printing with a record: every attempt is logged before it is sent and finished after.

``Printing`` sits between flows and the printer drivers. It renders, writes the print log's
``sent`` row (with the SHA-256 of exactly the bytes that go to the printer), sends, follows
the job, and writes the ``finished`` row: printed, or failed with the driver's error code.
It never raises for printer trouble: the result says what happened, in stable codes the
screens turn into words.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from drivers.contracts import DocumentPrinter, ReceiptPrinter
from drivers.errors import DeviceError, ErrorCode
from drivers.receipt.model import ReceiptDocument
from drivers.status import DeviceStatus
from kiosk.printing.printlog import FAILED, PRINTED, PrintLog

log = logging.getLogger(__name__)

RECEIPT_PRINTER, A4_PRINTER = "receipt_printer", "a4_printer"


@dataclass(frozen=True)
class PrintResult:
    ok: bool
    entry_id: str = ""         # the print-log entry ("" when nothing was attempted)
    job_id: str = ""
    pages: int = 0
    reason: str = ""           # "" | an ErrorCode value | no_printer


class Printing:
    def __init__(
        self,
        devices: Mapping[str, object],
        printlog: PrintLog,
        receipt_timeout: float = 30.0,
        document_timeout: float = 120.0,
    ) -> None:
        receipt = devices.get(RECEIPT_PRINTER)
        a4 = devices.get(A4_PRINTER)
        self.receipt: ReceiptPrinter | None = receipt if isinstance(receipt, ReceiptPrinter) else None
        self.a4: DocumentPrinter | None = a4 if isinstance(a4, DocumentPrinter) else None
        self.log = printlog
        self.receipt_timeout = receipt_timeout
        self.document_timeout = document_timeout

    def receipt_status(self) -> DeviceStatus | None:
        return self.receipt.status() if self.receipt else None

    def a4_status(self) -> DeviceStatus | None:
        return self.a4.status() if self.a4 else None

    def a4_ready(self) -> tuple[bool, str]:
        """Whether a proof can be printed now, and if not the reason code."""
        return _ready(self.a4)

    def receipt_ready(self) -> tuple[bool, str]:
        return _ready(self.receipt)

    def print_receipt(self, document: ReceiptDocument, id_number: str | None = None) -> PrintResult:
        """Render and print a receipt; ``id_number`` (the citizen's) is logged masked + keyed."""
        printer = self.receipt
        if printer is None:
            return PrintResult(False, reason="no_printer")
        data = printer.render(document)
        entry = self.log.begin(
            doc_type=document.kind, doc_number=document.number, printer=RECEIPT_PRINTER,
            content=data, pages=1, id_number=id_number,
        )
        job_id = f"R-{uuid.uuid4().hex[:12]}"
        try:
            outcome = printer.print_bytes(data, job_id, self.receipt_timeout)
        except DeviceError as err:
            return self._failed(entry, job_id, err)
        except Exception:   # a driver bug must still leave the attempt finished in the log
            log.exception("receipt printer failed unexpectedly")
            return self._failed(entry, job_id, None)
        self.log.finish(entry, result=PRINTED, job_id=outcome.job_id, pages=outcome.pages)
        return PrintResult(True, entry, outcome.job_id, outcome.pages)

    def print_document(
        self,
        pdf: bytes,
        *,
        doc_type: str,
        doc_number: str,
        title: str,
        pages: int,
        id_number: str | None = None,
    ) -> PrintResult:
        """Print an A4 PDF through CUPS and wait for the job to finish."""
        printer = self.a4
        if printer is None:
            return PrintResult(False, reason="no_printer")
        entry = self.log.begin(
            doc_type=doc_type, doc_number=doc_number, printer=A4_PRINTER, content=pdf,
            pages=pages, id_number=id_number,
        )
        job_id = ""
        try:
            job_id = printer.submit_pdf(pdf, title)
            outcome = printer.wait_job(job_id, self.document_timeout)
        except DeviceError as err:
            return self._failed(entry, job_id, err)
        except Exception:
            log.exception("A4 printer failed unexpectedly")
            return self._failed(entry, job_id, None)
        self.log.finish(entry, result=PRINTED, job_id=outcome.job_id, pages=outcome.pages)
        return PrintResult(True, entry, outcome.job_id, outcome.pages)

    def _failed(self, entry: str, job_id: str, err: DeviceError | None) -> PrintResult:
        reason = err.code.value if err is not None else ErrorCode.JOB_FAILED.value
        self.log.finish(entry, result=FAILED, job_id=job_id, reason=reason)
        log.warning("print %s failed: %s", entry, reason)
        return PrintResult(False, entry, job_id, 0, reason)


def _ready(device: ReceiptPrinter | DocumentPrinter | None) -> tuple[bool, str]:
    if device is None:
        return False, "no_printer"
    status = device.status()
    if status.ready:
        return True, ""
    return False, status.fault or status.state.value
