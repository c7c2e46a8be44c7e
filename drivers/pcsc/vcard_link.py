"""The card side of vsmartcard's vpcd protocol: a TCP client that *is* the card in the reader.

pcscd's vpcd driver listens (TCP 35963 for reader ``Virtual PCD 00 00``, 35964 for
``... 00 01``). A card is inserted by connecting and removed by closing the connection.
Every message both ways is a 2-byte big-endian length and a payload. A 1-byte payload from
vpcd is a control code (0 power off, 1 power on, 2 reset, 4 give the ATR: answered with the
ATR); anything longer is a command APDU, answered with the response APDU. vpcd asks for the
ATR every few hundred milliseconds: that is how pcscd sees the card is still there.

When vpcd goes away (pcscd stopped or restarted) the card stays "inserted" and connects
again as soon as vpcd listens: to pcscd that is a card inserted into a new reader.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from typing import Protocol

log = logging.getLogger(__name__)

VPCD_PORTS = (35963, 35964)  # reader.conf.d/vpcd CHANNELID 0x8C7B, and the next slot
CTRL_POWER_OFF = 0
CTRL_POWER_ON = 1
CTRL_RESET = 2
CTRL_ATR = 4
_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)  # Linux only


def encode_frame(payload: bytes) -> bytes:
    if len(payload) > 0xFFFF:
        raise ValueError(f"a vpcd message holds at most 65535 bytes, not {len(payload)}")
    return struct.pack(">H", len(payload)) + payload


class LinkHandler(Protocol):
    """What the card does with vpcd's messages; called on the link thread."""

    def on_connected(self) -> None: ...

    def on_control(self, code: int) -> bytes | None:
        """Answer a control code (the ATR for CTRL_ATR) or return None for no answer."""

    def on_apdu(self, apdu: bytes) -> bytes | None:
        """The response APDU, or None: the card is pulled out now, without answering
        (the handler detaches the link itself, so a new insert cannot be lost)."""


class VpcdLink:
    """Keeps a vpcd connection up while the card is attached; reconnects when vpcd returns."""

    def __init__(
        self, host: str, port: int, handler: LinkHandler, *,
        retry_s: float = 0.1, out_s: float = 0.5,
    ) -> None:
        self.host = host
        self.port = port
        self._handler = handler
        self._retry_s = retry_s
        self._out_s = out_s
        self._out_until = 0.0
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._attached = False
        self._stopping = False
        self._sock: socket.socket | None = None
        self._connected = threading.Event()
        self._thread: threading.Thread | None = None
        self.connections = 0  # successful connects so far (reconnects included)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def attached(self) -> bool:
        return self._attached

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping = False
        self._thread = threading.Thread(
            target=self._run, name=f"vcard {self.host}:{self.port}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            self._stopping = True
            self._attached = False
            self._shutdown_locked()
            self._wake.notify_all()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    def attach(self) -> None:
        """The card goes in: connect (and keep reconnecting) until detached."""
        with self._lock:
            self._attached = True
            self._wake.notify_all()

    def detach(self) -> None:
        """The card comes out: close the connection and stay away for at least ``out_s``.

        vpcd only notices a closed connection when pcscd polls it (every 400 ms); a card back
        within that time would never be seen leaving, and pcscd, which may already have marked
        the slot empty after a failed transmit, would then miss the new insertion.
        """
        with self._lock:
            if self._attached:
                self._out_until = time.monotonic() + self._out_s
            self._attached = False
            self._shutdown_locked()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def _shutdown_locked(self) -> None:
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the peer

    # -- link thread -------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._attached and not self._stopping:
                    self._wake.wait()
                if self._stopping:
                    return
                out_for = self._out_until - time.monotonic()
                if out_for > 0:
                    self._wake.wait_for(lambda: self._stopping, out_for)
                    continue
            sock = self._connect()
            if sock is None:
                with self._lock:
                    self._wake.wait_for(lambda: self._stopping, self._retry_s)
                continue
            with self._lock:
                if not self._attached or self._stopping:
                    sock.close()
                    continue
                self._sock = sock
            self.connections += 1
            self._connected.set()
            try:
                self._handler.on_connected()
                self._serve(sock)
            except Exception:  # a card bug must not kill the reader slot; reconnect instead
                log.exception("virtual card failed on vpcd %s:%d", self.host, self.port)
            finally:
                self._connected.clear()
                with self._lock:
                    self._sock = None
                sock.close()

    def _connect(self) -> socket.socket | None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=2.0)
        except OSError:
            return None
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        log.debug("card connected to vpcd %s:%d", self.host, self.port)
        return sock

    def _serve(self, sock: socket.socket) -> None:
        """Answer vpcd until either side closes (a pulled card detaches in on_apdu)."""
        while True:
            header = _recv_exact(sock, 2)
            if header is None:
                return
            (size,) = struct.unpack(">H", header)
            payload = _recv_exact(sock, size)
            if payload is None:
                return
            if size == 1:
                answer = self._handler.on_control(payload[0])
            else:
                answer = self._handler.on_apdu(payload)
                if answer is None:
                    return
            if answer is not None:
                try:
                    sock.sendall(encode_frame(answer))
                except OSError:
                    return


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        try:
            # vpcd sends the length and the payload as two writes without TCP_NODELAY: Nagle
            # holds the payload until the length is ACKed, so a delayed ACK here would cost
            # 40 ms per message. Linux clears QUICKACK by itself, hence before every read.
            if _QUICKACK is not None:
                sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
            chunk = sock.recv(size - len(data))
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    return bytes(data)
