"""The terminal's client for proofs, issued documents and the print log: against the real
reference central (`kiosk-central serve`, SQLite) for the contract, and against the fake
one for what a misbehaving central does to it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.central_api.client import CentralClient
from kiosk.central_api.errors import (
    CentralRejected,
    CentralServerError,
    CentralUnavailable,
    InvalidResponse,
)
from kiosk.central_api.models import IssuedDocument, PrintLogEntry, ProofSummary, VerifiedDocument
from kiosk.central_api.signing import TerminalIdentity, public_key_b64
from tests.support.fake_central import FakeCentral, Reply
from tests.support.real_central import RealCentral, central_available, free_port, seed_person

BEIJING = timezone(timedelta(hours=8))
ZHANG_SAN = seed_person(0)   # 社保 (two pages), 不动产, 纳税, 无犯罪记录
WANG_WU = seed_person(2)     # no proofs
SHEBAO = "shebao_canbao"


def new_key() -> str:
    return str(uuid.uuid4())


def log_entry(**changes: Any) -> PrintLogEntry:
    values: dict[str, Any] = {
        "entry_id": new_key(), "seq": 1, "at": datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING),
        "doc_type": "proof", "doc_number": "140500-SB-20261123-000001", "printer": "a4_printer",
        "job_id": "cups-7", "pages": 2, "content_sha256": "a" * 64, "result": "printed",
        "id_masked": "1101**********1233", "id_number": "110101199003071233", "chain_hash": "c" * 64,
    }
    values.update(changes)
    return PrintLogEntry(**values)


def as_bytes(entry: PrintLogEntry) -> bytes:
    return entry.model_dump_json().encode("utf-8")


# -- against the real central ----------------------------------------------------------------
real = pytest.mark.skipif(not central_available(), reason="central/ (kiosk-central) is not installed")



@pytest.fixture(scope="module")
def terminal(real_central: RealCentral) -> Iterator[CentralClient]:
    """A client enrolled with the real central, in a hall of 晋城."""
    key = Ed25519PrivateKey.generate()
    with CentralClient(real_central.url, None) as anonymous:
        enrolled = anonymous.enroll(real_central.add_terminal(hall="晋城市政务服务中心"), public_key_b64(key), "t")
    identity = TerminalIdentity(enrolled.terminal_id, key, real_central.url, enrolled.hall_name)
    with CentralClient(real_central.url, identity) as client:
        yield client


@real
def test_the_proofs_a_citizen_can_have(terminal: CentralClient) -> None:
    proofs = terminal.available_proofs(ZHANG_SAN.id_number, ZHANG_SAN.name)
    assert all(isinstance(p, ProofSummary) for p in proofs)
    assert [p.code for p in proofs][:1] == [SHEBAO] and len(proofs) >= 3
    assert proofs[0].name == "社会保险参保证明" and proofs[0].issuer and proofs[0].description
    assert terminal.available_proofs(WANG_WU.id_number, WANG_WU.name) == []


@real
def test_issuing_is_once_per_key(terminal: CentralClient) -> None:
    key = new_key()
    document = terminal.issue_proof(SHEBAO, ZHANG_SAN.id_number, ZHANG_SAN.name, key)
    assert isinstance(document, IssuedDocument)
    assert document.document_number.startswith("140500-SB-") and len(document.verification_code) == 20
    assert document.verify_url.endswith(f"/api/v1/documents/{document.verification_code}")
    assert document.holder.id_number == ZHANG_SAN.id_number and document.table is not None
    assert len(document.table.rows) >= 24 and document.issued_at.utcoffset() == timedelta(hours=8)
    # The personal data stays out of the model's repr (and so out of logs that print it).
    assert ZHANG_SAN.id_number not in repr(document) and ZHANG_SAN.name not in repr(document)

    assert terminal.issue_proof(SHEBAO, ZHANG_SAN.id_number, ZHANG_SAN.name, key) == document
    with pytest.raises(CentralRejected) as conflict:
        terminal.issue_proof("wufanzui_jilu", ZHANG_SAN.id_number, ZHANG_SAN.name, key)
    assert (conflict.value.status, conflict.value.code) == (409, "idempotency_conflict")


@real
def test_a_proof_the_person_does_not_have_is_rejected_not_found(terminal: CentralClient) -> None:
    with pytest.raises(CentralRejected) as err:
        terminal.issue_proof(SHEBAO, WANG_WU.id_number, WANG_WU.name, new_key())
    assert (err.value.status, err.value.code) == (404, "not_found")


@real
def test_anyone_verifies_a_document_and_sees_the_holder_masked(
    terminal: CentralClient, real_central: RealCentral
) -> None:
    issued = terminal.issue_proof("geshui_wanshui", ZHANG_SAN.id_number, ZHANG_SAN.name, new_key())
    code = issued.verification_code
    typed = "-".join(code.lower()[i:i + 4] for i in range(0, len(code), 4))
    with CentralClient(real_central.url, None) as bank_clerk:          # not enrolled: unsigned
        verified = bank_clerk.verify_document(typed)
        assert isinstance(verified, VerifiedDocument) and verified.valid
        assert verified.issued_by_terminal == terminal.identity.terminal_id  # type: ignore[union-attr]
        doc = verified.document
        assert doc.document_number == issued.document_number
        assert (doc.holder.name, doc.holder.id_number) == ("张*", "1101**********1233")
        assert ZHANG_SAN.id_number not in doc.model_dump_json()
        with pytest.raises(CentralRejected) as err:
            bank_clerk.verify_document("K7Q2M9XD4TPLH3VA8WQE")
        assert err.value.code == "not_found"


@real
def test_print_log_entries_reach_central_once(terminal: CentralClient, real_central: RealCentral) -> None:
    entry = log_entry()
    body = as_bytes(entry)
    assert terminal.submit_print_log_json(body, entry.entry_id) is None
    assert terminal.submit_print_log_json(body, entry.entry_id) is None     # a replay: 200
    rows = real_central.query("SELECT terminal_id, hall_name, seq, id_masked FROM print_log_entries "
                              "WHERE entry_id = ?", entry.entry_id)
    assert rows == [(terminal.identity.terminal_id, "晋城市政务服务中心", 1, "1101**********1233")]  # type: ignore[union-attr]
    with pytest.raises(CentralRejected) as conflict:
        terminal.submit_print_log_json(as_bytes(entry.model_copy(update={"pages": 3})), entry.entry_id)
    assert (conflict.value.status, conflict.value.code) == (409, "idempotency_conflict")


@real
def test_a_clear_id_number_in_the_print_log_is_refused(terminal: CentralClient) -> None:
    entry = log_entry(id_masked=ZHANG_SAN.id_number)
    with pytest.raises(CentralRejected) as err:
        terminal.submit_print_log_json(as_bytes(entry), entry.entry_id)
    assert (err.value.status, err.value.code) == (422, "validation_failed")
    assert "id_masked" in err.value.fields


# -- against a misbehaving central ----------------------------------------------------------
ISSUE = ("POST", "/api/v1/proofs/issue")
PRINT_LOG = ("POST", "/api/v1/print-log")


@pytest.mark.parametrize("body", [b"<html>busy</html>", b"{}", b'{"proofs": [{"code": 1}]}'])
def test_garbage_proof_answers_are_invalid_response(
    central: FakeCentral, client: CentralClient, body: bytes
) -> None:
    central.then("POST", "/api/v1/proofs/available", Reply(200, body))
    with pytest.raises(InvalidResponse):
        client.available_proofs(ZHANG_SAN.id_number, ZHANG_SAN.name)


def test_a_wrong_document_shape_names_the_field_not_the_holder(central: FakeCentral, client: CentralClient) -> None:
    central.then(*ISSUE, Reply(201, {"document_number": "x", "holder": {"name": ZHANG_SAN.name}}))
    with pytest.raises(InvalidResponse) as err:
        client.issue_proof(SHEBAO, ZHANG_SAN.id_number, ZHANG_SAN.name, new_key())
    assert ZHANG_SAN.name not in str(err.value) and ZHANG_SAN.id_number not in str(err.value)


def test_issuing_is_retried_once_with_the_same_key_and_body(
    central: FakeCentral, client: CentralClient, no_sleep: list[float]
) -> None:
    central.then(*ISSUE, Reply(503, b"busy"), Reply(503, b"busy"))
    key = new_key()
    with pytest.raises(CentralServerError):
        client.issue_proof(SHEBAO, ZHANG_SAN.id_number, ZHANG_SAN.name, key)
    sent = [s for s in central.seen if (s.method, s.path) == ISSUE]
    assert len(sent) == 2 and len(no_sleep) == 1 and 0.5 <= no_sleep[0] <= 1.5  # backoff + jitter
    assert {s.headers["idempotency-key"] for s in sent} == {key}
    assert sent[0].body == sent[1].body
    assert json.loads(sent[0].body) == {"proof_code": SHEBAO, "id_number": ZHANG_SAN.id_number,
                                        "name": ZHANG_SAN.name}


def test_verification_of_a_garbage_answer_is_invalid_response(central: FakeCentral, client: CentralClient) -> None:
    central.then("GET", "/api/v1/documents/ABCD", Reply(200, {"valid": "yes"}))
    with pytest.raises(InvalidResponse):
        client.verify_document("ABCD")


@pytest.mark.parametrize(
    ("reply", "error", "code"),
    [
        (Reply(201, b"{}"), InvalidResponse, "invalid_response"),
        (Reply(201, b"not json"), InvalidResponse, "invalid_response"),
        (Reply(503, b""), CentralServerError, "server_error"),
        (Reply(409, {"error": "idempotency_conflict", "detail": "key"}), CentralRejected,
         "idempotency_conflict"),
        (Reply(422, {"error": "validation_failed", "detail": "x", "fields": {"id_masked": "pattern"}}),
         CentralRejected, "validation_failed"),
        (Reply(drop=True), CentralUnavailable, "connect_failed"),
    ],
)
def test_print_log_delivery_raises_what_an_outbox_classifies(
    central: FakeCentral, client: CentralClient, reply: Reply, error: type[Exception], code: str
) -> None:
    central.then(*PRINT_LOG, reply)
    entry = log_entry()
    with pytest.raises(error) as raised:
        client.submit_print_log_json(as_bytes(entry), entry.entry_id)
    assert raised.value.code == code  # type: ignore[attr-defined]
    assert central.count(*PRINT_LOG) == 1       # never retried inside the client


def test_print_log_delivery_sends_the_bytes_it_was_given(central: FakeCentral, client: CentralClient) -> None:
    ack = {"entry_id": "e", "terminal_id": "T-0001", "hall_name": "晋城市政务服务中心",
           "received_at": "2026-11-23T10:00:01+08:00"}
    central.then(*PRINT_LOG, Reply(201, ack))
    entry = log_entry()
    client.submit_print_log_json(as_bytes(entry), entry.entry_id)
    (sent,) = [s for s in central.seen if (s.method, s.path) == PRINT_LOG]
    assert sent.body == as_bytes(entry) and sent.headers["idempotency-key"] == entry.entry_id
    assert sent.verified == "ok"


def test_an_unreachable_central_is_unavailable_for_print_log(identity: TerminalIdentity) -> None:
    client = CentralClient(f"http://127.0.0.1:{free_port()}", identity, connect_timeout=0.5,
                           sleep=lambda _s: None)
    entry = log_entry()
    with client, pytest.raises(CentralUnavailable) as err:
        client.submit_print_log_json(as_bytes(entry), entry.entry_id)
    assert err.value.code == "connect_failed"
