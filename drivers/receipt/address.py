"""Printer URLs, parsed into typed addresses.

    tcp://192.168.1.50          TCP, port 9100 unless given (tcp://host:9101)
    serial:///dev/ttyS0?baud=9600&rtscts=1   serial port, 115200 baud unless given
    usb://0416:5011             USB vendor:product id in hex (?in_ep=0x82&out_ep=0x01)
    file:///dev/usb/lp0         write-only (a usblp node or a plain file): no status

A bad URL is a configuration error: ValueError with one line naming what is wrong.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class TcpAddress:
    host: str
    port: int = 9100

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp://{host}:{self.port}"


@dataclass(frozen=True)
class SerialAddress:
    device: str
    baud: int = 115200
    rtscts: bool = False

    def __str__(self) -> str:
        return f"serial://{self.device}?baud={self.baud}" + ("&rtscts=1" if self.rtscts else "")


@dataclass(frozen=True)
class UsbAddress:
    vendor_id: int
    product_id: int
    in_ep: int = 0x82
    out_ep: int = 0x01

    def __str__(self) -> str:
        return f"usb://{self.vendor_id:04x}:{self.product_id:04x}"


@dataclass(frozen=True)
class FileAddress:
    path: str

    def __str__(self) -> str:
        return f"file://{self.path}"


PrinterAddress = TcpAddress | SerialAddress | UsbAddress | FileAddress
_USB_IDS = re.compile(r"^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def parse_printer_url(url: str) -> PrinterAddress:
    """The typed address of a printer URL; ValueError naming what is wrong."""
    parts = urlsplit(url.strip())
    query = parse_qs(parts.query, keep_blank_values=True)
    options = {key: values[-1] for key, values in query.items()}
    if parts.fragment:
        raise ValueError(f"printer URL {url!r}: unexpected '#{parts.fragment}'")
    if parts.scheme == "tcp":
        _only(url, options, ())
        if parts.path not in ("", "/"):
            raise ValueError(f"printer URL {url!r}: a tcp URL has no path ({parts.path!r})")
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            raise ValueError(f"printer URL {url!r}: port must be a number 1-65535") from None
        if not host:
            raise ValueError(f"printer URL {url!r}: no host (use tcp://host:9100)")
        if port == 0:
            raise ValueError(f"printer URL {url!r}: port must be a number 1-65535")
        return TcpAddress(host, port or 9100)
    if parts.scheme == "serial":
        _only(url, options, ("baud", "rtscts"))
        device = _local_path(url, parts.netloc, parts.path, "serial:///dev/ttyUSB0")
        baud = _positive_int(url, "baud", options.get("baud", "115200"))
        return SerialAddress(device, baud, _flag(url, "rtscts", options.get("rtscts", "0")))
    if parts.scheme == "usb":
        _only(url, options, ("in_ep", "out_ep"))
        ids = _USB_IDS.match(parts.netloc)
        if not ids or parts.path not in ("", "/"):
            raise ValueError(
                f"printer URL {url!r}: expected usb://VID:PID with 4 hex digits each "
                "(e.g. usb://0416:5011)"
            )
        return UsbAddress(
            int(ids.group(1), 16), int(ids.group(2), 16),
            _endpoint(url, "in_ep", options.get("in_ep", "0x82")),
            _endpoint(url, "out_ep", options.get("out_ep", "0x01")),
        )
    if parts.scheme == "file":
        _only(url, options, ())
        return FileAddress(_local_path(url, parts.netloc, parts.path, "file:///dev/usb/lp0"))
    scheme = parts.scheme or "(none)"
    raise ValueError(
        f"printer URL {url!r}: unsupported scheme {scheme!r} "
        "(use tcp://, serial://, usb:// or file://)"
    )


def _only(url: str, options: dict[str, str], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        accepted = ", ".join(allowed) or "none"
        raise ValueError(
            f"printer URL {url!r}: unknown option {unknown[0]!r} (accepted: {accepted})"
        )


def _local_path(url: str, netloc: str, path: str, example: str) -> str:
    if netloc:
        raise ValueError(f"printer URL {url!r}: the path must be absolute (e.g. {example})")
    if not path or path == "/":
        raise ValueError(f"printer URL {url!r}: no path (e.g. {example})")
    return path


def _positive_int(url: str, name: str, value: str) -> int:
    if not value.isdigit() or int(value) <= 0:
        raise ValueError(f"printer URL {url!r}: {name} must be a positive number, not {value!r}")
    return int(value)


def _flag(url: str, name: str, value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ValueError(f"printer URL {url!r}: {name} must be 0 or 1, not {value!r}")


def _endpoint(url: str, name: str, value: str) -> int:
    try:
        number = int(value, 0)
    except ValueError:
        number = -1
    if not 0 <= number <= 0xFF:
        raise ValueError(f"printer URL {url!r}: {name} must be an endpoint number like 0x82")
    return number


def describe_error(where: object, err: BaseException) -> str:
    """Technician detail: address and errno name, e.g. ``tcp://10.0.0.9:9100: ECONNREFUSED``."""
    number = getattr(err, "errno", None)
    if isinstance(number, int) and number in errno.errorcode:
        return f"{where}: {errno.errorcode[number]}"
    return f"{where}: {err or type(err).__name__}"
