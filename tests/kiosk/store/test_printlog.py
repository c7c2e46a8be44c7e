"""The printed-output log: written before and after each attempt, chained, tamper-evident,
searchable by ID number without keeping it."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import sqlite3
from pathlib import Path

import pytest

from kiosk.outbox import KIND_PRINT_LOG, Outbox
from kiosk.printing.printlog import FAILED, PRINTED, PrintLog, write_csv
from kiosk.store import Store, open_store
from kiosk.store.schema import outbox

ID = "11010519491231002X"
OTHER = "440524188001010014"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC).timestamp()

    def __call__(self) -> float:
        self.now += 1
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(tmp_path / "data")
    yield s
    s.close()


@pytest.fixture
def plog(store: Store) -> PrintLog:
    box = Outbox(store, client_factory=lambda: None)  # type: ignore[arg-type,return-value]
    return PrintLog(store, box, clock=Clock())


def _attempt(plog: PrintLog, number: str, ok: bool = True, id_number: str | None = ID,
             doc_type: str = "application_receipt") -> str:
    entry = plog.begin(doc_type=doc_type, doc_number=number, printer="receipt_printer",
                       content=f"bytes of {number}".encode(), pages=1, id_number=id_number)
    if ok:
        plog.finish(entry, result=PRINTED, job_id=f"J-{number}")
    else:
        plog.finish(entry, result=FAILED, job_id=f"J-{number}", reason="paper_out")
    return entry


def _sql(store: Store, statement: str, *params: object) -> None:
    conn = sqlite3.connect(store.path)
    try:
        conn.execute(statement, params)
        conn.commit()
    finally:
        conn.close()


def test_an_attempt_is_recorded_before_it_is_sent_and_finished_after(plog: PrintLog) -> None:
    entry = plog.begin(doc_type="proof", doc_number="140500-SB-1", printer="a4_printer",
                       content=b"%PDF-1.4 ...", pages=2, id_number=ID)
    [pending] = plog.records()
    assert pending.result == "sending" and pending.job_id == "" and pending.finished_at is None

    plog.finish(entry, result=PRINTED, job_id="17", pages=2)
    [done] = plog.records()
    assert (done.result, done.job_id, done.pages, done.doc_number) == ("printed", "17", 2, "140500-SB-1")
    assert done.content_sha256 == hashlib.sha256(b"%PDF-1.4 ...").hexdigest()
    assert done.id_masked == "1101**********002X"
    assert plog.verify().ok


def test_finished_entries_are_queued_for_central_in_the_same_transaction(plog: PrintLog, store: Store) -> None:
    entry = _attempt(plog, "A1", ok=False)
    with store.read() as conn:
        rows = conn.execute(outbox.select().where(outbox.c.kind == KIND_PRINT_LOG)).all()
    assert len(rows) == 1 and rows[0].idempotency_key == entry
    body = json.loads(store.cipher.decrypt(rows[0].payload_encrypted, entry))
    assert body["result"] == "failed" and body["reason"] == "paper_out"
    assert body["id_masked"] == "1101**********002X" and ID not in json.dumps(body)
    assert len(body["chain_hash"]) == 64


def test_staff_find_a_citizens_prints_by_id_number_and_filter_by_type_and_time(plog: PrintLog) -> None:
    _attempt(plog, "A1")
    _attempt(plog, "A2", id_number=OTHER)
    _attempt(plog, "T1", id_number=None, doc_type="test_page")
    _attempt(plog, "A3")
    assert [r.doc_number for r in plog.records(id_number=ID)] == ["A3", "A1"]
    assert [r.doc_number for r in plog.records(id_number=ID.lower())] == ["A3", "A1"]
    assert [r.doc_number for r in plog.records(doc_type="test_page")] == ["T1"]
    everything = plog.records()
    middle = plog.records(since=everything[2].at, until=everything[0].at)
    assert [r.doc_number for r in middle] == ["T1", "A2"]


def test_no_id_number_or_name_in_the_clear_in_the_database_file(plog: PrintLog, store: Store) -> None:
    for n in range(5):
        _attempt(plog, f"A{n}")
    store.close()
    raw = b"".join(p.read_bytes() for p in store.path.parent.glob("kiosk.db*"))
    assert ID.encode() not in raw and ID[:14].encode() not in raw


@pytest.mark.parametrize(
    ("tamper", "problem", "seq"),
    [
        ("UPDATE print_log SET result = 'printed', reason = '' WHERE seq = 4", "altered", 4),
        ("UPDATE print_log SET doc_number = 'X9' WHERE seq = 3", "altered", 3),
        ("UPDATE print_log SET at = at - 86400 WHERE seq = 2", "altered", 2),
        ("DELETE FROM print_log WHERE seq IN (3, 4)", "removed", 5),
        ("DELETE FROM print_log WHERE seq = 1", "removed", 2),
        ("UPDATE print_log SET seq = seq + 100 WHERE seq >= 5", "altered", 105),
    ],
)
def test_tampering_names_the_first_affected_row(
    plog: PrintLog, store: Store, tamper: str, problem: str, seq: int
) -> None:
    for n in range(4):
        _attempt(plog, f"A{n}", ok=n != 1)
    assert plog.verify().ok
    _sql(store, tamper)
    report = plog.verify()
    assert not report.ok
    assert (report.problem, report.seq) == (problem, seq), report.detail


def test_a_row_inserted_into_the_chain_is_named(plog: PrintLog, store: Store) -> None:
    for n in range(3):
        _attempt(plog, f"A{n}")
    conn = sqlite3.connect(store.path)
    rows = conn.execute("SELECT * FROM print_log ORDER BY seq").fetchall()
    columns = [c[1] for c in conn.execute("PRAGMA table_info(print_log)")]
    # Make room after row 2 and put a forged row there, linked to row 2.
    conn.execute("UPDATE print_log SET seq = seq + 1000 WHERE seq > 2")
    conn.execute("UPDATE print_log SET seq = seq - 999 WHERE seq > 1000")
    forged = dict(zip(columns, rows[1], strict=True))
    forged.update(seq=3, entry_id="forged", doc_number="FAKE", prev_mac=rows[1][columns.index("mac")],
                  mac="f" * 64)
    conn.execute(f"INSERT INTO print_log ({','.join(forged)}) VALUES ({','.join('?' * len(forged))})",
                 list(forged.values()))
    conn.commit()
    conn.close()
    report = plog.verify()
    assert (report.ok, report.problem, report.seq) == (False, "inserted", 3), report.detail


def test_rows_cut_from_the_end_are_noticed_through_the_head_file(plog: PrintLog, store: Store) -> None:
    for n in range(3):
        _attempt(plog, f"A{n}")
    _sql(store, "DELETE FROM print_log WHERE seq >= 5")
    report = plog.verify()
    assert (report.ok, report.problem, report.seq) == (False, "truncated", 5)


def test_csv_export_has_chinese_headers_and_masked_numbers(plog: PrintLog) -> None:
    _attempt(plog, "A1", ok=False)
    out = io.StringIO()
    assert write_csv(plog.records(), out) == 1
    text = out.getvalue()
    assert text.splitlines()[0].startswith("时间,类型,文书编号")
    assert "办件受理回执" in text and "失败" in text and "paper_out" in text
    assert "1101**********002X" in text and ID not in text
