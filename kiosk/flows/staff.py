"""Staff mode: the hidden gesture, the PIN with its lockout, the printed-output log and its
export to a USB stick, and closing by itself when left alone (a countdown first) or when a
citizen arrives.

Runs without a window: the staff screens only read ``StaffFlow`` and send it intents, and
the tests drive it directly. The gesture, the PIN and the idle close are ``PinMode``'s
(kiosk/flows/pin_mode.py, shared with the technician's mode); every read of the log runs
off the caller's thread (``Runner``); a result that arrives after the filters changed or
staff mode closed is dropped.

closed --(five taps / staff card)--> pin --(PIN)--> checking --> log
   ^                                  |                 |          |
   +------- exit, idle, citizen ------+-----------------+----------+
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

from kiosk.flows.base import Runner, thread_runner
from kiosk.flows.pin_mode import GESTURE_TAPS, GESTURE_WINDOW_S, PinMode, TapCounter
from kiosk.printing.export import export_csv, export_name
from kiosk.printing.printlog import (
    ChainReport,
    ExportResult,
    IdLookupUnavailable,
    PrintLog,
    PrintRecord,
)
from kiosk.staff import StaffGate

log = logging.getLogger(__name__)

__all__ = ["GESTURE_TAPS", "GESTURE_WINDOW_S", "LogQuery", "LogView", "StaffFlow", "StaffStep",
           "TapCounter"]

STAFF_IDLE_S = 120.0   # staff mode closes by itself after this long untouched
RECORD_LIMIT = 500     # rows read for the table (and exported); a longer period: narrow it


class StaffStep(StrEnum):
    CLOSED = "closed"
    PIN = "pin"
    CHECKING = "checking"
    LOG = "log"


@dataclass(frozen=True)
class LogQuery:
    days: int | None = 1           # None: all
    doc_type: str = ""             # "": every type
    id_number: str = ""            # a citizen's number to look up ("" none); never logged


@dataclass
class LogView:
    """What the print-log screen shows; replaced whole by each query."""

    query: LogQuery = LogQuery()
    records: list[PrintRecord] = field(default_factory=list)
    loading: bool = False
    failed: bool = False           # the log could not be read
    # "" or why the look-up by ID number got no answer (IdLookupUnavailable.code): it is
    # central's, the terminal keeps no hash of the number; the other filters work offline
    lookup_unavailable: str = ""
    chain: ChainReport | None = None
    chain_failed: bool = False
    exporting: bool = False
    export: ExportResult | None = None


class StaffFlow(PinMode):
    SERVICE_ID = "staff"
    FIRST = StaffStep.CLOSED
    CLOSED, PIN, CHECKING, OPEN_STEP = StaffStep.CLOSED, StaffStep.PIN, StaffStep.CHECKING, StaffStep.LOG
    ROLE = "staff"
    TRANSITIONS: ClassVar = {
        StaffStep.CLOSED: frozenset({StaffStep.PIN}),
        StaffStep.PIN: frozenset({StaffStep.CHECKING, StaffStep.LOG, StaffStep.CLOSED}),
        StaffStep.CHECKING: frozenset({StaffStep.PIN, StaffStep.LOG, StaffStep.CLOSED}),
        StaffStep.LOG: frozenset({StaffStep.CLOSED}),
    }

    def __init__(
        self,
        gate: StaffGate,
        printlog: PrintLog,
        citizen_present: Callable[[], bool],
        export_dir: Path | None = None,
        terminal_code: str = "",
        zone: dt.tzinfo | None = None,
        idle_s: float = STAFF_IDLE_S,
        clock: Callable[[], float] = time.monotonic,
        runner: Runner = thread_runner,
    ) -> None:
        super().__init__(gate, citizen_present, idle_s, clock, runner)
        self._printlog = printlog
        self._export_dir = export_dir
        self._terminal_code = terminal_code
        self._zone = zone or ZoneInfo("Asia/Shanghai")
        self.view = LogView()
        self._query_gen = 0

    def _opened(self) -> None:
        log.info("staff: print log opened")
        self.view = LogView()
        self.query(LogQuery())
        self.verify()

    def _forget(self) -> None:
        self.view = LogView()  # the look-up number and the rows go with the mode
        self._query_gen += 1

    # -- the log ---------------------------------------------------------------------------
    def query(self, query: LogQuery) -> None:
        if self.step is not StaffStep.LOG:
            return
        self.touch()
        with self._lock:
            self._query_gen += 1
            qgen = self._query_gen
            self.view.query, self.view.loading, self.view.failed = query, True, False
            self.view.lookup_unavailable = ""
        self._changed()
        gen = self._generation

        def work() -> None:
            try:
                records = self.records(query)
            except IdLookupUnavailable as err:
                code = err.code
                self._apply(gen, lambda: self._shown(qgen, [], code))
                return
            except Exception:  # a database or disk problem: the screen says so
                log.exception("staff: print log could not be read")
                self._apply(gen, lambda: self._shown(qgen, None))
                return
            self._apply(gen, lambda: self._shown(qgen, records))

        self._background(work)

    def records(self, query: LogQuery, limit: int = RECORD_LIMIT) -> list[PrintRecord]:
        since = self._printlog.since_days(query.days) if query.days is not None else None  # the hall's days
        return self._printlog.records(since=since, doc_type=query.doc_type or None,
                                      id_number=query.id_number or None, limit=limit)

    def _shown(self, qgen: int, records: list[PrintRecord] | None, unavailable: str = "") -> None:
        if qgen != self._query_gen:
            return  # the filters changed while this query ran
        self.view.loading = False
        self.view.lookup_unavailable = unavailable
        self.view.failed = records is None
        self.view.records = records or []
        self._changed()

    def verify(self) -> None:
        gen = self._generation
        self.view.chain, self.view.chain_failed = None, False

        def work() -> None:
            try:
                report = self._printlog.verify()
            except Exception:
                log.exception("staff: print log chain could not be checked")
                self._apply(gen, lambda: self._chain(None))
                return
            if not report.ok:
                log.warning("staff: print log chain check failed: %s", report.detail)
            self._apply(gen, lambda: self._chain(report))

        self._background(work)

    def _chain(self, report: ChainReport | None) -> None:
        self.view.chain, self.view.chain_failed = report, report is None
        self._changed()

    def export(self) -> None:
        """Write the rows shown as CSV to the USB stick (``[staff] export_dir``)."""
        if self.step is not StaffStep.LOG or self.view.exporting:
            return
        self.touch()
        records = list(self.view.records)
        self.view.exporting, self.view.export = True, None
        self._changed()
        gen = self._generation

        def work() -> None:
            result = self.export_records(records)
            self._apply(gen, lambda: self._exported(result))

        self._background(work)

    def _exported(self, result: ExportResult) -> None:
        self.view.exporting, self.view.export = False, result
        self._changed()

    def export_records(self, records: list[PrintRecord]) -> ExportResult:
        folder = self._export_dir
        if folder is None:
            return ExportResult(False, "export_not_configured")
        if not folder.is_dir():
            return ExportResult(False, "no_usb_stick")
        name = export_name(self._terminal_code, self._zone)
        try:
            count = export_csv(records, folder / name)
        except OSError as err:
            log.warning("print log export to %s failed: %s", folder, err.strerror)
            return ExportResult(False, "export_failed")
        log.info("print log: %d records exported", count)
        return ExportResult(True, "", folder / name, count)
