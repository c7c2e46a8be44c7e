"""A simulated serial device: a raw pty served by a thread of its own, and a stable
symlink (``link``) re-pointed at each new pty the way udev re-points /dev/serial/by-id."""

from __future__ import annotations

import os
import threading
import tty
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SimPty:
    master: int
    slave: int
    path: str                   # the slave's path: what a driver opens
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    @classmethod
    def plug(cls, serve: Callable[[SimPty], None], label: str, link: Path | None) -> SimPty:
        """A new pty with ``serve(pty)`` running on a thread named "<label> <path>"."""
        master, slave = os.openpty()
        # Raw, or the line discipline echoes our replies back and eats 0x0A/0x0D/0x11/0x13.
        tty.setraw(slave)
        os.set_blocking(master, False)
        pty = cls(master, slave, os.ttyname(slave))
        pty.thread = threading.Thread(target=serve, args=(pty,), name=f"{label} {pty.path}",
                                      daemon=True)
        pty.thread.start()
        if link is not None:
            tmp = link.with_name(link.name + ".tmp")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(pty.path)
            tmp.replace(link)  # atomic re-point, as udev does
        return pty

    def unplug(self, link: Path | None) -> None:
        """Remove the link, stop the serving thread, close both ends."""
        if link is not None and link.is_symlink():
            link.unlink()
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=2.0)
        os.close(self.master)
        os.close(self.slave)
