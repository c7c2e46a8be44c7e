"""systemd's service notification protocol (sd_notify(3)): READY=1, WATCHDOG=1, STOPPING=1,
STATUS=... as one datagram each to the socket named by ``$NOTIFY_SOCKET``.

Why our own ~100 lines and not a library: the protocol is one ``sendto`` on an AF_UNIX
datagram socket. ``sdnotify`` (PyPI) does the same but has not been released since 2017 and
swallows every error silently; ``systemd-python`` / ``cysystemd`` need libsystemd headers and
a compiler on the terminal. Here a failed send is logged once (a technician sees why the
watchdog fires) and never raised: the kiosk must not stop because systemd is not there.

The kiosk runs under ``xinit`` (deploy/systemd/tongban-kiosk.service), so it is not the
unit's main process: the unit says ``NotifyAccess=all`` and this module ignores
``$WATCHDOG_PID`` (which names xinit). Without ``$NOTIFY_SOCKET`` (a developer's window, the
demo without systemd, tests) every call is a no-op that returns False.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Mapping

log = logging.getLogger(__name__)


def _address(value: str) -> str | None:
    """``$NOTIFY_SOCKET`` -> an AF_UNIX address: a path, or an abstract name ("@name")."""
    if value.startswith("@"):
        return "\0" + value[1:]   # Linux abstract namespace: systemd writes it with "@"
    if value.startswith("/"):
        return value
    return None                   # vsock:... (systemd 254+ in VMs) and anything else: not ours


class Notifier:
    """Sends notifications to one socket. Thread-safe; sends never block the caller."""

    def __init__(self, address: str | None, watchdog_usec: int | None = None) -> None:
        self.address = address
        self.watchdog_usec = watchdog_usec
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._complained = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Notifier:
        env = os.environ if environ is None else environ
        raw = env.get("NOTIFY_SOCKET", "")
        address = _address(raw) if raw else None
        if raw and address is None:
            log.warning("NOTIFY_SOCKET=%r is not a socket path or abstract name: not notifying systemd", raw)
        usec = env.get("WATCHDOG_USEC", "")
        watchdog = int(usec) if usec.isdigit() and int(usec) > 0 else None
        return cls(address, watchdog)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def watchdog_interval_s(self) -> float | None:
        """How often to pet: a third of ``WatchdogSec=`` (None: no watchdog asked for), so
        one late pet is not yet a restart."""
        if self.address is None or self.watchdog_usec is None:
            return None
        return self.watchdog_usec / 3 / 1_000_000

    def send(self, *fields: str) -> bool:
        """Send ``KEY=VALUE`` lines in one datagram; True when it went out."""
        if self.address is None:
            return False
        message = "\n".join(fields).encode("utf-8")
        with self._lock:
            try:
                if self._sock is None:
                    self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                    self._sock.setblocking(False)   # a full queue drops a pet, never hangs the UI
                self._sock.sendto(message, self.address)
            except OSError as err:
                if not self._complained:
                    self._complained = True
                    log.warning("could not notify systemd at %r: %s", self.address.replace("\0", "@"), err)
                return False
        return True

    def ready(self, status: str | None = None) -> bool:
        return self.send("READY=1", *([f"STATUS={status}"] if status else []))

    def watchdog(self) -> bool:
        return self.send("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.send("STOPPING=1")

    def status(self, text: str) -> bool:
        return self.send(f"STATUS={_one_line(text)}")

    def close(self) -> None:
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None


def _one_line(text: str) -> str:
    return " ".join(text.split())   # a newline would start another KEY=VALUE


_default: Notifier | None = None
_default_lock = threading.Lock()


def notifier() -> Notifier:
    """The process's notifier, from its environment (made on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Notifier.from_environment()
        return _default


def ready(status: str | None = None) -> bool:
    return notifier().ready(status)


def watchdog() -> bool:
    return notifier().watchdog()


def stopping() -> bool:
    return notifier().stopping()


def status(text: str) -> bool:
    return notifier().status(text)


def watchdog_interval_s() -> float | None:
    return notifier().watchdog_interval_s()
