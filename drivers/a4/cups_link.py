"""One pycups connection to cupsd, shared under a lock, with errors translated once.

pycups' ``setServer`` stores the server in libcups' per-thread globals, so a value set in
one thread is silently not seen by another; we never use it and pass the server to each
``cups.Connection(host=..., port=...)`` instead. A connection is not thread-safe: every
call takes the lock. After any transport failure the connection is dropped and the next
call connects again, which is how a restarted cupsd is picked up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import cups

from ..errors import DeviceError, DeviceUnavailable, ErrorCode, PrinterFault

T = TypeVar("T")

# IPP status codes (RFC 8011 section 13.1) that say something about the printer or job.
IPP_NOT_FOUND = 0x0406
IPP_NOT_ACCEPTING = 0x0506
IPP_PRINTER_BUSY = 0x0507
IPP_SERVER_ERRORS = 0x0500


def parse_server(server: str | None) -> dict[str, Any]:
    """``cups.Connection`` keyword arguments for a unix socket path or ``host[:port]``."""
    if not server:
        return {}
    if server.startswith("/"):
        return {"host": server}
    host, sep, port = server.rpartition(":")
    if sep and port.isdigit() and host and not host.endswith(":"):  # not a bare IPv6 addr
        return {"host": host.strip("[]"), "port": int(port)}
    return {"host": server}


class CupsLink:
    """Serialised access to one cupsd."""

    def __init__(self, server: str | None) -> None:
        self.server = server
        self.where = server or "the default CUPS server"
        self._kwargs = parse_server(server)
        self._lock = threading.Lock()
        self._conn: cups.Connection | None = None

    def call(self, fn: Callable[[cups.Connection], T], missing: DeviceError) -> T:
        """Run ``fn`` on the connection; ``missing`` is raised for IPP not-found."""
        with self._lock:
            if self._conn is None:
                try:
                    self._conn = cups.Connection(**self._kwargs)
                except RuntimeError as err:  # pycups: "failed to connect to server"
                    raise DeviceUnavailable(
                        f"cupsd unreachable at {self.where}: {err}", ErrorCode.NO_DEVICE
                    ) from err
            try:
                return fn(self._conn)
            except cups.IPPError as err:
                status, message = _ipp_error(err)
                if status == IPP_NOT_FOUND:
                    raise missing from err
                if status in (IPP_NOT_ACCEPTING, IPP_PRINTER_BUSY):
                    raise PrinterFault(
                        f"{self.where}: {message}", ErrorCode.PRINTER_OFFLINE
                    ) from err
                if status >= IPP_SERVER_ERRORS:  # service unavailable, lost connection
                    self._conn = None
                    raise DeviceUnavailable(
                        f"cupsd unreachable at {self.where}: {message}", ErrorCode.NO_DEVICE
                    ) from err
                raise PrinterFault(
                    f"{self.where}: IPP status 0x{status:04x} {message}", ErrorCode.JOB_FAILED
                ) from err
            except (cups.HTTPError, RuntimeError, OSError) as err:
                self._conn = None
                raise DeviceUnavailable(
                    f"cupsd unreachable at {self.where}: {err}", ErrorCode.NO_DEVICE
                ) from err

    def drop(self) -> None:
        with self._lock:
            self._conn = None


def _ipp_error(err: cups.IPPError) -> tuple[int, str]:
    args = err.args
    status = args[0] if args and isinstance(args[0], int) else IPP_SERVER_ERRORS
    message = str(args[1]) if len(args) > 1 else ""
    return status, message
