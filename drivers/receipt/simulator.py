"""A receipt printer that takes ESC/POS on TCP (port 9100 style) and on a pseudo-terminal.

Bytes are parsed as they arrive. ``DLE EOT n`` is answered at once from the printer's state,
even while the mechanism is busy or stopped (real-time commands bypass the buffer); every
other item queues for the mechanism (``sim_mechanism``), which prints at paper speed and saves
one PNG per cut. One TCP client at a time: a new connection replaces the previous one, as a
printer does when the old connection is half dead. The pty is a serial printer's port, open
alongside.

    with PrinterSimulator(tmp_path, paper="80mm") as sim:
        Network(*sim.address).textln("你好") ... .cut()
        png = sim.wait_receipt()
"""

from __future__ import annotations

import logging
import os
import select
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from ..sim_pty import SimPty
from .sim_mechanism import Mechanism
from .sim_parser import Command, EscPosParser
from .sim_render import PAPER_DOTS
from .sim_state import Fault, Paper, PrinterState, Snapshot, rt_status_byte

__all__ = ["PAPER_DOTS", "Fault", "Paper", "PrinterSimulator", "Snapshot"]

log = logging.getLogger(__name__)

_POLL = 0.05  # how often blocked threads look at their stop flag


class _Client:
    """One byte stream into the printer, with its own parser (partial commands are per stream)."""

    def __init__(self, label: str, write: Callable[[bytes], object]) -> None:
        self.label = label
        self.parser = EscPosParser()
        self._write = write
        self._lock = threading.Lock()

    def send(self, data: bytes) -> None:
        with self._lock:
            try:
                self._write(data)
            except (BlockingIOError, OSError):
                log.debug("reply to %s dropped: the other side is gone", self.label)


class PrinterSimulator:
    """The simulated receipt printer; ``start()``/``stop()`` or use it as a context manager."""

    def __init__(
        self,
        out_dir: str | Path,
        paper: str = "80mm",
        speed_mm_s: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        pty: bool = False,
        link: Path | None = None,
    ) -> None:
        if paper not in PAPER_DOTS:
            raise ValueError(f"paper must be one of {', '.join(PAPER_DOTS)}")
        if link is not None and not pty:
            raise ValueError("a link needs the pty")
        self.out_dir = Path(out_dir)
        self.paper = paper
        self.state = PrinterState()
        self._mechanism = Mechanism(self.out_dir, PAPER_DOTS[paper], self.state, speed_mm_s, paper)
        self._host, self._port = host, port
        self._want_pty, self._link = pty, link
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._accept_stop = threading.Event()
        self._accept_thread: threading.Thread | None = None
        self._conn: socket.socket | None = None
        self._client_label: str | None = None
        self._pty: SimPty | None = None
        self._plugged = False
        self._running = False

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        if self._running:
            return
        self._mechanism.start()
        self._running = True
        try:
            self._plug()
        except OSError:
            self.stop()
            raise

    def stop(self) -> None:
        if self._plugged:
            self._unplug()
        if self._running:
            self._mechanism.stop()
            self._running = False

    def __enter__(self) -> PrinterSimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def unplug(self) -> None:
        """Close the listening socket, the client connection and the pty (the link goes too)."""
        if not self._plugged:
            raise RuntimeError("printer is not plugged in")
        self._unplug()

    def replug(self) -> None:
        """Listen again on the same address; a new pty, the link re-pointed at it."""
        if self._plugged:
            raise RuntimeError("printer is already plugged in")
        self._plug()

    # -- what a test or the console reads -----------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        return self._host, self._port

    @property
    def pty_path(self) -> str | None:
        pty = self._pty
        return pty.path if pty else None

    @property
    def link_path(self) -> Path | None:
        return self._link

    @property
    def plugged(self) -> bool:
        return self._plugged

    @property
    def client(self) -> str | None:
        """host:port of the TCP client connected now, if any."""
        return self._client_label

    @property
    def discarded_bytes(self) -> int:
        """Print data dropped because a job was stopped (paper out) and not restarted."""
        return self._mechanism.discarded_bytes

    def snapshot(self) -> Snapshot:
        return self.state.snapshot()

    def status_byte(self, n: int) -> int | None:
        """What ``DLE EOT n`` answers now (None: no answer for that n)."""
        return rt_status_byte(n, self.state.snapshot())

    def receipts(self) -> list[Path]:
        """PNGs saved by this run, in order (partial ones included)."""
        return self._mechanism.receipts()

    def wait_receipt(self, timeout: float = 10.0) -> Path:
        """The next receipt not yet returned by this method; TimeoutError after ``timeout``."""
        return self._mechanism.wait_receipt(timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once everything received so far has been printed or dropped."""
        return self._mechanism.wait_idle(timeout)

    # -- what the console changes -------------------------------------------------------

    def set_paper(self, paper: Paper | str) -> None:
        self.state.set_paper(Paper(paper))
        self._mechanism.notice()

    def paper_out_after(self, rows: int) -> None:
        """The paper runs out after ``rows`` more dot rows of printing (8 rows a mm)."""
        self.state.paper_out_after(rows)

    def set_cover(self, open_: bool) -> None:
        self.state.set_cover(open_)
        self._mechanism.notice()

    def set_fault(self, fault: Fault | str | None) -> None:
        self.state.set_fault(Fault(fault) if fault is not None else None)
        self._mechanism.notice()

    def set_offline(self, offline: bool) -> None:
        """Offline: bytes are read and dropped and nothing is answered (a hung printer)."""
        self.state.set_vanished(offline)

    # -- plugging -----------------------------------------------------------------------

    def _plug(self) -> None:
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        listener = socket.create_server((self._host, self._port), family=family, backlog=4)
        self._port = listener.getsockname()[1]  # port 0: keep the real one for replug
        self._listener = listener
        self._accept_stop = threading.Event()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, args=(listener, self._accept_stop),
            name=f"printer-sim accept :{self._port}", daemon=True,
        )
        self._accept_thread.start()
        if self._want_pty:
            self._open_pty()
        self._plugged = True
        log.info("simulated receipt printer on %s:%d%s", self._host, self._port,
                 f" and {self.pty_path}" if self._pty else "")

    def _unplug(self) -> None:
        self._plugged = False
        self._accept_stop.set()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout=2.0)
            self._accept_thread = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            _hang_up(conn)
        self._close_pty()

    def _accept_loop(self, listener: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            ready, _, _ = select.select([listener], [], [], _POLL)
            if not ready or stop.is_set():
                continue
            try:
                conn, peer = listener.accept()
            except OSError:
                continue
            label = f"{peer[0]}:{peer[1]}"
            with self._lock:
                old, self._conn = self._conn, conn
                self._client_label = label
            if old is not None:
                log.info("printer simulator: new client %s replaces the previous one", label)
                _hang_up(old)
            client = _Client(label, conn.sendall)
            threading.Thread(
                target=self._read_socket, args=(conn, client, stop),
                name=f"printer-sim client {label}", daemon=True,
            ).start()

    def _read_socket(self, conn: socket.socket, client: _Client, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                ready, _, _ = select.select([conn], [], [], _POLL)
                if not ready:
                    continue
                data = conn.recv(65536)
                if not data:
                    break
                self._receive(client, data)
        except (OSError, ValueError):
            pass  # hung up by us (a newer client, unplug) or reset by the host
        finally:
            with self._lock:
                if self._conn is conn:
                    self._conn, self._client_label = None, None
            conn.close()

    def _open_pty(self) -> None:
        self._pty = SimPty.plug(self._read_pty, "printer-sim", self._link)

    def _close_pty(self) -> None:
        pty, self._pty = self._pty, None
        if pty is not None:
            pty.unplug(self._link)

    def _read_pty(self, pty: SimPty) -> None:
        master = pty.master
        client = _Client(pty.path, lambda data: os.write(master, data))
        while not pty.stop.is_set():
            try:
                ready, _, _ = select.select([pty.master], [], [], _POLL)
                if not ready:
                    continue
                data = os.read(pty.master, 65536)
            except BlockingIOError:
                continue
            except OSError:
                return
            if data:
                self._receive(client, data)

    # -- bytes in -----------------------------------------------------------------------

    def _receive(self, client: _Client, data: bytes) -> None:
        if self.state.snapshot().vanished:
            return
        for item in client.parser.feed(data):
            if isinstance(item, Command) and item.name == "rt_status":
                answer = rt_status_byte(item.params[0], self.state.snapshot())
                if answer is not None:
                    client.send(bytes((answer,)))
            elif isinstance(item, Command) and item.name in ("rt_request", "rt_pulse"):
                continue  # recovery requests and drawer pulses: nothing to do here
            else:
                self._mechanism.submit(item, client.send)


def _hang_up(conn: socket.socket) -> None:
    """Wake the connection's reader (it closes the socket itself)."""
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
