"""Set a CUPS queue's printer-state-reasons over IPP (for the simulated printer).

cupsd keeps the reasons a backend reported after the job ends, and nothing but a new job
or an administrator changes them while the queue is idle. pycups has no call for that, but
CUPS-Add-Modify-Printer accepts ``printer-state-reasons`` in its printer group (CUPS 2.x,
scheduler/ipp.c add_printer), so the simulator sends that one request itself: a few dozen
lines of IPP encoding over the private cupsd's unix socket.
"""

from __future__ import annotations

import http.client
import socket
import struct
import urllib.parse
from collections.abc import Sequence

CUPS_ADD_MODIFY_PRINTER = 0x4003
TAG_OPERATION, TAG_PRINTER, TAG_END = 0x01, 0x04, 0x03
TAG_KEYWORD, TAG_URI, TAG_CHARSET, TAG_LANGUAGE, TAG_NAME = 0x44, 0x45, 0x47, 0x48, 0x42


class IppError(RuntimeError):
    pass


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


def _attribute(tag: int, name: str, values: Sequence[str]) -> bytes:
    out = bytearray()
    for index, value in enumerate(values):
        key = name.encode() if index == 0 else b""  # further values carry no name
        data = value.encode("utf-8")
        out += struct.pack(">BH", tag, len(key)) + key + struct.pack(">H", len(data)) + data
    return bytes(out)


def encode_set_reasons(queue: str, reasons: Sequence[str], request_id: int = 1) -> bytes:
    """The CUPS-Add-Modify-Printer request that sets ``reasons`` (empty: "none")."""
    uri = f"ipp://localhost/printers/{urllib.parse.quote(queue)}"
    body = bytearray(struct.pack(">BBHI", 2, 0, CUPS_ADD_MODIFY_PRINTER, request_id))
    body.append(TAG_OPERATION)
    body += _attribute(TAG_CHARSET, "attributes-charset", ["utf-8"])
    body += _attribute(TAG_LANGUAGE, "attributes-natural-language", ["en"])
    body += _attribute(TAG_URI, "printer-uri", [uri])
    body += _attribute(TAG_NAME, "requesting-user-name", ["root"])
    body.append(TAG_PRINTER)
    body += _attribute(TAG_KEYWORD, "printer-state-reasons", list(reasons) or ["none"])
    body.append(TAG_END)
    return bytes(body)


def set_printer_reasons(
    socket_path: str, queue: str, reasons: Sequence[str], timeout: float = 5.0
) -> None:
    """Replace the queue's printer-state-reasons. Raises IppError or OSError."""
    connection = _UnixHTTPConnection(socket_path, timeout)
    try:
        connection.request(
            "POST", "/admin/", body=encode_set_reasons(queue, reasons),
            headers={"Content-Type": "application/ipp"},
        )
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise IppError(f"cupsd answered HTTP {response.status} to CUPS-Add-Modify-Printer")
    if len(payload) < 8:
        raise IppError("cupsd sent a truncated IPP response")
    status = struct.unpack(">H", payload[2:4])[0]
    if status >= 0x0100:  # 0x00xx are the successful-ok family
        raise IppError(f"CUPS-Add-Modify-Printer failed with IPP status 0x{status:04x}")
