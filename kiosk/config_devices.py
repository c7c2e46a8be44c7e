"""The ``[devices.*]`` settings: one model per driver, each checked as the driver will read it
(a printer URL parsed, a WLT decoder plug-in loaded, a barcode decoder known). Part of the
configuration (kiosk.config); kiosk.devices builds the drivers from these.
"""

from __future__ import annotations

import functools
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Strict(BaseModel):
    """The base of every settings model: unknown keys are rejected, values are frozen, and
    types are strict (pydantic strict mode): TOML's own strings, integers, floats, booleans
    and dates are taken as they are and nothing is coerced, so ``"yes"`` is not ``true`` and
    ``"30"`` is not ``30``. Models added later inherit all of this by subclassing Strict.

    The one conversion kept: TOML has no path type, so a string given for a field declared
    ``Path`` (or ``Path | None``, ``list[Path]``) becomes a Path."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _paths_from_strings(cls, data: Any) -> Any:
        names = _path_fields(cls)
        if not names or not isinstance(data, dict):
            return data
        return {key: _as_path(value) if key in names else value for key, value in data.items()}


def _as_path(value: Any) -> Any:
    if isinstance(value, str):
        return Path(value)
    if isinstance(value, list):
        return [Path(v) if isinstance(v, str) else v for v in value]
    return value


def _mentions_path(annotation: Any) -> bool:
    if annotation is Path:
        return True
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        return any(_mentions_path(arg) for arg in typing.get_args(annotation))
    return False


@functools.cache
def _path_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(name for name, field in model.model_fields.items()
                     if _mentions_path(field.annotation))


class SamSerialReaderSettings(Strict):
    driver: Literal["sam_serial"]
    port: str
    baud: Literal[9600, 19200, 38400, 57600, 115200] = 115200
    timeout_s: Annotated[float, Field(gt=0, le=10)] = 1.0
    poll_interval_s: Annotated[float, Field(ge=0.01, le=2)] = 0.05
    reconnect_interval_s: Annotated[float, Field(ge=0.1, le=60)] = 1.0
    fingerprint: bool = False
    photo_decoder: str | None = None  # "module:callable" of a WLT decoder plug-in

    @field_validator("photo_decoder")
    @classmethod
    def _photo_decoder(cls, value: str | None) -> str | None:
        return check_photo_decoder(value)


def check_photo_decoder(spec: str | None) -> str | None:
    """A configured WLT decoder must load; a wrong one is an error, never 'no photo'."""
    from drivers.errors import DeviceError
    from drivers.idcard.photo import load_decoder

    try:
        load_decoder(spec)
    except DeviceError as err:
        raise ValueError(str(err)) from None
    return spec or None


def check_printer_url(url: str) -> str:
    """tcp://host:port, serial:///dev/ttyX?baud=N, usb://VID:PID or file:///path."""
    from drivers.receipt.transport import parse_printer_url

    parse_printer_url(url)   # raises ValueError naming what is wrong
    return url


class EscposPrinterSettings(Strict):
    driver: Literal["escpos"]
    url: str                                  # tcp://10.0.0.5:9100, serial:///dev/ttyS1?baud=115200 ...
    paper: Literal["58mm", "80mm"] = "80mm"
    # Chinese as a raster rendered with the CJK font (works on every printer) or as
    # native GB18030 text (faster, sharper, only on printers with a Chinese font ROM).
    chinese: Literal["raster", "gb18030"] = "raster"
    font: Path | None = None                  # CJK font for raster text; default: fontconfig
    status_interval_s: Annotated[float, Field(gt=0.1, le=60)] = 2.0
    io_timeout_s: Annotated[float, Field(gt=0.1, le=30)] = 2.0
    job_timeout_s: Annotated[float, Field(gt=1, le=300)] = 30.0

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_printer_url(value)


class CupsPrinterSettings(Strict):
    driver: Literal["cups"]
    queue: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,127}$")]
    server: str | None = None                 # CUPS server (host:port or socket); default: the system's
    status_interval_s: Annotated[float, Field(gt=0.1, le=60)] = 2.0
    job_timeout_s: Annotated[float, Field(gt=5, le=900)] = 120.0


def check_decoder(name: str | None) -> str | None:
    from drivers.scan.decode import DECODERS

    if name is not None and name not in DECODERS:
        raise ValueError(f"unknown decoder {name!r} (known: {', '.join(sorted(DECODERS))})")
    return name


class _ScannerBase(Strict):
    # The same code read again within this window is one scan (a camera sees a held-up QR
    # in every frame; a citizen may press the trigger twice).
    repeat_window_s: Annotated[float, Field(ge=0, le=60)] = 2.0


class _CameraBase(_ScannerBase):
    decoder: str | None = None               # zxing-qr (default: measured fastest) | zxing | zbar | zbar-qr

    @field_validator("decoder")
    @classmethod
    def _decoder(cls, value: str | None) -> str | None:
        return check_decoder(value)


class CameraScannerSettings(_CameraBase):
    driver: Literal["camera"]
    device: str = "/dev/video0"              # V4L2 device; prefer a stable udev symlink
    width: Annotated[int, Field(ge=160, le=4096)] = 1280
    height: Annotated[int, Field(ge=120, le=4096)] = 720


class SimulatedCameraScannerSettings(_CameraBase):
    """Development and the demo: a simulated camera; an image written to ``slot`` is held
    in front of it until the file is deleted."""

    driver: Literal["camera_sim"]
    slot: Path


class SerialScannerSettings(_ScannerBase):
    driver: Literal["serial_scanner"]
    port: str
    baud: Literal[9600, 19200, 38400, 57600, 115200] = 9600
    aim_prefix: bool = False                 # scanner sends AIM identifiers (]Q1 ...)


class WedgeScannerSettings(_ScannerBase):
    """A USB scanner that types like a keyboard (evdev, grabbed so its keys reach only us)."""

    driver: Literal["wedge"]
    device: str                              # /dev/input/by-id/usb-...-event-kbd
    aim_prefix: bool = False


ScannerSettings = Annotated[
    CameraScannerSettings | SimulatedCameraScannerSettings | SerialScannerSettings | WedgeScannerSettings,
    Field(discriminator="driver"),
]


class PcscReaderSettings(Strict):
    """PC/SC card reader(s) through pcscd: social security cards (the second way to
    identify), staff cards (staff screen), bank cards (refused for identity)."""

    driver: Literal["pcsc"]
    readers: list[str] = []                  # substrings of reader names to use; empty: all
    staff_aids: list[Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{10,32}$")]] = []  # empty: the Tongban staff AID
    staff_uids: list[Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{8,20}$")]] = []
    ssse_pin_required: bool = False          # the region's social security cards need the PIN
    poll_s: Annotated[float, Field(gt=0.05, le=10)] = 1.0


class DocumentCameraSettings(Strict):
    driver: Literal["opencv", "simulated"]
    device: str = "/dev/video1"              # opencv: V4L2 device (a stable udev symlink is best)
    images: Path | None = None               # simulated: a folder of document images
    # simulated: a camera frame read at each capture while the file exists (the demo's
    # console writes it; missing: the empty desk). Takes precedence over ``images``.
    platen: Path | None = None


class DevicesSettings(Strict):
    id_reader: SamSerialReaderSettings | None = None
    receipt_printer: EscposPrinterSettings | None = None
    a4_printer: CupsPrinterSettings | None = None
    card_reader: PcscReaderSettings | None = None
    code_scanner: ScannerSettings | None = None
    document_camera: DocumentCameraSettings | None = None
