"""Start and stop a private Xvfb for the test session.

Xvfb picks a free display number itself (``-displayfd``) and writes it to a pipe we read,
so parallel sessions never race for ``:99``. The server runs in its own session (Ctrl-C on
the terminal does not reach it) and gets SIGTERM when the process that started it dies
(``PR_SET_PDEATHSIG``), so a killed pytest leaves no Xvfb behind.
"""

from __future__ import annotations

import ctypes
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.services import PACKAGES, Missing

XVFB_PACKAGE = PACKAGES["xvfb"]


class XvfbError(RuntimeError):
    pass


def xvfb_missing() -> Missing | None:
    """Xvfb not on PATH (with its Debian package), or None when it is."""
    if shutil.which("Xvfb") is None:
        return Missing("Xvfb not found on PATH", XVFB_PACKAGE)
    return None


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except Exception:
        pass


class Xvfb:
    """A private X server: ``with Xvfb() as x: os.environ["DISPLAY"] = x.display``."""

    def __init__(self, width: int = 1280, height: int = 800, depth: int = 24) -> None:
        self.geometry = f"{width}x{height}x{depth}"
        self.display: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Path | None = None

    def start(self, timeout: float = 15.0) -> str:
        exe = shutil.which("Xvfb")
        if exe is None:
            raise XvfbError(
                f"Xvfb not found on PATH: install the Debian package '{XVFB_PACKAGE}' "
                f"(make deps, or: sudo apt-get install {XVFB_PACKAGE})"
            )
        fd, log = tempfile.mkstemp(prefix="tongban-xvfb-", suffix=".log")
        self._log = Path(log)
        read_fd, write_fd = os.pipe()
        try:
            self._proc = subprocess.Popen(
                [
                    exe,
                    "-displayfd",
                    str(write_fd),
                    "-screen",
                    "0",
                    self.geometry,
                    "+extension",
                    "GLX",
                    "-nolisten",
                    "tcp",
                    "-noreset",
                ],
                pass_fds=(write_fd,),
                stdin=subprocess.DEVNULL,
                stdout=fd,
                stderr=fd,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        finally:
            os.close(write_fd)
            os.close(fd)
        try:
            number = self._read_display(read_fd, timeout)
        except BaseException:
            self.stop()
            raise
        finally:
            os.close(read_fd)
        self.display = f":{number}"
        return self.display

    def _read_display(self, read_fd: int, timeout: float) -> str:
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        data = b""
        while not data.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise XvfbError(f"Xvfb gave no display number within {timeout:.0f} s{self._tail()}")
            ready, _, _ = select.select([read_fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(read_fd, 64)
            if not chunk:
                code = self._proc.wait(timeout=5)
                raise XvfbError(f"Xvfb exited with status {code} before it was ready{self._tail()}")
            data += chunk
        return data.decode().strip()

    def _tail(self) -> str:
        if self._log is None or not self._log.exists():
            return ""
        text = self._log.read_text(errors="replace").strip()
        return f":\n{text[-2000:]}" if text else ""

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=timeout)
        if self._log is not None:
            self._log.unlink(missing_ok=True)
            self._log = None
        self.display = None

    def __enter__(self) -> Xvfb:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
