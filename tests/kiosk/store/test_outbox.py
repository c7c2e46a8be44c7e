"""The outbox: committed locally first, delivered later, exactly once in effect, no PII at rest.

GIVEN a citizen's submission, WHEN central is up, down, slow or refusing, THEN the terminal
keeps it (encrypted) until central has it, retries with backoff, and records what happened.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from kiosk.central_api.client import CentralClient
from kiosk.central_api.errors import CentralUnavailable
from kiosk.central_api.signing import TerminalIdentity
from kiosk.outbox import Outbox, UnknownReceipt
from kiosk.store import Store, StoreError, open_store
from kiosk.store.schema import outbox as outbox_table
from tests.support.central_fixtures import CITIZEN_ID, CITIZEN_NAME, application_request
from tests.support.fake_central import FakeCentral, Reply

KIOSK = shutil.which("kiosk", path=os.path.dirname(sys.executable)) or "kiosk"
PHONE = "13912345678"


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def factory_for(url: str, identity: TerminalIdentity) -> Callable[[], CentralClient]:
    return lambda: CentralClient(url, identity, connect_timeout=1.0, read_timeout=1.0)


@pytest.fixture
def box(central: FakeCentral, identity: TerminalIdentity, store: Store) -> Iterator[Outbox]:
    outbox = Outbox(store, factory_for(central.url, identity), receipt_prefix="DEMO-0001",
                    base_backoff=0.05, max_backoff=0.4, idle_poll=0.2)
    try:
        yield outbox
    finally:
        outbox.stop()


def test_a_submission_is_committed_before_central_is_asked(store: Store, identity: TerminalIdentity) -> None:
    nowhere = Outbox(store, factory_for("http://127.0.0.1:9", identity), receipt_prefix="DEMO-0001")
    first = nowhere.submit_application(application_request())
    second = nowhere.submit_application(application_request())
    assert re.fullmatch(r"DEMO-0001-\d{8}-0001", first.local_receipt)
    assert second.local_receipt.endswith("-0002") and first.idempotency_key != second.idempotency_key
    assert not first.delivered and first.application is None
    status = nowhere.status()
    assert (status.pending, status.delivered, status.failed) == (2, 0, 0)
    assert status.oldest_pending_age_s is not None and status.oldest_pending_age_s < 5
    after = nowhere.deliver_now(first.local_receipt, timeout=5)
    assert not after.delivered and after.error_code == "connect_failed" and after.attempts == 1
    with pytest.raises(UnknownReceipt):
        nowhere.lookup("DEMO-0001-19990101-0001")


def test_deliver_now_gives_the_citizen_the_application_number(box: Outbox, central: FakeCentral,
                                                               store: Store) -> None:
    submission = box.submit_application(application_request())
    delivered = box.deliver_now(submission.local_receipt, timeout=5)
    assert delivered.delivered and delivered.application is not None
    assert delivered.application_number == delivered.application.application_number
    assert delivered.application.local_receipt == submission.local_receipt
    assert box.lookup(submission.local_receipt) == delivered
    with store.read() as conn:
        row = conn.execute(select(outbox_table)).one()
    assert row.payload_encrypted is None and row.result_number == delivered.application_number
    assert CITIZEN_ID not in row.result_json and CITIZEN_NAME not in row.result_json
    sent = json.loads(central.submit_bodies[0])
    assert sent["applicant"] == {"kind": "person", "id_number": CITIZEN_ID, "name": CITIZEN_NAME}
    assert sent["local_receipt"] == submission.local_receipt and sent["submitted_at"]


def test_nothing_personal_is_in_the_database_files(box: Outbox, central: FakeCentral, store: Store) -> None:
    central.then("POST", "/api/v1/applications", Reply(503, b"busy"))
    receipts = [box.submit_application(application_request(phone=PHONE)).local_receipt for _ in range(6)]
    for receipt in receipts[:3]:
        box.deliver_now(receipt, timeout=5)         # one 503, two delivered; three stay pending
    assert box.status().pending == 4
    with store.read() as conn:
        payloads = [r.payload_encrypted for r in conn.execute(select(outbox_table)).all()]
    assert sum(p is not None for p in payloads) == 4
    needles = [CITIZEN_ID, CITIZEN_NAME, PHONE, "6222020200112233445"]
    encoded = [n.encode(enc) for n in needles for enc in ("utf-8", "utf-16-le", "gb18030")]
    files = [p for p in store.data_dir.rglob("*") if p.is_file()]
    assert any(p.name.endswith("-wal") for p in files) or store.path in files
    hits = [f"{p.name}: {n!r}" for p in files for n in encoded if n in p.read_bytes()]
    assert hits == []


def test_the_worker_delivers_oldest_first(central: FakeCentral, identity: TerminalIdentity, store: Store) -> None:
    box = Outbox(store, factory_for(central.url, identity), concurrency=1, idle_poll=0.2)
    receipts = [box.submit_application(application_request()).local_receipt for _ in range(8)]
    box.start()
    try:
        wait_until(lambda: box.status().delivered == 8)
    finally:
        box.stop()
    assert [json.loads(b)["local_receipt"] for b in central.submit_bodies] == receipts


def test_unavailable_central_is_retried_with_backoff(box: Outbox, central: FakeCentral, store: Store) -> None:
    central.then("POST", "/api/v1/applications", Reply(500, {"error": "internal", "detail": ""}),
                 Reply(drop=True), Reply(200, b"garbage"))
    submission = box.submit_application(application_request())
    box.start()
    wait_until(lambda: box.lookup(submission.local_receipt).delivered)
    final = box.lookup(submission.local_receipt)
    assert final.attempts == 4 and final.error_code is None
    assert central.count("POST", "/api/v1/applications") == 4
    keys = {s.headers["idempotency-key"] for s in central.seen if s.path == "/api/v1/applications"}
    assert keys == {submission.idempotency_key}
    assert len(set(central.submit_bodies)) == 1           # the very same bytes every time
    assert len(central.applications) == 1


def test_backoff_doubles_from_one_second_to_five_minutes_with_jitter(store: Store) -> None:
    low = Outbox(store, lambda: None, rng=lambda: 0.0)  # type: ignore[arg-type,return-value]
    high = Outbox(store, lambda: None, rng=lambda: 0.999999)  # type: ignore[arg-type,return-value]
    assert [round(high.backoff(n), 2) for n in range(1, 11)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert [low.backoff(n) for n in (1, 2, 9, 10, 50)] == [0.5, 1, 128, 150, 150]


def test_failed_attempts_space_out_the_next_try(store: Store, identity: TerminalIdentity) -> None:
    now = [1_800_000_000.0]
    box = Outbox(store, factory_for("http://127.0.0.1:9", identity), clock=lambda: now[0], rng=lambda: 0.999999)
    receipt = box.submit_application(application_request()).local_receipt
    delays: list[float] = []
    for _ in range(4):
        box.deliver_now(receipt, timeout=5)
        with store.read() as conn:
            delays.append(round(conn.execute(select(outbox_table.c.next_attempt_at)).scalar_one() - now[0], 2))
    assert delays == [1, 2, 4, 8]


@pytest.mark.parametrize(("reply", "code"), [
    (Reply(422, {"error": "validation_failed", "detail": "", "fields": {"phone": "pattern"}}), "validation_failed"),
    (Reply(409, {"error": "idempotency_conflict", "detail": ""}), "idempotency_conflict"),
    (Reply(404, {"error": "not_found", "detail": "item"}), "not_found"),
])
def test_a_rejection_is_failed_for_good_and_can_be_retried_by_operations(
    box: Outbox, central: FakeCentral, reply: Reply, code: str
) -> None:
    central.then("POST", "/api/v1/applications", reply)
    submission = box.submit_application(application_request())
    failed = box.deliver_now(submission.local_receipt, timeout=5)
    assert failed.state == "failed" and failed.error_code == code and not failed.delivered
    assert box.status().failed == 1 and box.failures()[0].local_receipt == submission.local_receipt
    box.start()
    time.sleep(0.3)
    assert central.count("POST", "/api/v1/applications") == 1      # not hammered
    assert box.retry() == 1
    wait_until(lambda: box.lookup(submission.local_receipt).delivered)
    assert box.status().failed == 0


def test_a_signature_refusal_is_retried_not_failed(box: Outbox, central: FakeCentral) -> None:
    central.then("POST", "/api/v1/applications", Reply(401, {"error": "stale_timestamp", "detail": "clock"}))
    submission = box.submit_application(application_request())
    first = box.deliver_now(submission.local_receipt, timeout=5)
    assert first.state == "pending" and first.error_code == "stale_timestamp"
    box.start()
    wait_until(lambda: box.lookup(submission.local_receipt).delivered)


def test_an_answer_lost_before_the_local_commit_is_deduplicated_by_central(
    box: Outbox, central: FakeCentral, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Central stores the application, then the terminal dies before recording the answer.
    original = Outbox._record_delivery
    crashes: list[str] = []

    def crash_once(self: Outbox, row_id: int, application):  # type: ignore[no-untyped-def]
        if not crashes:
            crashes.append(application.application_number)
            raise KeyboardInterrupt("power cut")
        return original(self, row_id, application)

    monkeypatch.setattr(Outbox, "_record_delivery", crash_once)
    submission = box.submit_application(application_request())
    with pytest.raises(KeyboardInterrupt):
        box._deliver(box._row_id(submission.local_receipt))
    assert box.lookup(submission.local_receipt).state == "pending"
    box.start()
    wait_until(lambda: box.lookup(submission.local_receipt).delivered)
    assert box.lookup(submission.local_receipt).application_number == crashes[0]
    assert len(central.applications) == 1 and central.count("POST", "/api/v1/applications") == 2


def test_deliver_now_returns_within_its_timeout_and_delivery_finishes_later(
    box: Outbox, central: FakeCentral
) -> None:
    central.then("POST", "/api/v1/applications", Reply(201, b"", sleep=0.8))  # slow, then answers garbage
    submission = box.submit_application(application_request())
    started = time.monotonic()
    waiting = box.deliver_now(submission.local_receipt, timeout=0.2)
    assert time.monotonic() - started < 0.6 and not waiting.delivered
    box.start()
    wait_until(lambda: box.lookup(submission.local_receipt).delivered)


def test_a_submission_survives_a_restart(tmp_path: Path, central: FakeCentral, identity: TerminalIdentity) -> None:
    with open_store(tmp_path / "d") as store:
        receipt = Outbox(store, factory_for("http://127.0.0.1:9", identity)).submit_application(
            application_request()).local_receipt
    with open_store(tmp_path / "d") as store:
        box = Outbox(store, factory_for(central.url, identity))
        assert box.deliver_now(receipt, timeout=5).delivered


def test_a_payload_that_no_longer_decrypts_is_failed_not_sent(box: Outbox, store: Store,
                                                               central: FakeCentral) -> None:
    submission = box.submit_application(application_request())
    with store.write() as conn:
        conn.execute(update(outbox_table).values(payload_encrypted=b"\x01" + b"\x00" * 40))
    failed = box.deliver_now(submission.local_receipt, timeout=5)
    assert failed.state == "failed" and failed.error_code == "payload_undecryptable"
    assert central.count("POST", "/api/v1/applications") == 0


# -- the commands ------------------------------------------------------------------------------
def site(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text('profile = "hall"\n[terminal]\ndata_dir = "data"\nterminal_code = "HALL-0001"\n',
                    encoding="utf-8")
    return path


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KIOSK, *args], capture_output=True, text=True, timeout=60)


def test_outbox_status_and_retry_commands(tmp_path: Path, central: FakeCentral, identity: TerminalIdentity) -> None:
    config = site(tmp_path)
    central.then("POST", "/api/v1/applications",
                 Reply(422, {"error": "validation_failed", "detail": "", "fields": {"phone": "x"}}))
    with open_store(tmp_path / "data") as store:
        box = Outbox(store, factory_for(central.url, identity), receipt_prefix="HALL-0001")
        receipts = [box.submit_application(application_request()).local_receipt for _ in range(3)]
        box.deliver_now(receipts[0], timeout=5)        # failed: validation_failed
        box.deliver_now(receipts[1], timeout=5)        # delivered

    status = kiosk("--config", str(config), "outbox", "status", "--json")
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert (data["pending"], data["delivered"], data["failed"]) == (1, 1, 1)
    assert data["failures"] == [{"local_receipt": receipts[0], "item_code": application_request().item_code,
                                 "error": "validation_failed", "attempts": 1}]
    text_status = kiosk("--config", str(config), "outbox", "status")
    assert "pending 1" in text_status.stdout and "validation_failed" in text_status.stdout
    assert CITIZEN_ID not in status.stdout + text_status.stdout

    retry = kiosk("--config", str(config), "outbox", "retry")
    assert retry.returncode == 0 and "1 failed" in retry.stdout
    assert json.loads(kiosk("--config", str(config), "outbox", "status", "--json").stdout)["pending"] == 2

    drain = kiosk("--config", str(config), "outbox", "drain", "--timeout", "5")
    assert drain.returncode == 1 and "not enrolled" in drain.stderr


class SealingClient:
    """A central client as far as sealing goes: its outbox key, and what it was sent."""

    def __init__(self, url: str) -> None:
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

        self.base_url = url
        self.private = X25519PrivateKey.generate()
        self.sent: list[tuple[bytes, str, bool]] = []

    def public(self) -> bytes:
        return self.private.public_key().public_bytes_raw()

    def outbox_key(self) -> Any:
        import base64

        from kiosk.central_api.models import OutboxKey

        return OutboxKey(kid="k", alg="X25519-HKDF-SHA256-A256GCM",
                         public_key=base64.b64encode(self.public()).decode())

    def submit_application_json(self, body: bytes, key: str, sealed: bool = False) -> Any:
        self.sent.append((body, key, sealed))
        raise CentralUnavailable("timeout")     # kept pending: what was sent is enough here

    def close(self) -> None:
        pass


def test_submissions_are_sealed_to_centrals_key_and_sent_unopened(store: Store) -> None:
    import base64

    from central.sealing import open_sealed

    central = SealingClient("https://central.example")
    box = Outbox(store, lambda: central)  # type: ignore[arg-type,return-value]
    box._ensure_seal_key()
    assert box.seal_key() == central.public()
    submission = box.submit_application(application_request())
    with store.read() as conn:
        blob = conn.execute(select(outbox_table.c.payload_encrypted)).scalar_one()
    assert CITIZEN_ID.encode() not in blob
    with pytest.raises(StoreError):          # the terminal cannot open its own row
        store.cipher.decrypt(blob, submission.idempotency_key)
    box.deliver_now(submission.local_receipt, timeout=5)
    box.stop()
    [(body, key, sealed)] = central.sent
    assert sealed and key == submission.idempotency_key
    opened = json.loads(open_sealed(central.private, base64.b64decode(json.loads(body)["sealed"]), key))
    assert opened["applicant"]["id_number"] == CITIZEN_ID


def test_a_key_kept_for_another_central_is_dropped_and_fetched_again(store: Store) -> None:
    first, second = SealingClient("https://one.example"), SealingClient("https://two.example")
    box = Outbox(store, lambda: first)  # type: ignore[arg-type,return-value]
    box._ensure_seal_key()
    assert box.seal_key() == first.public()
    again = Outbox(store, lambda: first)  # type: ignore[arg-type,return-value]
    assert again.seal_key() == first.public()            # kept across restarts
    moved = Outbox(store, lambda: second)  # type: ignore[arg-type,return-value]
    moved._ensure_seal_key()                             # enrolled elsewhere since
    assert moved.seal_key() == second.public()
    assert Outbox(store, lambda: second).seal_key() == second.public()  # type: ignore[arg-type,return-value]
