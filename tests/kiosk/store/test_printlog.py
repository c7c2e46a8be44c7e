"""The printed-output log: written before and after each attempt, chained, tamper-evident,
searchable by ID number without keeping it: the terminal keeps no hash of the number, the
entry carries it to central sealed to central's outbox key, and the look-up asks central."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select

from central.sealing import open_sealed
from kiosk.central_api.errors import CentralUnavailable
from kiosk.central_api.models import OutboxKey
from kiosk.outbox import KIND_PRINT_LOG, Outbox
from kiosk.printing.export import write_csv
from kiosk.printing.printlog import FAILED, PRINTED, IdLookupUnavailable, PrintLog
from kiosk.store import Store, StoreError, open_store
from kiosk.store.schema import outbox, print_log

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


class SealingCentral:
    """Central as far as the print log sees it: its outbox key, and the look-up by number
    over the entries it received (here: opened straight from the terminal's outbox)."""

    def __init__(self, store: Store) -> None:
        self.private = X25519PrivateKey.generate()
        self.store = store
        self.up = True
        self.asked: list[str] = []

    def outbox_key(self) -> OutboxKey:
        raw = self.private.public_key().public_bytes_raw()
        return OutboxKey(kid="k1", alg="X25519-HKDF-SHA256-A256GCM", public_key=base64.b64encode(raw).decode())

    def received(self) -> list[dict[str, Any]]:
        with self.store.read() as conn:
            rows = conn.execute(select(outbox).where(outbox.c.kind == KIND_PRINT_LOG)).all()
        return [json.loads(open_sealed(self.private, r.payload_encrypted, r.idempotency_key)) for r in rows]

    def find_print_log_entries(self, id_number: str) -> list[str]:
        if not self.up:
            raise CentralUnavailable("connect_failed")
        self.asked.append(id_number)
        found = [e for e in self.received() if e["id_number"] == id_number]
        return [e["entry_id"] for e in sorted(found, key=lambda e: e["seq"], reverse=True)]

    def close(self) -> None:
        pass


@pytest.fixture
def central(store: Store) -> SealingCentral:
    return SealingCentral(store)


@pytest.fixture
def plog(store: Store, central: SealingCentral) -> PrintLog:
    box = Outbox(store, client_factory=lambda: central)  # type: ignore[arg-type,return-value]
    assert box.refresh_seal_key(central)  # type: ignore[arg-type]
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


def test_finished_entries_are_queued_for_central_in_the_same_transaction(
    plog: PrintLog, store: Store, central: SealingCentral
) -> None:
    entry = _attempt(plog, "A1", ok=False)
    with store.read() as conn:
        rows = conn.execute(outbox.select().where(outbox.c.kind == KIND_PRINT_LOG)).all()
    assert len(rows) == 1 and rows[0].idempotency_key == entry
    with pytest.raises(StoreError):    # sealed to central: the terminal cannot open it again
        store.cipher.decrypt(rows[0].payload_encrypted, entry)
    body = json.loads(open_sealed(central.private, rows[0].payload_encrypted, entry))
    assert body["result"] == "failed" and body["reason"] == "paper_out"
    assert body["id_masked"] == "1101**********002X" and body["id_number"] == ID
    assert "id_hash" not in body and len(body["chain_hash"]) == 64
    with store.read() as conn:
        assert {r.id_hash for r in conn.execute(select(print_log))} == {""}


def test_without_centrals_key_an_entry_goes_without_the_number(store: Store) -> None:
    box = Outbox(store, client_factory=lambda: None)  # type: ignore[arg-type,return-value]
    plog = PrintLog(store, box, clock=Clock())
    entry = _attempt(plog, "A1")
    with store.read() as conn:
        [row] = conn.execute(outbox.select().where(outbox.c.kind == KIND_PRINT_LOG)).all()
    body = json.loads(store.cipher.decrypt(row.payload_encrypted, entry))
    assert body["id_masked"] == "1101**********002X" and body["id_number"] == ""
    assert ID not in json.dumps(body)


def test_staff_find_a_citizens_prints_by_id_number_and_filter_by_type_and_time(
    plog: PrintLog, central: SealingCentral
) -> None:
    _attempt(plog, "A1")
    _attempt(plog, "A2", id_number=OTHER)
    _attempt(plog, "T1", id_number=None, doc_type="test_page")
    _attempt(plog, "A3")
    assert [r.doc_number for r in plog.records(id_number=ID)] == ["A3", "A1"]
    assert [r.doc_number for r in plog.records(id_number=ID.lower())] == ["A3", "A1"]
    assert central.asked == [ID, ID]                    # central did the look-up, normalised
    assert [r.doc_number for r in plog.records(doc_type="test_page")] == ["T1"]
    everything = plog.records()
    middle = plog.records(since=everything[2].at, until=everything[0].at)
    assert [r.doc_number for r in middle] == ["T1", "A2"]


def test_the_look_up_by_number_says_so_when_central_is_out_of_reach(
    plog: PrintLog, central: SealingCentral
) -> None:
    _attempt(plog, "A1")
    central.up = False
    with pytest.raises(IdLookupUnavailable) as raised:
        plog.records(id_number=ID)
    assert raised.value.code == "id_lookup_offline"
    assert [r.doc_number for r in plog.records()] == ["A1"]   # the other filters work offline
    alone = PrintLog(plog.store, None)                         # no outbox: no central at all
    with pytest.raises(IdLookupUnavailable):
        alone.records(id_number=ID)


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


def _old_terminal(data_dir: Path, rows: int, broken: bool = False) -> str:
    """A data directory as the terminal left it before migration 0004: every row with the
    keyed hash of the number, chained over it, and a pending entry carrying the hash."""
    import hmac

    from alembic import command

    from kiosk.printing.printlog import CHAIN_KEY_PURPOSE, GENESIS, HEAD_FILE, chain_mac
    from kiosk.store.crypto import PayloadCipher
    from kiosk.store.db import _alembic_config, make_engine

    data_dir.mkdir(parents=True)
    cipher = PayloadCipher.load_or_create(data_dir / "keys")
    old_hash = hmac.new(cipher.derive("print-log-id-lookup"), ID.encode(), hashlib.sha256).hexdigest()
    chain_key = cipher.derive(CHAIN_KEY_PURPOSE)
    engine = make_engine(data_dir / "kiosk.db")
    prev = GENESIS
    with engine.connect() as conn:
        with conn.begin():
            command.upgrade(_alembic_config(conn), "0003")
        with conn.begin():
            for seq in range(1, rows + 1):
                row = {"seq": seq, "entry_id": f"e{seq}", "event": "sent", "at": 1_700_000_000.0 + seq,
                       "at_text": "2026-11-23T09:00:00+08:00", "doc_type": "proof", "doc_number": f"A{seq}",
                       "printer": "a4_printer", "job_id": "", "pages": 1, "content_sha256": "a" * 64,
                       "result": "sending", "reason": "", "id_masked": "1101**********002X",
                       "id_hash": old_hash, "prev_mac": prev}
                row["mac"] = prev = chain_mac(chain_key, prev, row)
                conn.execute(print_log.insert().values(**row))
            if broken:
                conn.execute(print_log.update().where(print_log.c.seq == 1).values(doc_number="X"))
            entry = json.dumps({"entry_id": "e1", "id_masked": "1101**********002X", "id_hash": old_hash})
            conn.execute(outbox.insert().values(
                kind=KIND_PRINT_LOG, idempotency_key="e1", local_receipt="PL-e1", state="pending",
                payload_encrypted=cipher.encrypt(entry.encode(), "e1"), created_at=1.0, next_attempt_at=1.0))
    engine.dispose()
    (data_dir / HEAD_FILE).write_text(f"{rows} {prev}\n")
    return old_hash


@pytest.mark.parametrize("broken", [False, True])
def test_migration_0004_blanks_old_hashes_and_keeps_an_intact_chain_verifying(
    tmp_path: Path, broken: bool
) -> None:
    old_hash = _old_terminal(tmp_path / "old", rows=4, broken=broken)
    with open_store(tmp_path / "old") as store:
        with store.read() as conn:
            assert {r.id_hash for r in conn.execute(select(print_log))} == {""}
            [pending] = conn.execute(select(outbox)).all()
        assert old_hash not in store.cipher.decrypt(pending.payload_encrypted, "e1").decode()
        report = PrintLog(store, None).verify()
        # re-chained when it was intact; a chain already broken is not laundered
        assert report.ok is not broken
        if broken:
            assert (report.problem, report.seq) == ("altered", 1)
    raw = b"".join(p.read_bytes() for p in (tmp_path / "old").glob("kiosk.db*"))
    assert old_hash.encode() not in raw
