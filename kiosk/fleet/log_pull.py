"""The log central's ``pull_log`` command gets (docs/fleet.md §2): the kiosk's own log file
and its rotated ones (kiosk/logs.py: ``<data_dir>/logs/kiosk.log``, ``.1`` … ``.5``), the
records of the last N hours, at most 2 MiB with the newest kept.

The file was masked when it was written (kiosk/logs.py's redacting handlers); every line is
masked again here with the same ``redact`` before it leaves the terminal, so a line written
by an older version or another tool cannot carry a citizen's number out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from kiosk.logs import LOG_FILE
from kiosk.privacy import redact

MAX_BYTES = 2 * 1024 * 1024
ROTATED = 5          # kiosk/logs.py keeps kiosk.log.1 … kiosk.log.5
_STAMP = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class PulledLog:
    text: str
    lines: int
    bytes: int
    truncated: bool       # older records of the window were left out to stay under the cap


def _stamp(line: str) -> dt.datetime | None:
    # "2026-12-06 07:58:10,123 INFO ...": the logging module's asctime, local time.
    try:
        return dt.datetime.strptime(line[:19], _STAMP)
    except ValueError:
        return None


def _files(log_dir: Path) -> list[Path]:
    """Newest first: kiosk.log, kiosk.log.1, …"""
    names = [LOG_FILE] + [f"{LOG_FILE}.{n}" for n in range(1, ROTATED + 1)]
    return [log_dir / name for name in names if (log_dir / name).is_file()]


def recent_log(log_dir: Path, hours: float, now: dt.datetime | None = None,
               max_bytes: int = MAX_BYTES) -> PulledLog:
    """The masked records written in the last ``hours`` before ``now`` (local time, like
    the file), oldest first, cut from the old end to ``max_bytes`` at a line boundary.
    A line without a time (a traceback's) belongs to the record above it."""
    cutoff = (now or dt.datetime.now()) - dt.timedelta(hours=hours)
    records: list[list[str]] = []      # newest file first; each file's records in order
    for path in _files(log_dir):
        with path.open(encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
        file_records: list[list[str]] = []
        current: list[str] | None = None
        older_seen = False
        for line in lines:
            when = _stamp(line)
            if when is not None:
                current = None
                if when < cutoff:
                    older_seen = True
                    continue
                current = [line]
                file_records.append(current)
            elif current is not None:
                current.append(line)
        records = file_records + records    # an older file goes before the newer ones
        if older_seen:
            break                           # the rotated files before it are older still
    kept: list[str] = []
    size = 0
    truncated = False
    for record in reversed(records):        # newest first, until the cap
        text = "\n".join(redact(line) for line in record) + "\n"
        length = len(text.encode("utf-8"))
        if size + length > max_bytes:
            truncated = True
            break
        kept.append(text)
        size += length
    body = "".join(reversed(kept))
    return PulledLog(body, body.count("\n"), size, truncated)
