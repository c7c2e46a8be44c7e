"""The printed-output log: everything this terminal printed, tamper-evident.

Each print attempt writes a ``sent`` row before its bytes go to the printer and a
``finished`` row after (printed, or failed with the reason). Rows are append-only and
chained: a row's MAC is HMAC-SHA256, under a key derived from the store key, over the
previous row's MAC and every column of the row. ``verify`` walks the chain and names the
first row that was altered, removed or inserted; the chain's head is also written to a file
beside the database after every commit, so rows cut from the end are noticed too, and every
finished entry (with its MAC) goes to central through the outbox, where the chain can be
checked against a copy the terminal cannot change.

The citizen's ID number is never stored on the terminal, not even as a hash: a row keeps
the masked form for people. Any hash checkable with a key on this disk gives the number back
to whoever copies the disk (the masked number leaves a birth date and a sequence to try: a
few seconds), so the look-up by number is central's: the finished entry carries the number
to central (in the outbox until delivered, see docs/security.md), central keeps a hash under
a secret of its own, and ``records(id_number=...)`` asks central which entries of this
terminal are that person's (``IdLookupUnavailable`` when central cannot answer).

Rows keep epoch seconds; what staff read (records, CSV) and what central gets is the hall's
wall time (``zone``, from ``[terminal] timezone``) with its offset, whatever the host's TZ.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Row, func, insert, select

from kiosk import hall_time
from kiosk.central_api.errors import CentralError
from kiosk.files import replace_private_file
from kiosk.outbox import KIND_PRINT_LOG, Outbox
from kiosk.privacy import mask_number
from kiosk.store import Store
from kiosk.store.schema import print_log

log = logging.getLogger(__name__)

SENT, FINISHED = "sent", "finished"
SENDING, PRINTED, FAILED = "sending", "printed", "failed"
GENESIS = "0" * 64
HEAD_FILE = "print-log.head"

DOC_TYPES = {
    "application_receipt": "办件受理回执",
    "queue_ticket": "排队号票",
    "notice": "一次性告知单",
    "handover": "收件交接单",
    "test_page": "打印测试页",
    "proof": "证明",
    "licence": "证照",
}


class IdLookupUnavailable(Exception):
    """Finding prints by ID number needs central, which did not answer. ``code`` is stable:
    ``id_lookup_offline`` (central unreachable or the terminal not enrolled) or
    ``id_lookup_failed`` (central refused or answered wrongly)."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


@dataclass(frozen=True)
class PrintRecord:
    """One print attempt, from its ``sent`` and (if any) ``finished`` rows."""

    entry_id: str
    seq: int
    at: dt.datetime
    doc_type: str
    doc_number: str
    printer: str
    job_id: str
    pages: int
    content_sha256: str
    result: str              # printed | failed | sending (no finished row: cut off by a crash)
    reason: str
    id_masked: str
    finished_at: dt.datetime | None

    def as_row(self) -> dict[str, str]:
        return {
            "时间": self.at.strftime("%Y-%m-%d %H:%M:%S"),
            "类型": DOC_TYPES.get(self.doc_type, self.doc_type),
            "文书编号": self.doc_number,
            "打印机": self.printer,
            "作业号": self.job_id,
            "页数": str(self.pages),
            "结果": {"printed": "已打印", "failed": "失败", "sending": "未完成"}.get(self.result, self.result),
            "原因": self.reason,
            "证件号码": self.id_masked,
            "内容SHA-256": self.content_sha256,
            "记录号": self.entry_id,
        }


@dataclass(frozen=True)
class ExportResult:
    ok: bool
    reason: str = ""         # "" | export_not_configured | no_usb_stick | export_failed
    path: Path | None = None
    count: int = 0


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int                # rows of the table (an attempt has a sent and a finished row)
    problem: str = ""        # "" | altered | removed | inserted | truncated
    seq: int | None = None   # the first row concerned (for removed: the row after the gap)
    detail: str = ""
    attempts: int = 0        # print attempts (sent rows)


class PrintLog:
    def __init__(
        self,
        store: Store,
        outbox: Outbox | None,
        clock: Callable[[], float] = time.time,
        zone: dt.tzinfo | None = None,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self._clock = clock
        self.zone = hall_time.default_zone() if zone is None else zone
        self._chain_key = store.cipher.derive(CHAIN_KEY_PURPOSE)
        # Between begin() and finish() of an attempt: the number goes to central with the
        # finished entry. In memory only; finish() takes it out.
        self._pending_ids: dict[str, str] = {}
        self.head_path = store.data_dir / HEAD_FILE
        # One append at a time in this process: the head file must follow the commits in order.
        self._append_lock = threading.Lock()

    # -- writing ---------------------------------------------------------------------------
    def begin(
        self,
        *,
        doc_type: str,
        doc_number: str,
        printer: str,
        content: bytes,
        pages: int,
        id_number: str | None = None,
    ) -> str:
        """Record an attempt before anything is sent; returns its entry id."""
        entry_id = str(uuid.uuid4())
        values = {
            "entry_id": entry_id, "event": SENT, "doc_type": doc_type, "doc_number": doc_number,
            "printer": printer, "job_id": "", "pages": pages,
            "content_sha256": hashlib.sha256(content).hexdigest(), "result": SENDING,
            "reason": "",
            "id_masked": mask_number(id_number) if id_number else "",
            "id_hash": "",
        }
        if id_number:
            self._pending_ids[entry_id] = id_number.strip().upper()
        try:
            self._append(values, deliver=False)
        except BaseException:
            self._pending_ids.pop(entry_id, None)
            raise
        log.info("print log: %s %s sent to %s", doc_type, entry_id, printer)
        return entry_id

    def finish(self, entry_id: str, *, result: str, job_id: str = "", pages: int | None = None,
               reason: str = "") -> None:
        """Record how the attempt ended and queue the entry for central."""
        if result not in (PRINTED, FAILED):
            raise ValueError(f"result must be printed or failed, not {result!r}")
        with self.store.read() as conn:
            sent = conn.execute(
                select(print_log).where(print_log.c.entry_id == entry_id, print_log.c.event == SENT)
            ).first()
        if sent is None:
            raise KeyError(entry_id)
        values = {
            "entry_id": entry_id, "event": FINISHED, "doc_type": sent.doc_type,
            "doc_number": sent.doc_number, "printer": sent.printer, "job_id": job_id,
            "pages": sent.pages if pages is None else pages,
            "content_sha256": sent.content_sha256, "result": result, "reason": reason,
            "id_masked": sent.id_masked, "id_hash": "",
        }
        id_number = self._pending_ids.pop(entry_id, "")
        self._append(values, deliver=True, sent_at=sent.at_text, id_number=id_number)
        del id_number
        log.info("print log: %s %s %s%s", sent.doc_type, entry_id, result, f" ({reason})" if reason else "")

    def _append(self, values: dict[str, Any], deliver: bool, sent_at: str = "", id_number: str = "") -> None:
        with self._append_lock:
            self._append_locked(values, deliver, sent_at, id_number)
        if deliver and self.outbox is not None:
            self.outbox.wake()

    def _append_locked(self, values: dict[str, Any], deliver: bool, sent_at: str, id_number: str) -> None:
        now = self._clock()
        values = {**values, "at": now, "at_text": hall_time.wire(now, self.zone)}
        with self.store.write() as conn:
            last = conn.execute(
                select(print_log.c.seq, print_log.c.mac).order_by(print_log.c.seq.desc()).limit(1)
            ).first()
            seq = 1 if last is None else last.seq + 1
            prev = GENESIS if last is None else last.mac
            values.update(seq=seq, prev_mac=prev)
            values["mac"] = self._mac(prev, values)
            conn.execute(insert(print_log).values(**values))
            if deliver and self.outbox is not None:
                # The number goes only sealed to central's key; before the terminal has
                # that key the entry goes without it (not findable by number later).
                if self.outbox.seal_key() is None:
                    id_number = ""
                entry = _central_entry(values, sent_at, id_number)
                self.outbox.enqueue_in(
                    conn, KIND_PRINT_LOG, json.dumps(entry, ensure_ascii=False).encode(),
                    label=f"PL-{values['entry_id']}", idempotency_key=values["entry_id"],
                    sealed_only=bool(id_number),
                )
                del entry
        try:
            replace_private_file(self.head_path, f"{seq} {values['mac']}\n".encode())
        except OSError as err:  # the row is committed; the head file only helps verify
            log.warning("print log: head file not written: %s", err.strerror)

    def _mac(self, prev_mac: str, row: Any) -> str:
        return chain_mac(self._chain_key, prev_mac, row)

    # -- reading ---------------------------------------------------------------------------
    def records(
        self,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        doc_type: str | None = None,
        id_number: str | None = None,
        limit: int | None = None,
    ) -> list[PrintRecord]:
        """Attempts, newest first, filtered by the time they were sent (aware datetimes),
        type and ID number; their times are the hall's. Filtering by ID number asks central
        (``find_entries``): raises IdLookupUnavailable when central cannot answer."""
        query = select(print_log).where(print_log.c.event == SENT)
        if id_number:
            query = query.where(print_log.c.entry_id.in_(self.find_entries(id_number)))
        if since is not None:
            query = query.where(print_log.c.at >= since.timestamp())
        if until is not None:
            query = query.where(print_log.c.at < until.timestamp())
        if doc_type:
            query = query.where(print_log.c.doc_type == doc_type)
        query = query.order_by(print_log.c.seq.desc())
        if limit:
            query = query.limit(limit)
        with self.store.read() as conn:
            sent_rows = conn.execute(query).all()
            ids = [r.entry_id for r in sent_rows]
            finished: dict[str, Row[Any]] = {}
            for chunk_start in range(0, len(ids), 500):
                chunk = ids[chunk_start:chunk_start + 500]
                for row in conn.execute(
                    select(print_log).where(print_log.c.event == FINISHED, print_log.c.entry_id.in_(chunk))
                ):
                    finished[row.entry_id] = row
        return [_record(r, finished.get(r.entry_id), self.zone) for r in sent_rows]

    def find_entries(self, id_number: str) -> list[str]:
        """The entry ids of this terminal's prints for ``id_number``, as central knows them
        (POST /print-log/lookup). Entries still in the outbox are not known there yet."""
        if self.outbox is None:
            raise IdLookupUnavailable("id_lookup_offline")
        client = None
        try:
            client = self.outbox.client_factory()
            return client.find_print_log_entries(id_number.strip().upper())
        except CentralError as err:
            log.info("print log: look-up by ID number not answered (%s)", err.code)
            rejected = getattr(err, "status", 0)
            code = "id_lookup_failed" if rejected and 400 <= rejected < 500 else "id_lookup_offline"
            raise IdLookupUnavailable(code) from None
        finally:
            if client is not None:
                client.close()

    def since_days(self, days: int) -> dt.datetime:
        """The start of the hall's day ``days - 1`` days ago (``1``: today), for ``records``."""
        return hall_time.days_back(days, self.zone, self._clock)

    def count(self) -> int:
        with self.store.read() as conn:
            return int(conn.execute(select(func.count()).select_from(print_log)).scalar_one())

    def head(self) -> tuple[int, str] | None:
        """(rows, the last row's MAC) or None when the log is empty: what the heartbeat
        reports (docs/fleet.md §1) so central sees a log cut short or rewritten."""
        with self.store.read() as conn:
            last = conn.execute(select(print_log.c.mac).order_by(print_log.c.seq.desc()).limit(1)).first()
            if last is None:
                return None
            rows = int(conn.execute(select(func.count()).select_from(print_log)).scalar_one())
        return rows, str(last.mac)

    # -- checking --------------------------------------------------------------------------
    def verify(self) -> ChainReport:
        with self.store.read() as conn:
            rows = list(conn.execute(select(print_log).order_by(print_log.c.seq)).all())
        attempts = sum(1 for row in rows if row.event == SENT)
        report = self._walk(rows)
        if report.ok:
            report = self._check_head(rows) or report
        return replace(report, attempts=attempts)

    def _walk(self, rows: list[Row[Any]]) -> ChainReport:
        prev_mac, prev_seq = GENESIS, 0
        for index, row in enumerate(rows):
            intact = hmac.compare_digest(self._mac(row.prev_mac, row), row.mac)
            linked = row.prev_mac == prev_mac
            if not intact:
                following = rows[index + 1] if index + 1 < len(rows) else None
                if following is not None and following.prev_mac == prev_mac:
                    return ChainReport(False, len(rows), "inserted", row.seq,
                                       f"row {row.seq} is not part of the chain (inserted)")
                return ChainReport(False, len(rows), "altered", row.seq,
                                   f"row {row.seq} does not match its MAC (altered)")
            if not linked:
                missing = f"{prev_seq + 1}..{row.seq - 1}" if row.seq > prev_seq + 1 else "some"
                return ChainReport(False, len(rows), "removed", row.seq,
                                   f"rows {missing} before row {row.seq} were removed")
            if row.seq != prev_seq + 1:
                return ChainReport(False, len(rows), "altered", row.seq,
                                   f"row {row.seq} follows row {prev_seq} (renumbered)")
            prev_mac, prev_seq = row.mac, row.seq
        return ChainReport(True, len(rows))

    def _check_head(self, rows: list[Row[Any]]) -> ChainReport | None:
        try:
            text = self.head_path.read_text().split()
        except FileNotFoundError:
            if rows:
                return ChainReport(False, len(rows), "truncated", None,
                                   f"the head file {self.head_path.name} is missing")
            return None
        except OSError as err:
            return ChainReport(False, len(rows), "truncated", None, f"head file unreadable: {err.strerror}")
        try:
            head_seq, head_mac = int(text[0]), text[1]
        except (IndexError, ValueError):
            return ChainReport(False, len(rows), "truncated", None, "the head file is garbled")
        last_seq = rows[-1].seq if rows else 0
        if head_seq > last_seq:
            return ChainReport(False, len(rows), "truncated", last_seq + 1,
                               f"rows {last_seq + 1}..{head_seq} were removed from the end")
        if head_seq and not hmac.compare_digest(rows[head_seq - 1].mac, head_mac):
            return ChainReport(False, len(rows), "altered", head_seq,
                               f"row {head_seq} is not the row the head file recorded")
        return None


CHAIN_KEY_PURPOSE = "print-log-chain"
_CHAINED = ("seq", "entry_id", "event", "at_text", "doc_type", "doc_number", "printer", "job_id",
            "pages", "content_sha256", "result", "reason", "id_masked", "id_hash")


def chain_mac(key: bytes, prev_mac: str, row: Any) -> str:
    """A row's MAC: HMAC-SHA256 under the chain key over the previous MAC and its columns."""
    get = row.get if isinstance(row, dict) else row._mapping.get
    material = json.dumps(
        [get(c) for c in _CHAINED] + [repr(float(get("at") or 0.0))],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hmac.new(key, (prev_mac + material).encode(), hashlib.sha256).hexdigest()


def _record(sent: Row[Any], done: Row[Any] | None, zone: dt.tzinfo) -> PrintRecord:
    return PrintRecord(
        entry_id=sent.entry_id,
        seq=sent.seq,
        at=hall_time.to_hall(sent.at, zone),
        doc_type=sent.doc_type,
        doc_number=sent.doc_number,
        printer=sent.printer,
        job_id=done.job_id if done is not None else "",
        pages=done.pages if done is not None else sent.pages,
        content_sha256=sent.content_sha256,
        result=done.result if done is not None else SENDING,
        reason=done.reason if done is not None else "",
        id_masked=sent.id_masked,
        finished_at=hall_time.to_hall(done.at, zone) if done is not None else None,
    )


def _central_entry(values: dict[str, Any], sent_at: str, id_number: str) -> dict[str, Any]:
    return {
        "entry_id": values["entry_id"], "seq": values["seq"], "at": sent_at or values["at_text"],
        "doc_type": values["doc_type"], "doc_number": values["doc_number"],
        "printer": values["printer"], "job_id": values["job_id"], "pages": values["pages"],
        "content_sha256": values["content_sha256"], "result": values["result"],
        "reason": values["reason"], "id_masked": values["id_masked"], "id_number": id_number,
        "chain_hash": values["mac"],
    }
