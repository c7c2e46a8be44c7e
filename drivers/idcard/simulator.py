"""An ID card reader on a pseudo-terminal, speaking the GA 467 SAM frames.

The driver opens the slave side of the pty exactly as it opens a USB reader; the simulator
answers on the master side. It paces like a UART at ``baud`` (a command is "received" its
wire time after it was written, a reply trickles out at line speed), so latency measured
against it means something. It can be unplugged and plugged back (the slave path vanishes,
a stable symlink is re-pointed the way udev does) and misbehave on demand (``inject``).
"""

from __future__ import annotations

import logging
import os
import select
import time
from collections.abc import Mapping
from pathlib import Path

from ..errors import DeviceTimeout, ProtocolError
from ..sim_pty import SimPty
from .frames import CommandFrame, FrameReader, wire_seconds
from .model import IdentityCard
from .sim_reader import (
    DEFAULT_SAM_ID,
    FAULT_TARGETS,
    Exchange,
    Fault,
    SimulatedReader,
    UnknownCardError,
    pseudo_blob,
)

# The simulator's whole public surface, importable from one place.
__all__ = [
    "DEFAULT_SAM_ID", "FAULT_TARGETS", "Exchange", "Fault", "IdCardSimulator",
    "UnknownCardError", "pseudo_blob",
]

log = logging.getLogger(__name__)

CHUNK_SECONDS = 0.002  # replies go out in ~2 ms slices on an absolute schedule


class _Unplugged(Exception):
    pass


class IdCardSimulator(SimulatedReader):
    """The simulated reader on a pty: what a driver opens like a USB serial reader."""

    def __init__(
        self,
        cards: Mapping[str, IdentityCard],
        baud: int = 115200,
        link: Path | None = None,
        sam_id: bytes = DEFAULT_SAM_ID,
        seed: int = 0,
    ) -> None:
        super().__init__(cards, baud=baud, sam_id=sam_id, seed=seed)
        self._link = link
        self._chunk = max(1, round(baud / 10 * CHUNK_SECONDS))
        self._pty: SimPty | None = None

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        if self._pty is None:
            self._plug()

    def stop(self) -> None:
        self._unplug()

    def unplug(self) -> None:
        """Close both pty ends: the slave path vanishes, an open driver gets EIO."""
        if self._pty is None:
            raise RuntimeError("simulator is not plugged in")
        self._unplug()

    def replug(self) -> None:
        """A new pty (new slave path); the stable link is re-pointed at it."""
        if self._pty is not None:
            raise RuntimeError("simulator is already plugged in")
        self.power_cycle()
        self._plug()

    def __enter__(self) -> IdCardSimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _plug(self) -> None:
        self._pty = pty = SimPty.plug(self._serve, "idcard-sim", self._link)
        log.info("simulated ID reader on %s", pty.path)

    def _unplug(self) -> None:
        pty, self._pty = self._pty, None
        if pty is None:
            return
        pty.unplug(self._link)
        log.info("simulated ID reader %s unplugged", pty.path)

    @property
    def port_path(self) -> str | None:
        pty = self._pty
        return pty.path if pty else None

    @property
    def link_path(self) -> Path | None:
        return self._link

    @property
    def plugged(self) -> bool:
        return self._pty is not None

    # -- the device ---------------------------------------------------------------------

    def _serve(self, pty: SimPty) -> None:
        reader = FrameReader(lambda size: self._read(pty, size))
        while True:
            try:
                try:
                    frame: CommandFrame | None = reader.read_command(timeout=3600.0)
                except ProtocolError as err:
                    frame, damage = None, err
                except DeviceTimeout:
                    continue
                # The pty delivered the command at once; a UART takes its wire time.
                request_bytes = 10 + len(frame.data) if frame else 0
                self._sleep_until(time.monotonic() + wire_seconds(request_bytes, self.baud))
                answered = time.monotonic()
                if frame is not None:
                    command = frame.command
                    reply, status = self.answer(frame)
                else:
                    command = -1
                    reply, status = self.answer_damaged(damage)
                # Logged before the reply goes out, so whoever has the reply sees it logged.
                self.record(command, request_bytes, reply, status, answered)
                self._send(pty, reply)
            except _Unplugged:
                return
            except Exception:  # a simulator bug must show, not silently kill the device
                log.exception("simulator failed handling a command")
                return

    def _read(self, pty: SimPty, size: int) -> bytes:
        if pty.stop.is_set():
            raise _Unplugged
        ready, _, _ = select.select([pty.master], [], [], 0.05)
        if not ready:
            return b""
        try:
            return os.read(pty.master, size)
        except BlockingIOError:
            return b""
        except OSError as err:
            raise _Unplugged from err

    def _send(self, pty: SimPty, reply: bytes | None) -> None:
        """Write ``reply`` at line speed: each slice when its last byte would be out."""
        if not reply:
            return
        start = time.monotonic()
        for offset in range(0, len(reply), self._chunk):
            piece = reply[offset : offset + self._chunk]
            self._sleep_until(start + wire_seconds(offset + len(piece), self.baud))
            if pty.stop.is_set():
                raise _Unplugged
            try:
                os.write(pty.master, piece)
            except BlockingIOError:
                # Nobody drains the port (driver closed): drop the reply as a wire would.
                log.debug("pty buffer full, reply dropped")
                return
            except OSError as err:
                raise _Unplugged from err

    @staticmethod
    def _sleep_until(when: float) -> None:
        delay = when - time.monotonic()
        if delay > 0:
            time.sleep(delay)
