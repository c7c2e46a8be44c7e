"""The one place where configured devices become driver objects."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from drivers.contracts import (
    CardReader,
    CodeScanner,
    Device,
    DocumentCamera,
    DocumentPrinter,
    IdReader,
    ReceiptPrinter,
)
from drivers.errors import DeviceError
from drivers.idcard.photo import load_decoder
from drivers.idcard.reader import SamSerialReader
from kiosk.config import ConfigError
from kiosk.config_devices import (
    CameraScannerSettings,
    CupsPrinterSettings,
    DevicesSettings,
    DocumentCameraSettings,
    EscposPrinterSettings,
    PcscReaderSettings,
    SamSerialReaderSettings,
    ScannerSettings,
    SerialScannerSettings,
    SimulatedCameraScannerSettings,
)


@runtime_checkable
class Rearmable(Protocol):
    """An ID reader that knows whether a card lies on it and can read that card again
    (drivers.idcard.reader.SamSerialReader)."""

    @property
    def card_present(self) -> bool: ...

    def read_again(self) -> None: ...


DEVICE_NAMES = ("id_reader", "card_reader", "receipt_printer", "a4_printer", "code_scanner",
                "document_camera")


def build_id_reader(settings: SamSerialReaderSettings, name: str = "id_reader") -> IdReader:
    """The SAM reader, with its WLT photo decoder plug-in when one is configured.

    Raises ConfigError naming ``devices.<name>.photo_decoder`` when the plug-in cannot be
    loaded (load_config already checked it; this catches a library gone since).
    """
    try:
        decoder = load_decoder(settings.photo_decoder)
    except DeviceError as err:
        raise ConfigError("", f"devices.{name}.photo_decoder", str(err)) from None
    return SamSerialReader(
        name=name,
        port=settings.port,
        baud=settings.baud,
        timeout=settings.timeout_s,
        poll_interval=settings.poll_interval_s,
        reconnect_interval=settings.reconnect_interval_s,
        fingerprint=settings.fingerprint,
        photo_decoder=decoder,
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


def build_card_reader(settings: PcscReaderSettings, name: str = "card_reader",
                      pin_pad: Any = None) -> CardReader:
    from drivers.pcsc.reader import PcscCardReader
    from drivers.pcsc.staff import TONGBAN_STAFF_AID

    aids: tuple[str | bytes, ...] = tuple(settings.staff_aids) or (TONGBAN_STAFF_AID,)
    return PcscCardReader(
        name, readers=settings.readers or None, staff_aids=aids, staff_uids=settings.staff_uids,
        ssse_pin_required=settings.ssse_pin_required, pin_pad=pin_pad, poll=settings.poll_s,
    )


def build_code_scanner(settings: ScannerSettings, name: str = "code_scanner") -> CodeScanner:
    if isinstance(settings, CameraScannerSettings | SimulatedCameraScannerSettings):
        from drivers.scan.camera import CameraScanner, FrameSource, OpenCvCamera
        from drivers.scan.decode import default_decoder
        from drivers.scan.sim_camera import SimulatedCamera

        source: FrameSource
        if isinstance(settings, CameraScannerSettings):
            source = OpenCvCamera(settings.device, settings.width, settings.height)
        else:
            source = SimulatedCamera(slot=settings.slot)
        return CameraScanner(name, source, decoder=default_decoder(settings.decoder),
                             repeat_window_s=settings.repeat_window_s)
    if isinstance(settings, SerialScannerSettings):
        from drivers.scan.serial_scanner import SerialScanner

        return SerialScanner(name, settings.port, baud=settings.baud, aim_prefix=settings.aim_prefix,
                             repeat_window_s=settings.repeat_window_s)
    from drivers.scan.wedge import WedgeScanner

    return WedgeScanner(name, settings.device, aim_prefix=settings.aim_prefix,
                        repeat_window_s=settings.repeat_window_s)


def build_document_camera(settings: DocumentCameraSettings, name: str = "document_camera",
                          jpeg_quality: int | None = None) -> DocumentCamera:
    """``jpeg_quality``: the pages' ([capture] jpeg_quality), else the driver's default."""
    from drivers.doccam.page import PageSettings

    page = PageSettings(jpeg_quality=jpeg_quality) if jpeg_quality is not None else None
    if settings.driver == "simulated":
        from drivers.doccam.sim import SimulatedDocumentCamera

        return SimulatedDocumentCamera(name, images=settings.images, page=page,
                                       platen=settings.platen)
    from drivers.doccam.camera import OpenCvDocumentCamera

    return OpenCvDocumentCamera(name, device=settings.device, page=page)


def build_devices(settings: DevicesSettings, pin_pad: Any = None,
                  jpeg_quality: int | None = None) -> dict[str, Device]:
    devices: dict[str, Device] = {}
    if settings.id_reader is not None:
        devices["id_reader"] = build_id_reader(settings.id_reader)
    if settings.card_reader is not None:
        devices["card_reader"] = build_card_reader(settings.card_reader, pin_pad=pin_pad)
    if settings.receipt_printer is not None:
        devices["receipt_printer"] = build_receipt_printer(settings.receipt_printer)
    if settings.a4_printer is not None:
        devices["a4_printer"] = build_a4_printer(settings.a4_printer)
    if settings.code_scanner is not None:
        devices["code_scanner"] = build_code_scanner(settings.code_scanner)
    if settings.document_camera is not None:
        devices["document_camera"] = build_document_camera(settings.document_camera,
                                                           jpeg_quality=jpeg_quality)
    return devices


def device_address(settings: DevicesSettings, name: str) -> str:
    """Where a configured device is (for diagnostics): port, URL or CUPS queue."""
    value = getattr(settings, name)
    if value is None:
        return ""
    for field in ("port", "url", "queue", "device", "slot"):
        if hasattr(value, field):
            return str(getattr(value, field))
    return ""
