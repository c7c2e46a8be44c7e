"""A private pcscd with vsmartcard's vpcd readers, for tests.

    daemon = start_pcscd()     # readers "Virtual PCD 00 00" / "00 01" on daemon.ports
    try:
        card = VirtualCard("bank", port=daemon.ports[0]); ...
        daemon.restart()       # what a kiosk must survive
    finally:
        daemon.stop()

pcscd 1.9.9 always serves /run/pcscd/pcscd.comm (it ignores PCSCLITE_CSOCK_NAME; only the
client library honours it). So pcscd runs in its own mount namespace (``unshare --mount``)
with a private directory bound over /run/pcscd: the socket is really
``<dir>/run/pcscd.comm`` and a system pcscd is never disturbed. Where namespaces are not
allowed, pcscd falls back to the real /run/pcscd, guarded by a lock so one test session at a
time owns it, and refuses to start beside a pcscd it did not start.

libpcsclite reads PCSCLITE_CSOCK_NAME once per process, at the first SCard call, and keeps it.
So the socket path is fixed per test process and set in the environment as soon as this
module is imported (at collection, before any test touches pyscard); every pcscd this process
starts serves that same path. Child processes (the kiosk under test) get ``daemon.env``.

The vpcd readers get their own reader.conf.d (``pcscd -c``) with ports 35963/35964 when free,
else another free pair; cards must use ``daemon.ports``. pcscd logs at info level into
``<dir>/pcscd.log`` without APDUs (``-a`` would log card data).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from tests.support.services import PACKAGES, Missing, require

PCSCD = "/usr/sbin/pcscd"
VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
READER_NAMES = ("Virtual PCD 00 00", "Virtual PCD 00 01")
STANDARD_PORTS = (35963, 35964)
SYSTEM_DIR = Path("/run/pcscd")
LOCK_FILE = Path(tempfile.gettempdir()) / "tongban-pcscd.lock"
PROCESS_ROOT = Path(tempfile.gettempdir()) / f"tongban-pcscd-{os.getpid()}"
SOCKET = PROCESS_ROOT / "run" / "pcscd.comm"

os.environ["PCSCLITE_CSOCK_NAME"] = str(SOCKET)


class PcscdError(RuntimeError):
    pass


def pcscd_missing() -> Missing | None:
    """What a private pcscd with vpcd lacks here (with its Debian package), or None when it can run."""
    if not Path(PCSCD).exists():
        return Missing(f"{PCSCD} not installed", PACKAGES["pcscd"])
    if not Path(VPCD_DRIVER).exists():
        return Missing(f"{VPCD_DRIVER} not installed", PACKAGES["vpcd"])
    if os.geteuid() != 0:
        return Missing("a private pcscd needs root (it binds its socket directory over /run/pcscd)", None)
    return None


def pcscd_unavailable_reason() -> str | None:
    """Why a private pcscd with vpcd cannot run here, or None when it can."""
    missing = pcscd_missing()
    return None if missing is None else str(missing)


class Pcscd:
    """One pcscd with the two vpcd readers; restartable, stopped by PID."""

    def __init__(self, root: Path = PROCESS_ROOT, ports: tuple[int, int] | None = None) -> None:
        self.root = root
        self.ports = ports or _free_port_pair()
        self.private = _namespaces_work()
        self.socket = root / "run" / "pcscd.comm"
        self.log_path = root / "pcscd.log"
        self.reader_names = READER_NAMES
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._lock: IO[bytes] | None = None
        self._log_offset = 0

    @property
    def env(self) -> dict[str, str]:
        """Environment for client processes (pyscard, the kiosk) of this pcscd."""
        return {"PCSCLITE_CSOCK_NAME": str(self.socket)}

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def port_of(self, reader: int) -> int:
        return self.ports[reader]

    def start(self, timeout: float = 10.0) -> None:
        if self.running:
            return
        conf = self.root / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        (conf / "vpcd").write_text(
            'FRIENDLYNAME "Virtual PCD"\n'
            f"DEVICENAME   /dev/null:0x{self.ports[0]:04X}\n"
            f"LIBPATH      {VPCD_DRIVER}\n"
            f"CHANNELID    0x{self.ports[0]:04X}\n"
        )
        run_dir = self.root / "run"
        pcscd = [PCSCD, "--foreground", "--info", "--config", str(conf)]
        if self.private:
            run_dir.mkdir(exist_ok=True)
            SYSTEM_DIR.mkdir(mode=0o755, exist_ok=True)  # the mount point; pcscd makes it too
            command = [
                "unshare", "--mount", "--propagation", "private", "--",
                "/bin/sh", "-c", 'mount --bind "$0" /run/pcscd && exec "$@"', str(run_dir), *pcscd,
            ]
        else:
            self._take_system_dir(run_dir)
            command = pcscd
        self._log = self.log_path.open("ab")
        self._log_offset = self._log.tell()  # a restart must not see the last run's "ready"
        self._process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
        )
        self._wait_ready(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._lock is not None:
            self._lock.close()  # releases the flock
            self._lock = None

    def restart(self, timeout: float = 10.0) -> None:
        self.stop()
        self.start(timeout)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                self.stop()
                raise PcscdError(f"pcscd exited at start:\n{self.log_tail()}")
            if self.socket.exists() and self._logged(b"daemon ready"):
                return
            time.sleep(0.05)
        self.stop()
        raise PcscdError(f"pcscd not ready after {timeout:g}s:\n{self.log_tail()}")

    def _logged(self, text: bytes) -> bool:
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            return text in log.read()

    def _take_system_dir(self, run_dir: Path) -> None:
        """No namespaces: own the system socket, one test session at a time."""
        lock = LOCK_FILE.open("ab")
        deadline = time.monotonic() + 60
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    lock.close()
                    raise PcscdError(f"another test session holds {LOCK_FILE}") from None
                time.sleep(0.2)
        if _socket_alive(SYSTEM_DIR / "pcscd.comm"):
            lock.close()
            raise PcscdError("a pcscd not started by the tests serves /run/pcscd/pcscd.comm")
        self._lock = lock
        if run_dir.is_symlink() or not run_dir.exists():
            run_dir.unlink(missing_ok=True)
            run_dir.symlink_to(SYSTEM_DIR, target_is_directory=True)


def start_pcscd(ports: tuple[int, int] | None = None) -> Pcscd:
    """A running private pcscd with the vpcd readers (PcscdError when it cannot start)."""
    daemon = Pcscd(ports=ports)
    try:
        daemon.start()
    except BaseException:
        daemon.stop()
        raise
    return daemon


def stop_pcscd(daemon: Pcscd) -> None:
    daemon.stop()
    shutil.rmtree(daemon.root, ignore_errors=True)


def pcscd_fixture() -> Iterator[Pcscd]:
    """Body of a pytest fixture: a running private pcscd with vpcd, or a skip saying why not
    (a failure under CI=true)."""
    require(pcscd_missing())
    daemon = start_pcscd()
    try:
        yield daemon
    finally:
        stop_pcscd(daemon)


# -- reader state through PC/SC (what pcscd sees) ---------------------------------------------


def wait_card_state(reader: str, present: bool, timeout: float = 5.0) -> bytes:
    """Wait until pcscd reports a card in ``reader`` (or none); returns the ATR seen.

    Uses SCardGetStatusChange with a fresh context, retrying while pcscd is (re)starting.
    Raises AssertionError after ``timeout``.
    """
    from smartcard import scard

    deadline = time.monotonic() + timeout
    last = "pcscd unreachable"
    while time.monotonic() < deadline:
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            time.sleep(0.1)
            continue
        try:
            state = scard.SCARD_STATE_UNAWARE
            while time.monotonic() < deadline:
                wait_ms = max(1, int((deadline - time.monotonic()) * 1000))
                hresult, states = scard.SCardGetStatusChange(
                    context, 0 if state == scard.SCARD_STATE_UNAWARE else min(wait_ms, 500),
                    [(reader, state)],
                )
                if hresult == scard.SCARD_E_TIMEOUT:
                    continue
                if hresult != scard.SCARD_S_SUCCESS:
                    last = scard.SCardGetErrorMessage(hresult)
                    break
                _, state, atr = states[0]
                state &= ~scard.SCARD_STATE_CHANGED
                if bool(state & scard.SCARD_STATE_PRESENT) == present:
                    return bytes(atr)
                last = f"state {state:#x}"
        finally:
            scard.SCardReleaseContext(context)
        time.sleep(0.1)
    raise AssertionError(
        f"{reader}: card {'not present' if present else 'still present'} after {timeout:g}s "
        f"({last})"
    )


# -- helpers ------------------------------------------------------------------------------------


def _free_port_pair() -> tuple[int, int]:
    """35963/35964 when free (vpcd's defaults), else another free pair of adjacent ports."""
    if all(_port_free(port) for port in STANDARD_PORTS):
        return STANDARD_PORTS
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base < 65535 and _port_free(base) and _port_free(base + 1):
            return base, base + 1
    raise PcscdError("no free pair of TCP ports for the vpcd readers")


def _port_free(port: int) -> bool:
    # SO_REUSEADDR as vpcd binds: a port in TIME_WAIT is free, only a listener makes it busy.
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


_namespaces: bool | None = None


def _namespaces_work() -> bool:
    global _namespaces
    if _namespaces is None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            result = subprocess.run(
                ["unshare", "--mount", "--propagation", "private", "--", "true"],
                capture_output=True, timeout=10,
            )
            _namespaces = result.returncode == 0
        _namespaces = bool(_namespaces)
    return _namespaces


def _socket_alive(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


# -- talking to the cards through pcscd (pyscard), independent of the driver ------------------


class CardSession:
    """One pyscard connection to the card in a reader; ``send`` returns (data, SW)."""

    def __init__(self, reader: str) -> None:
        from smartcard.System import readers

        matches = [r for r in readers() if str(r) == reader]
        if not matches:
            raise AssertionError(f"pcscd has no reader {reader!r}")
        self.connection = matches[0].createConnection()
        self.connection.connect()

    @property
    def atr(self) -> bytes:
        return bytes(self.connection.getATR())

    def send(self, apdu: str | bytes) -> tuple[bytes, int]:
        raw = bytes.fromhex(apdu) if isinstance(apdu, str) else apdu
        data, sw1, sw2 = self.connection.transmit(list(raw))
        return bytes(data), sw1 << 8 | sw2

    def close(self) -> None:
        with contextlib.suppress(Exception):  # pcscd may be gone (restart tests)
            self.connection.disconnect()
        with contextlib.suppress(Exception):
            self.connection.release()


class CardSlot:
    """A VirtualCard in one vpcd reader that swaps cards only when a test asks for another
    (pcscd polls vpcd every 400 ms, so each swap costs about a second)."""

    def __init__(self, daemon: Pcscd, reader: int = 0) -> None:
        from drivers.pcsc.vcard_card import VirtualCard

        self.reader = daemon.reader_names[reader]
        self.card = VirtualCard(None, port=daemon.ports[reader], retry_s=0.05)
        self.card.start()

    @contextlib.contextmanager
    def session(self, key: str) -> Iterator[CardSession]:
        """``key`` in the reader (faults cleared), seen by pcscd, and connected."""
        if self.card.inserted_key != key:
            if self.card.remove() is not None:
                wait_card_state(self.reader, present=False)
            self.card.insert(key)
        self.card.clear_faults()
        wait_card_state(self.reader, present=True)
        session = CardSession(self.reader)
        try:
            yield session
        finally:
            session.close()

    def empty(self) -> None:
        if self.card.remove() is not None:
            wait_card_state(self.reader, present=False)

    def close(self) -> None:
        self.card.stop()


def find_tag(data: bytes, tag: int) -> bytes | None:
    """The value of the first BER-TLV object ``tag`` in ``data``, searching constructed ones."""
    pos = 0
    while pos < len(data):
        if data[pos] in (0x00, 0xFF):  # padding between objects
            pos += 1
            continue
        start = pos
        constructed = bool(data[pos] & 0x20)
        if data[pos] & 0x1F == 0x1F:
            pos += 1
            while data[pos] & 0x80:
                pos += 1
        pos += 1
        this_tag = int.from_bytes(data[start:pos], "big")
        length = data[pos]
        pos += 1
        if length & 0x80:
            size = length & 0x7F
            length = int.from_bytes(data[pos:pos + size], "big")
            pos += size
        value = data[pos:pos + length]
        pos += length
        if this_tag == tag:
            return value
        if constructed and (inner := find_tag(value, tag)) is not None:
            return inner
    return None
