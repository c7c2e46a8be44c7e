"""Logging for the terminal: a rotating file under the data dir, every record redacted.

Each handler masks twice: a filter cleans the record (message, exception, stack) and the
formatter masks the final line, so a traceback formatted by anyone is masked too.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from kiosk.privacy import RedactingFilter, RedactingFormatter

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(log_dir: Path | None, level: int = logging.INFO, to_stderr: bool = True) -> None:
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "_tongban", False):
            root.removeHandler(handler)
    handlers: list[logging.Handler] = []
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                log_dir / "kiosk.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8"
            )
        )
    if to_stderr:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.setFormatter(RedactingFormatter(FORMAT))
        handler.addFilter(RedactingFilter())
        handler._tongban = True  # type: ignore[attr-defined]
        root.addHandler(handler)
