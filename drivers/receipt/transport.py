"""The small transports that talk to a receipt printer (addresses: address.py).

The ESC/POS protocol lives once (printer.py); a transport only writes bytes and reads the
status answers with a timeout, python-escpos style. python-escpos's own Network transport
cannot read reliably, so TCP and serial are small classes here over socket / pyserial; USB
goes through python-escpos's ``Usb`` (pyusb), kept thin because it cannot be tested here.
Every failure leaves as DeviceUnavailable (gone, refused, lost) or DeviceTimeout; a
transport that failed is closed by its owner and opened again on the next use.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import threading
import time
from typing import Any, Protocol

import serial

from ..errors import DeviceTimeout, DeviceUnavailable, ErrorCode
from .address import (
    FileAddress,
    PrinterAddress,
    SerialAddress,
    TcpAddress,
    UsbAddress,
    describe_error,
    parse_printer_url,
)

__all__ = [
    "FileAddress", "PrinterAddress", "SerialAddress", "TcpAddress", "UsbAddress",
    "Transport", "open_transport", "parse_printer_url",
]

SLICE = 0.05              # longest uninterruptible wait, so a watcher stops promptly


# -- transports ---------------------------------------------------------------------------


class Transport(Protocol):
    can_read: bool                 # False: write-only, the printer's status is unknown

    @property
    def address(self) -> PrinterAddress: ...

    def open(self, timeout: float, cancel: threading.Event | None = None) -> None: ...

    def write(self, data: bytes, timeout: float) -> None: ...

    def read(self, size: int, timeout: float, cancel: threading.Event | None = None) -> bytes:
        """Up to ``size`` bytes, as soon as any arrive; b"" when none came in ``timeout``."""

    def discard_input(self) -> None:
        """Drop bytes that arrived unasked (late answers to an abandoned query)."""

    def close(self) -> None: ...


def open_transport(
    address: PrinterAddress, timeout: float, cancel: threading.Event | None = None
) -> Transport:
    transport: Transport
    if isinstance(address, TcpAddress):
        transport = TcpTransport(address)
    elif isinstance(address, SerialAddress):
        transport = SerialTransport(address)
    elif isinstance(address, UsbAddress):
        transport = UsbTransport(address)
    else:
        transport = FileTransport(address)
    transport.open(timeout, cancel)
    return transport


def _cancelled(cancel: threading.Event | None) -> bool:
    return cancel is not None and cancel.is_set()


class TcpTransport:
    can_read = True

    def __init__(self, address: TcpAddress) -> None:
        self.address = address
        self._sock: socket.socket | None = None

    def open(self, timeout: float, cancel: threading.Event | None = None) -> None:
        deadline = time.monotonic() + timeout
        where = self.address
        try:
            infos = socket.getaddrinfo(where.host, where.port, type=socket.SOCK_STREAM)
        except OSError as err:
            raise DeviceUnavailable(describe_error(where, err), ErrorCode.NO_DEVICE) from err
        family, kind, proto, _name, sockaddr = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.setblocking(False)
        try:
            result = sock.connect_ex(sockaddr)
            while result in (errno.EINPROGRESS, errno.EALREADY, errno.EWOULDBLOCK):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or _cancelled(cancel):
                    raise DeviceUnavailable(f"{where}: connect timed out", ErrorCode.NO_DEVICE)
                _r, writable, _x = select.select([], [sock], [], min(SLICE, remaining))
                if writable:
                    result = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if result != 0:
                raise DeviceUnavailable(
                    describe_error(where, OSError(result, os.strerror(result))),
                    ErrorCode.NO_DEVICE,
                )
            # Status queries are three bytes; Nagle would hold them back.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        except BaseException:
            sock.close()
            raise
        self._sock = sock

    def _socket(self) -> socket.socket:
        if self._sock is None:
            raise DeviceUnavailable(f"{self.address}: not connected", ErrorCode.NO_DEVICE)
        return self._sock

    def write(self, data: bytes, timeout: float) -> None:
        sock = self._socket()
        deadline = time.monotonic() + timeout
        view = memoryview(data)
        while view:
            try:
                sent = sock.send(view)
                view = view[sent:]
                continue
            except BlockingIOError:
                pass
            except OSError as err:
                raise self._lost(err) from err
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeviceTimeout(f"{self.address}: printer stopped taking data",
                                    ErrorCode.TIMEOUT)
            select.select([], [sock], [], min(SLICE, remaining))

    def read(self, size: int, timeout: float, cancel: threading.Event | None = None) -> bytes:
        sock = self._socket()
        deadline = time.monotonic() + timeout
        while True:
            try:
                data = sock.recv(size)
            except BlockingIOError:
                data = None
            except OSError as err:
                raise self._lost(err) from err
            if data == b"":
                raise DeviceUnavailable(f"{self.address}: printer closed the connection",
                                        ErrorCode.NO_DEVICE)
            if data:
                return data
            remaining = deadline - time.monotonic()
            if remaining <= 0 or _cancelled(cancel):
                return b""
            select.select([sock], [], [], min(SLICE, remaining))

    def discard_input(self) -> None:
        while self.read(4096, 0.0):
            pass

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def _lost(self, err: OSError) -> DeviceUnavailable:
        return DeviceUnavailable(describe_error(self.address, err), ErrorCode.NO_DEVICE)


class SerialTransport:
    can_read = True

    def __init__(self, address: SerialAddress) -> None:
        self.address = address
        self._port: serial.Serial | None = None

    def open(self, timeout: float, cancel: threading.Event | None = None) -> None:
        options: dict[str, Any] = {"exclusive": True} if os.name == "posix" else {}
        try:
            port = serial.Serial(
                self.address.device, self.address.baud, rtscts=self.address.rtscts,
                timeout=SLICE, write_timeout=timeout, **options,
            )
            port.reset_input_buffer()
        except (serial.SerialException, OSError, ValueError) as err:
            raise DeviceUnavailable(describe_error(self.address, err),
                                    ErrorCode.NO_DEVICE) from err
        self._port = port

    def _serial(self) -> serial.Serial:
        if self._port is None:
            raise DeviceUnavailable(f"{self.address}: not open", ErrorCode.NO_DEVICE)
        return self._port

    def write(self, data: bytes, timeout: float) -> None:
        port = self._serial()
        try:
            port.write_timeout = max(timeout, 0.001)
            port.write(data)
        except serial.SerialTimeoutException as err:
            # With RTS/CTS a printer holds CTS low while it cannot take more (paper out).
            raise DeviceTimeout(f"{self.address}: printer stopped taking data",
                                ErrorCode.TIMEOUT) from err
        except (serial.SerialException, OSError) as err:
            raise DeviceUnavailable(describe_error(self.address, err),
                                    ErrorCode.NO_DEVICE) from err

    def read(self, size: int, timeout: float, cancel: threading.Event | None = None) -> bytes:
        port = self._serial()
        deadline = time.monotonic() + timeout
        try:
            while True:
                port.timeout = max(0.0, min(SLICE, deadline - time.monotonic()))
                data = bytes(port.read(size))
                if data or time.monotonic() >= deadline or _cancelled(cancel):
                    return data
        except (serial.SerialException, OSError) as err:
            raise DeviceUnavailable(describe_error(self.address, err),
                                    ErrorCode.NO_DEVICE) from err

    def discard_input(self) -> None:
        try:
            self._serial().reset_input_buffer()
        except (serial.SerialException, OSError) as err:
            raise DeviceUnavailable(describe_error(self.address, err),
                                    ErrorCode.NO_DEVICE) from err

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except OSError:  # a vanished adapter may fail to close; it is gone either way
                pass


class UsbTransport:
    """Through python-escpos's ``Usb`` (pyusb); timeouts are whole milliseconds there."""

    can_read = True

    def __init__(self, address: UsbAddress) -> None:
        self.address = address
        self._printer: Any = None

    def open(self, timeout: float, cancel: threading.Event | None = None) -> None:
        try:
            import usb.core  # noqa: F401  (pyusb: python-escpos's "usb" extra)
            from escpos.printer import Usb
        except ImportError as err:
            raise DeviceUnavailable(
                f"{self.address}: pyusb is not installed (python-escpos[usb])",
                ErrorCode.NO_DEVICE,
            ) from err
        printer = Usb(
            self.address.vendor_id, self.address.product_id,
            timeout=_ms(timeout), in_ep=self.address.in_ep, out_ep=self.address.out_ep,
        )
        try:
            printer.open()
        except Exception as err:  # DeviceNotFoundError, USBError, no permission ...
            raise DeviceUnavailable(describe_error(self.address, err),
                                    ErrorCode.NO_DEVICE) from err
        self._printer = printer

    def write(self, data: bytes, timeout: float) -> None:
        import usb.core

        try:
            self._device().write(self.address.out_ep, data, _ms(timeout))
        except usb.core.USBTimeoutError as err:
            raise DeviceTimeout(f"{self.address}: printer stopped taking data",
                                ErrorCode.TIMEOUT) from err
        except usb.core.USBError as err:
            raise DeviceUnavailable(describe_error(self.address, err),
                                    ErrorCode.NO_DEVICE) from err

    def read(self, size: int, timeout: float, cancel: threading.Event | None = None) -> bytes:
        import usb.core

        try:
            return bytes(self._device().read(self.address.in_ep, max(size, 64), _ms(timeout)))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as err:
            raise DeviceUnavailable(describe_error(self.address, err),
                                    ErrorCode.NO_DEVICE) from err

    def discard_input(self) -> None:
        while self.read(64, 0.001):
            pass

    def _device(self) -> Any:
        if self._printer is None or not self._printer.device:
            raise DeviceUnavailable(f"{self.address}: not open", ErrorCode.NO_DEVICE)
        return self._printer.device

    def close(self) -> None:
        printer, self._printer = self._printer, None
        if printer is not None:
            try:
                printer.close()
            except Exception:  # releasing a vanished device may fail; it is gone either way
                pass


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class FileTransport:
    """Write-only: bytes appended to a file or a character device such as usblp's."""

    can_read = False

    def __init__(self, address: FileAddress) -> None:
        self.address = address
        self._file: Any = None

    def open(self, timeout: float, cancel: threading.Event | None = None) -> None:
        try:
            self._file = open(self.address.path, "ab", buffering=0)  # noqa: SIM115
        except OSError as err:
            raise DeviceUnavailable(describe_error(self.address, err),
                                    ErrorCode.NO_DEVICE) from err

    def write(self, data: bytes, timeout: float) -> None:
        if self._file is None:
            raise DeviceUnavailable(f"{self.address}: not open", ErrorCode.NO_DEVICE)
        try:
            self._file.write(data)
        except OSError as err:
            raise DeviceUnavailable(describe_error(self.address, err),
                                    ErrorCode.NO_DEVICE) from err

    def read(self, size: int, timeout: float, cancel: threading.Event | None = None) -> bytes:
        return b""

    def discard_input(self) -> None:
        pass

    def close(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            try:
                file.close()
            except OSError:
                pass
