"""The printed-output log as a CSV file for hall staff: Chinese column titles, UTF-8 with a
BOM (Excel and WPS open the Chinese right), written atomically (e.g. to a USB stick)."""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from kiosk import hall_time
from kiosk.printing.printlog import PrintRecord

CSV_HEADER = ("时间", "类型", "文书编号", "打印机", "作业号", "页数", "结果", "原因", "证件号码",
              "内容SHA-256", "记录号")


def write_csv(records: Iterable[PrintRecord], out: IO[str]) -> int:
    """Records as CSV with Chinese column titles; returns how many were written."""
    writer = csv.DictWriter(out, fieldnames=list(CSV_HEADER))
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow(record.as_row())
        count += 1
    return count


def export_name(terminal_code: str, zone: dt.tzinfo, clock: Callable[[], float] = time.time) -> str:
    """The export's file name, stamped with the hall's time: 打印记录-<terminal>-20261123-093012.csv."""
    stamp = hall_time.now(zone, clock).strftime("%Y%m%d-%H%M%S")
    return f"打印记录-{terminal_code or 'terminal'}-{stamp}.csv"


def export_csv(records: Iterable[PrintRecord], path: Path) -> int:
    """Write the records to ``path`` (e.g. on a USB stick) atomically, as UTF-8 with a BOM
    (so Excel and WPS open the Chinese right); returns the count."""
    tmp = path.with_name(f".{path.name}.part")
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        count = write_csv(records, fh)
        fh.flush()
    tmp.replace(path)
    return count
