"""The simulated A4 printer: a private cupsd with a cups-pdf queue whose paper can run out.

``SimulatedCups(root_dir)`` lays out a complete CUPS server under ``root_dir`` and runs
``cupsd -f`` on it as a child process; the system's cupsd and /etc/cups are never touched.

    root_dir/etc/        ServerRoot: cupsd.conf, cups-files.conf, printers.conf, ppd/
    root_dir/bin/        ServerBin: symlinks to /usr/lib/cups/* and backend/tongban-sim
    root_dir/spool/ cache/ state/ log/
    root_dir/cups.sock   the server (``server``: for cups.Connection / CUPS_SERVER)
    root_dir/state.json  paper state, offline flag, print delay (read by the backend)
    root_dir/cups-pdf/   cups-pdf's working dirs; root_dir/cups-pdf.ppd its settings
    root_dir/out/        the PDFs "printed" (``out_dir``), one per job

The queue's device is the ``tongban-sim`` backend (sim_backend.py): it reports the paper
state to cupsd as printer-state-reasons exactly as a real printer's backend does, holds
jobs while the paper is out, jammed or the printer offline, and otherwise runs Debian's
cups-pdf. cups-pdf takes its settings (output dir ...) from the PPD named by the ``PPD``
variable, which the backend points at root_dir/cups-pdf.ppd with relative paths resolved
in root_dir/cups-pdf; no /etc/cups/cups-pdf-*.conf is written.

Reasons while idle (found by experiment, CUPS 2.4): cupsd keeps whatever reasons the last
backend reported after the job ends, and only a new job or an administrator changes them.
So ``set_paper`` / ``set_offline`` also rewrite the queue's printer-state-reasons at once
with CUPS-Add-Modify-Printer (sim_ipp.py), keeping reasons the simulator does not own
(``paused`` ...). A driver then sees a refill within its next poll, without a job.

cupsd runs as root here (backends that must run as root, cups-pdf among them, are only run
so by a root cupsd); its filters run as user lp, so root_dir and its parents must be
searchable by lp (a mkdtemp dir under /tmp, made 0711, is). The private server needs no
authentication: anyone who can reach the socket may administer it. Never use it for a
real printer.
"""

from __future__ import annotations

import ctypes
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from enum import StrEnum
from pathlib import Path

import cups

from . import sim_backend, sim_cups_files
from .sim_ipp import IppError, set_printer_reasons

CUPSD = "/usr/sbin/cupsd"
SYSTEM_SERVER_BIN = Path("/usr/lib/cups")
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
BACKEND_NAME = sim_backend.SCHEME
FILTER_USER = "lp"
_SIM_DIRS = ("etc", "bin", "spool", "cache", "state", "cups-pdf")


class Paper(StrEnum):
    NORMAL = "normal"
    LOW = "low"
    OUT = "out"
    JAMMED = "jammed"


class SimCupsError(RuntimeError):
    """The simulated printer cannot start; the message says why in one line."""


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class SimulatedCups:
    """A private cupsd with one cups-pdf queue; ``start()`` / ``stop()`` or ``with``."""

    def __init__(
        self,
        root_dir: str | Path,
        queue: str = "tongban-a4",
        port: int | None = None,
        print_delay: float = 0.0,
        start_timeout: float = 15.0,
        log_level: str = "warn",
    ) -> None:
        self.root_dir = Path(root_dir).absolute()
        self.queue = queue
        self.port = port  # also listen on 127.0.0.1:port (0: pick a free one)
        self.start_timeout = start_timeout
        self.log_level = log_level
        self.out_dir = self.root_dir / "out"
        self.server = str(self.root_dir / "cups.sock")
        self._state: dict[str, object] = {"paper": Paper.NORMAL.value, "offline": False,
                                          "delay": float(print_delay)}
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._taken: set[str] = set()

    # -- lifecycle ----------------------------------------------------------------------

    def __enter__(self) -> SimulatedCups:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Lay out the server and start cupsd; returns when the queue answers."""
        if self.running:
            return
        self._check_host()
        self._layout()
        if self.port == 0:
            self.port = _free_port()
        self._write_configs()
        self._taken.update(p.name for p in self.out_dir.glob("*.pdf"))
        self._spawn()
        self._sync_reasons()

    def stop_daemon(self) -> None:
        """Stop cupsd (only the one started here, by PID); the layout stays for start()."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5.0)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5.0)
        Path(self.server).unlink(missing_ok=True)

    def stop(self) -> None:
        """Stop cupsd and remove its configuration, spool and state; out/ and log/ stay."""
        self.stop_daemon()
        for name in _SIM_DIRS:
            shutil.rmtree(self.root_dir / name, ignore_errors=True)
        for name in ("state.json", "cups-pdf.ppd"):
            (self.root_dir / name).unlink(missing_ok=True)

    # -- the paper ----------------------------------------------------------------------

    @property
    def paper(self) -> Paper:
        return Paper(str(self._state["paper"]))

    @property
    def offline(self) -> bool:
        return bool(self._state["offline"])

    @property
    def print_delay(self) -> float:
        delay = self._state["delay"]
        return float(delay) if isinstance(delay, int | float) else 0.0

    def set_paper(self, paper: Paper | str) -> None:
        """normal | low | out | jammed; seen by the queue at once and by the next job."""
        try:
            level = Paper(paper)
        except ValueError:
            choices = "|".join(p.value for p in Paper)
            raise ValueError(f"unknown paper state {paper!r} ({choices})") from None
        self._update(paper=level.value)

    def set_offline(self, offline: bool) -> None:
        self._update(offline=bool(offline))

    def set_print_delay(self, seconds: float) -> None:
        """Seconds a job "prints" before its PDF is written (paper can run out meanwhile)."""
        if seconds < 0:
            raise ValueError("print delay must not be negative")
        self._update(delay=float(seconds))

    # -- output -------------------------------------------------------------------------

    def pdfs(self) -> list[Path]:
        """Every PDF printed so far, oldest first."""
        return sorted(self.out_dir.glob("*.pdf"))

    def wait_pdf(self, timeout: float) -> Path:
        """The next printed PDF not returned before; TimeoutError when none comes in time."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                for path in self.pdfs():
                    if path.name not in self._taken:
                        self._taken.add(path.name)
                        return path
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no new PDF in {self.out_dir} within {timeout:.1f} s")
            time.sleep(0.05)

    def skip_printed(self) -> None:
        """Make wait_pdf ignore every PDF printed so far."""
        with self._lock:
            self._taken.update(path.name for path in self.pdfs())

    def queue_reasons(self) -> list[str]:
        """The queue's printer-state-reasons as CUPS reports them (technician view)."""
        attributes = self._connection().getPrinterAttributes(
            self.queue, requested_attributes=["printer-state-reasons"]
        )
        return [r for r in attributes.get("printer-state-reasons", []) if r != "none"]

    def describe(self) -> str:
        return (
            f"paper={self.paper.value} offline={'on' if self.offline else 'off'} "
            f"delay={self.print_delay:g}s daemon={'running' if self.running else 'stopped'} "
            f"printed={len(self.pdfs())}"
        )

    # -- internals ----------------------------------------------------------------------

    def _check_host(self) -> None:
        if not Path(CUPSD).exists():
            raise SimCupsError(f"{CUPSD} not found: install the Debian package 'cups-daemon'")
        if not Path(sim_backend.CUPS_PDF).exists() or not CUPS_PDF_PPD.exists():
            raise SimCupsError(
                "cups-pdf not found: install the Debian package 'printer-driver-cups-pdf'"
            )
        if os.geteuid() != 0:
            raise SimCupsError("the simulated printer must run as root (cupsd runs cups-pdf "
                               "as root only when cupsd itself is root)")
        try:
            pwd.getpwnam(FILTER_USER)
        except KeyError:
            raise SimCupsError(f"user {FILTER_USER!r} (CUPS filters) does not exist") from None
        if len(self.server.encode()) > 100:
            raise SimCupsError(f"{self.root_dir} is too long for a unix socket path")

    def _layout(self) -> None:
        root = self.root_dir
        root.mkdir(mode=0o711, parents=True, exist_ok=True)
        # lp (filters) must pass through; nobody else needs to list it.
        os.chmod(root, os.stat(root).st_mode & 0o7777 | 0o011)
        blocked = [p for p in root.parents if not os.stat(p).st_mode & 0o001]
        if blocked:
            raise SimCupsError(
                f"{blocked[0]} is not searchable by others: CUPS filters (user lp) could not "
                f"reach {root}; use a directory such as one from mkdtemp under /tmp"
            )
        for name in ("etc/ppd", "bin/backend", "spool/tmp", "cache", "state", "log",
                     "cups-pdf/stage", "cups-pdf/spool", "cups-pdf/log", "cups-pdf/tmp", "out"):
            (root / name).mkdir(parents=True, exist_ok=True)
        for name in ("bin", "bin/backend", "etc", "etc/ppd"):
            os.chmod(root / name, 0o755)
        os.chmod(root / "out", 0o700)  # PDFs may carry personal data
        for sub in SYSTEM_SERVER_BIN.iterdir():
            link = root / "bin" / sub.name
            if sub.name != "backend" and not link.is_symlink():
                link.symlink_to(sub)
        backend = root / "bin" / "backend" / BACKEND_NAME
        source = Path(sim_backend.__file__).read_text(encoding="utf-8")
        backend.write_text(f"#!{sys.executable} -I\n{source}", encoding="utf-8")
        os.chmod(backend, 0o700)  # root-owned 0700: cupsd runs it as root
        shutil.copyfile(CUPS_PDF_PPD, root / "etc" / "ppd" / f"{self.queue}.ppd")
        (root / "cups-pdf.ppd").write_text(sim_cups_files.CUPS_PDF_SETTINGS, encoding="ascii")
        self._write_state()

    def _write_configs(self) -> None:
        etc = self.root_dir / "etc"
        uri = f"{BACKEND_NAME}:{urllib.parse.quote(str(self.root_dir))}"
        (etc / "cups-files.conf").write_text(
            sim_cups_files.cups_files_conf(self.root_dir, FILTER_USER), encoding="utf-8")
        (etc / "cupsd.conf").write_text(
            sim_cups_files.cupsd_conf(self.server, self.port, self.log_level), encoding="utf-8")
        (etc / "printers.conf").write_text(
            sim_cups_files.printers_conf(self.queue, uri), encoding="utf-8")
        os.chmod(etc / "printers.conf", 0o600)

    def _spawn(self) -> None:
        etc = self.root_dir / "etc"
        Path(self.server).unlink(missing_ok=True)
        output = open(self.root_dir / "log" / "cupsd.out", "ab")  # noqa: SIM115 - child owns it
        try:
            self._proc = subprocess.Popen(
                [CUPSD, "-f", "-c", str(etc / "cupsd.conf"), "-s", str(etc / "cups-files.conf")],
                stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                start_new_session=True, preexec_fn=_die_with_parent,
            )
        finally:
            output.close()
        deadline = time.monotonic() + self.start_timeout
        last_error = "no answer"
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._proc = None
                raise SimCupsError(f"cupsd exited with {code}: {self._config_errors()}")
            try:
                self._connection().getPrinterAttributes(
                    self.queue, requested_attributes=["printer-state"]
                )
                return
            except (RuntimeError, cups.IPPError) as err:
                last_error = str(err)
            time.sleep(0.05)
        self.stop_daemon()
        raise SimCupsError(
            f"cupsd did not serve queue {self.queue} within {self.start_timeout:.0f} s "
            f"({last_error}): {self._log_tail()}"
        )

    def _connection(self) -> cups.Connection:
        return cups.Connection(host=self.server)

    def _update(self, **changes: object) -> None:
        with self._lock:
            self._state.update(changes)
            self._write_state()
        if self.running:
            self._sync_reasons()

    def _write_state(self) -> None:
        path = self.root_dir / "state.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self._state), encoding="utf-8")
        os.replace(temporary, path)  # the backend never reads half a file

    def _sync_reasons(self) -> None:
        """Make the queue's reasons say what the paper and offline state are."""
        owned = set(sim_backend.REASONS.values())
        wanted = [
            sim_backend.REASONS[name]
            for name in sim_backend.REASONS
            if name == self._state["paper"] or (name == "offline" and self._state["offline"])
        ]
        try:
            kept = [reason for reason in self.queue_reasons() if reason not in owned]
            set_printer_reasons(self.server, self.queue, kept + wanted)
        except (RuntimeError, cups.IPPError, IppError, OSError) as err:
            raise SimCupsError(f"cannot update queue {self.queue}: {err}") from err

    def _config_errors(self) -> str:
        """cupsd reports configuration errors only to syslog when running; ask it again."""
        etc = self.root_dir / "etc"
        check = subprocess.run(
            [CUPSD, "-t", "-c", str(etc / "cupsd.conf"), "-s", str(etc / "cups-files.conf")],
            capture_output=True, text=True, timeout=10,
        )
        found = [line for line in check.stdout.splitlines() if "error" in line.lower()]
        return " | ".join(found) or self._log_tail()

    def _log_tail(self, lines: int = 3) -> str:
        text = ""
        for name in ("cupsd.out", "error_log"):
            try:
                text += (self.root_dir / "log" / name).read_text(errors="replace")
            except OSError:
                continue
        tail = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
        return " | ".join(tail) or "no log output"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
