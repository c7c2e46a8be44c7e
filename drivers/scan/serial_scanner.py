"""Serial code scanner: a hand-held or fixed-mount scanner in serial (or USB CDC/COM) mode.

Such a scanner sends one code per line, ended by CR, LF or CRLF as configured on the
scanner; any of them ends a line here, and the empty line between CR and LF is skipped.
The bytes of a line go through the same text policy as the camera decoders (UTF-8, else
GB18030: Chinese scanners send either). When the scanner is set to prefix AIM symbology
identifiers ("]Q1" for a QR code), ``aim_prefix=True`` strips them and names the
symbology; otherwise it is "unknown".
"""

from __future__ import annotations

import logging
import os

import serial

from ..errors import DeviceUnavailable, ErrorCode
from .aim import UNKNOWN, split_aim
from .base import POLL_SECONDS, ScannerBase
from .decode import decode_text

log = logging.getLogger(__name__)

MAX_LINE = 8192  # longer than any code; a scanner spewing garbage must not fill memory


class LineSplitter:
    """Bytes in, complete lines out; CR, LF and CRLF all end a line."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        lines = []
        start = 0
        for index, byte in enumerate(self._buffer):
            if byte in (0x0D, 0x0A):
                if index > start:
                    lines.append(bytes(self._buffer[start:index]))
                start = index + 1
        del self._buffer[:start]
        if len(self._buffer) > MAX_LINE:
            log.warning("discarding %d bytes without a line end", len(self._buffer))
            self._buffer.clear()
        return lines

    def clear(self) -> None:
        self._buffer.clear()


class SerialScanner(ScannerBase):
    """CodeScanner on a serial port. ``port`` may be a udev symlink re-pointed on replug."""

    def __init__(
        self,
        name: str,
        port: str,
        baud: int = 9600,
        aim_prefix: bool = False,
        repeat_window_s: float = 2.0,
        reconnect_interval: float = 1.0,
    ) -> None:
        super().__init__(name, repeat_window_s, reconnect_interval)
        self.port = port
        self.baud = baud
        self.aim_prefix = aim_prefix
        self._serial: serial.Serial | None = None
        self._lines = LineSplitter()

    def _connect(self) -> None:
        options = {"exclusive": True} if os.name == "posix" else {}
        try:
            self._serial = serial.Serial(self.port, self.baud, timeout=POLL_SECONDS, **options)
        except (serial.SerialException, OSError, ValueError) as err:
            raise DeviceUnavailable(f"cannot open {self.port}: {err}", ErrorCode.NO_DEVICE) from err
        self._lines.clear()

    def _io_step(self) -> None:
        port = self._serial
        if port is None:  # pragma: no cover - _connect sets it
            raise DeviceUnavailable(f"{self.port} is not open", ErrorCode.NO_DEVICE)
        try:
            # Whatever is waiting, or block up to POLL_SECONDS for the first byte.
            data = port.read(max(1, port.in_waiting))
        except (serial.SerialException, OSError) as err:
            raise DeviceUnavailable(f"{self.port}: {err}", ErrorCode.NO_DEVICE) from err
        for line in self._lines.feed(data):
            text = decode_text(line)
            symbology = UNKNOWN
            if self.aim_prefix:
                text, symbology = split_aim(text)
            if text:
                self._found(text, symbology)

    def _disconnect(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except OSError:  # a vanished device may fail to close; it is gone either way
                pass
