"""The one place where configured devices become driver objects."""

from __future__ import annotations

from pathlib import Path

from drivers.contracts import Device, DocumentPrinter, IdReader, ReceiptPrinter
from drivers.idcard.reader import SamSerialReader

from .config import (
    CupsPrinterSettings,
    DevicesSettings,
    EscposPrinterSettings,
    SamSerialReaderSettings,
)

DEVICE_NAMES = ("id_reader", "receipt_printer", "a4_printer")


def build_id_reader(settings: SamSerialReaderSettings, name: str = "id_reader") -> IdReader:
    return SamSerialReader(
        name=name,
        port=settings.port,
        baud=settings.baud,
        timeout=settings.timeout_s,
        poll_interval=settings.poll_interval_s,
        reconnect_interval=settings.reconnect_interval_s,
        fingerprint=settings.fingerprint,
    )


def build_receipt_printer(settings: EscposPrinterSettings, name: str = "receipt_printer") -> ReceiptPrinter:
    from drivers.receipt.printer import EscposPrinter

    return EscposPrinter(
        name=name,
        url=settings.url,
        profile=settings.paper,
        chinese=settings.chinese,
        font=Path(settings.font) if settings.font else None,
        status_interval=settings.status_interval_s,
        io_timeout=settings.io_timeout_s,
    )


def build_a4_printer(settings: CupsPrinterSettings, name: str = "a4_printer") -> DocumentPrinter:
    from drivers.a4.cups_printer import CupsPrinter

    return CupsPrinter(
        name=name, queue=settings.queue, server=settings.server,
        status_interval=settings.status_interval_s,
    )


def build_devices(settings: DevicesSettings) -> dict[str, Device]:
    devices: dict[str, Device] = {}
    if settings.id_reader is not None:
        devices["id_reader"] = build_id_reader(settings.id_reader)
    if settings.receipt_printer is not None:
        devices["receipt_printer"] = build_receipt_printer(settings.receipt_printer)
    if settings.a4_printer is not None:
        devices["a4_printer"] = build_a4_printer(settings.a4_printer)
    return devices


def device_address(settings: DevicesSettings, name: str) -> str:
    """Where a configured device is (for diagnostics): port, URL or CUPS queue."""
    value = getattr(settings, name)
    if value is None:
        return ""
    for field in ("port", "url", "queue"):
        if hasattr(value, field):
            return str(getattr(value, field))
    return ""
