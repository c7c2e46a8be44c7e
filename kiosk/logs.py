"""Logging for the terminal: a rotating file under the data dir, every record redacted.

The log folder is 0750 and its files 0640 (the terminal's user writes, its group, e.g. a
technician's, reads; nobody else), whatever the umask; looser ones are tightened at start.

Each handler masks twice: a filter cleans the record (message, exception, stack) and the
formatter masks the final line, so a traceback formatted by anyone is masked too.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import socket
from pathlib import Path

from kiosk.files import ensure_dir, tighten_file
from kiosk.privacy import RedactingFilter, RedactingFormatter

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_DIR_MODE = 0o750
LOG_FILE_MODE = 0o640
LOG_FILE = "kiosk.log"
JOURNAL_SOCKET = "/dev/log"   # syslog; journald listens here on a systemd machine


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Creates each log file (the first and every one after a rollover) 0640."""

    def _open(self) -> io.TextIOWrapper:
        # Created with its mode (never briefly readable by others), then opened as usual.
        os.close(os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, LOG_FILE_MODE))
        tighten_file(Path(self.baseFilename), LOG_FILE_MODE)
        return super()._open()


def setup_logging(log_dir: Path | None, level: int = logging.INFO, to_stderr: bool = True) -> None:
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "_tongban", False):
            root.removeHandler(handler)
    handlers: list[logging.Handler] = []
    if log_dir is not None:
        ensure_dir(log_dir, LOG_DIR_MODE)
        for old in log_dir.glob(f"{LOG_FILE}*"):  # the rotated ones too
            if old.is_file():
                tighten_file(old, LOG_FILE_MODE)
        handlers.append(
            _PrivateRotatingFileHandler(
                log_dir / LOG_FILE, maxBytes=5_000_000, backupCount=5, encoding="utf-8"
            )
        )
    if to_stderr:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.setFormatter(RedactingFormatter(FORMAT))
        handler.addFilter(RedactingFilter())
        handler._tongban = True  # type: ignore[attr-defined]
        root.addHandler(handler)


class _QuietSysLogHandler(logging.handlers.SysLogHandler):
    """Syslog that never prints "--- Logging error ---" into a command's output."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass


def setup_cli_logging(verbose: bool, journal: str = JOURNAL_SOCKET) -> None:
    """Logging for the technician commands (`kiosk doctor`, `read-id` ...): what they print
    is for a person or, with --json, a script, so log records never mix into it. Records
    of WARNING and above go to the journal (syslog socket ``journal``, when there is one);
    with ``verbose`` every record from DEBUG up goes to stderr as well."""
    setup_logging(None, level=logging.DEBUG if verbose else logging.WARNING, to_stderr=verbose)
    # Without any handler Python's last resort would print the record to stderr after all.
    null = logging.NullHandler()
    null._tongban = True  # type: ignore[attr-defined]
    logging.getLogger().addHandler(null)
    if not os.path.exists(journal):
        return
    try:
        handler = _QuietSysLogHandler(address=journal, socktype=socket.SOCK_DGRAM)
    except OSError:
        return
    handler.setLevel(logging.WARNING)
    handler.setFormatter(RedactingFormatter("kiosk-cli[%(process)d]: %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    handler._tongban = True  # type: ignore[attr-defined]
    logging.getLogger().addHandler(handler)
