"""Terminals report what they printed; central keeps each entry once, per terminal with
the terminal's hall, never with a clear ID number: the number a terminal sends is hashed under
central's own secret (the terminal keeps no hash) and a terminal finds its prints by number
through POST /print-log/lookup. Entries may come sealed to central's outbox key."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from typing import Any

import pytest
from central_helpers import SignedApi, new_code
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_proofs import blind_first_look

from central.idempotency import once
from central.models import PrintLogEntry
from central.printlog import LookupRate
from kiosk.store.crypto import seal
from tests.support.signer import TerminalKey

PRINT_LOG = "/api/v1/print-log"
LOOKUP = "/api/v1/print-log/lookup"
SEALED = "/api/v1/print-log/sealed"
CITIZEN = "110101199003071233"
OTHER = "11010519491231002X"


@pytest.fixture(autouse=True)
def fresh_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    # the limiter is per process; terminals of different tests may share an id
    monkeypatch.setattr("central.printlog.LOOKUP_RATE", LookupRate())


def entry(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "entry_id": str(uuid.uuid4()),
        "seq": 17,
        "at": "2026-11-23T10:00:00+08:00",
        "doc_type": "proof",
        "doc_number": "140500-SB-20261123-000123",
        "printer": "a4_printer",
        "job_id": "cups-42",
        "pages": 2,
        "content_sha256": "a" * 64,
        "result": "printed",
        "reason": "",
        "id_masked": "1101**********1233",
        "id_number": CITIZEN,
        "chain_hash": "c" * 64,
    }
    body.update(changes)
    return body


def send(api: SignedApi, body: dict[str, Any], key: str | None = None) -> Any:
    return api.post(PRINT_LOG, body, headers={"Idempotency-Key": key or body["entry_id"]})


def stored(app: FastAPI) -> list[PrintLogEntry]:
    with app.state.sessions() as session:
        return list(session.scalars(select(PrintLogEntry).order_by(PrintLogEntry.id)))


def enroll_in(client: TestClient, app: FastAPI, hall: str, region: str = "140500") -> SignedApi:
    key = TerminalKey.generate()
    response = client.post(
        "/api/v1/terminals/enroll",
        json={
            "code": new_code(app, region=region, hall=hall),
            "public_key": key.public_b64,
            "hostname": "kiosk-test",
        },
    )
    assert response.status_code == 201, response.text
    return SignedApi(client, key, response.json()["terminal_id"], region)


def test_an_entry_is_stored_with_the_terminals_hall(api: SignedApi, app: FastAPI) -> None:
    body = entry()
    response = send(api, body)
    assert response.status_code == 201, response.text
    ack = response.json()
    assert ack["entry_id"] == body["entry_id"] and ack["terminal_id"] == api.terminal_id
    assert ack["hall_name"] == "晋城市政务服务中心"
    assert ack["received_at"].endswith("+08:00")
    (row,) = stored(app)
    assert (row.terminal_id, row.hall_name, row.seq, row.doc_number, row.pages) == (
        api.terminal_id,
        "晋城市政务服务中心",
        17,
        "140500-SB-20261123-000123",
        2,
    )
    assert row.at_text == "2026-11-23T10:00:00+08:00"  # as the terminal chained it
    assert (row.id_masked, row.chain_hash) == ("1101**********1233", "c" * 64)
    assert len(row.id_hash) == 64 and row.id_hash != hashlib.sha256(CITIZEN.encode()).hexdigest()
    assert CITIZEN not in repr(row.__dict__) and CITIZEN[:14] not in row.request_hash


def lookup(api: SignedApi, number: str) -> Any:
    return api.post(LOOKUP, {"id_number": number})


def test_a_terminal_finds_its_prints_of_a_person_by_number(
    client: TestClient, app: FastAPI, api: SignedApi
) -> None:
    first, other, last = entry(), entry(id_number=OTHER, id_masked="1101**********002X"), entry()
    last["at"] = "2026-11-23T11:00:00+08:00"
    for body in (first, other, last):
        assert send(api, body).status_code == 201
    answer = lookup(api, CITIZEN)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"entry_ids": [last["entry_id"], first["entry_id"]]}
    assert lookup(api, OTHER).json() == {"entry_ids": [other["entry_id"]]}
    assert lookup(api, "440524188001010014").json() == {"entry_ids": []}
    # another terminal's prints of the same person are not its to see
    bank = enroll_in(client, app, "晋城银行泽州支行", region="140525")
    assert lookup(bank, CITIZEN).json() == {"entry_ids": []}
    # signed only, and only with a valid number
    assert client.post(LOOKUP, json={"id_number": CITIZEN}).status_code == 401
    assert lookup(api, "110101199003071234").status_code == 422


def test_an_old_terminals_hash_is_accepted_and_ignored(api: SignedApi, app: FastAPI) -> None:
    body = entry(id_hash="b" * 64)
    del body["id_number"]
    assert send(api, body).status_code == 201
    (row,) = stored(app)
    assert row.id_hash == ""


def sealed_body(client: TestClient, body: dict[str, Any], key: str) -> dict[str, str]:
    public = base64.b64decode(client.get("/api/v1/keys/outbox").json()["public_key"])
    blob = seal(public, json.dumps(body).encode(), key)
    return {"sealed": base64.b64encode(blob).decode()}


def test_central_publishes_its_outbox_key(client: TestClient) -> None:
    response = client.get("/api/v1/keys/outbox")
    assert response.status_code == 200
    key = response.json()
    assert key["alg"] == "X25519-HKDF-SHA256-A256GCM" and len(base64.b64decode(key["public_key"])) == 32
    assert client.get("/api/v1/keys/outbox").json() == key      # one key, not one per call


def test_a_sealed_entry_is_opened_hashed_and_found(
    client: TestClient, api: SignedApi, app: FastAPI
) -> None:
    body = entry()
    key = body["entry_id"]
    sealed = sealed_body(client, body, key)
    response = api.post(SEALED, sealed, headers={"Idempotency-Key": key})
    assert response.status_code == 201, response.text
    again = api.post(SEALED, sealed, headers={"Idempotency-Key": key})
    assert again.status_code == 200
    assert send(api, body).status_code == 200          # the same entry unsealed: a replay
    assert lookup(api, CITIZEN).json() == {"entry_ids": [key]}
    (row,) = stored(app)
    assert row.id_masked == "1101**********1233"


def test_a_sealed_entry_opens_only_under_its_own_key(
    client: TestClient, api: SignedApi, app: FastAPI
) -> None:
    body = entry()
    sealed = sealed_body(client, body, body["entry_id"])
    moved = api.post(SEALED, sealed, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert moved.status_code == 422 and moved.json()["fields"] == {"sealed": "undecryptable"}
    garbage = api.post(SEALED, {"sealed": "AAAA"}, headers={"Idempotency-Key": body["entry_id"]})
    assert garbage.status_code == 422
    bad = sealed_body(client, {**body, "seq": -1}, body["entry_id"])
    refused = api.post(SEALED, bad, headers={"Idempotency-Key": body["entry_id"]})
    assert refused.status_code == 422 and "seq" in refused.json()["fields"]
    assert stored(app) == []


def test_a_failed_print_keeps_its_reason_and_needs_no_id(api: SignedApi, app: FastAPI) -> None:
    body = entry(
        doc_type="queue_ticket",
        printer="receipt_printer",
        result="failed",
        reason="paper_out",
        pages=0,
        id_masked="",
        id_number="",
        job_id="",
    )
    assert send(api, body).status_code == 201
    (row,) = stored(app)
    assert (row.result, row.reason, row.id_masked) == ("failed", "paper_out", "")


def test_a_replay_is_stored_once_and_answers_200(api: SignedApi, app: FastAPI) -> None:
    body = entry()
    first, again = send(api, body), send(api, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert len(stored(app)) == 1


def test_the_same_key_with_another_entry_is_a_conflict(api: SignedApi, app: FastAPI) -> None:
    body = entry()
    assert send(api, body).status_code == 201
    response = send(api, {**body, "pages": 3})
    assert response.status_code == 409
    assert response.json()["error"] == "idempotency_conflict"
    assert len(stored(app)) == 1


def test_a_request_that_loses_the_race_on_its_key_answers_with_the_winner(
    api: SignedApi, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = entry()
    assert send(api, body).status_code == 201
    monkeypatch.setattr("central.printlog.once", blind_first_look(once))
    assert send(api, body).status_code == 200
    assert send(api, {**body, "seq": 18}).status_code == 409
    assert len(stored(app)) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id_masked": "110101199003071233"}, "id_masked"),  # a clear ID number
        ({"id_masked": "110101********1233"}, "id_masked"),  # more than 4+4 visible
        ({"id_masked": "张*"}, "id_masked"),
        ({"doc_type": "photo"}, "doc_type"),
        ({"printer": "laser"}, "printer"),
        ({"result": "sending"}, "result"),
        ({"content_sha256": "A" * 64}, "content_sha256"),
        ({"chain_hash": "c" * 63}, "chain_hash"),
        ({"at": "2026-11-23T10:00:00"}, "at"),  # no offset
        ({"reason": "Paper Out"}, "reason"),
        ({"entry_id": "17"}, "entry_id"),
        ({"seq": -1}, "seq"),
        ({"name": "张三"}, "name"),  # bodies are closed
    ],
)
def test_a_malformed_entry_is_a_422(
    api: SignedApi, app: FastAPI, changes: dict[str, Any], field: str
) -> None:
    response = send(api, entry(**changes), key=str(uuid.uuid4()))
    assert response.status_code == 422
    assert field in response.json()["fields"]
    assert stored(app) == []


def test_the_print_log_needs_a_signature_and_a_key(client: TestClient, api: SignedApi) -> None:
    assert client.post(PRINT_LOG, json=entry()).status_code == 401
    missing = api.post(PRINT_LOG, entry())
    assert missing.status_code == 422
    assert missing.json()["fields"] == {"Idempotency-Key": "required"}


def test_entries_are_kept_per_terminal(client: TestClient, app: FastAPI) -> None:
    hall = enroll_in(client, app, "晋城市政务服务中心")
    bank = enroll_in(client, app, "晋城银行泽州支行", region="140525")
    shared_key = str(uuid.uuid4())
    assert send(hall, entry(), key=shared_key).status_code == 201
    assert send(bank, entry(), key=shared_key).status_code == 201  # keys are per terminal
    assert sorted((r.terminal_id, r.hall_name) for r in stored(app)) == sorted(
        [(hall.terminal_id, "晋城市政务服务中心"), (bank.terminal_id, "晋城银行泽州支行")]
    )


def test_look_ups_are_limited_per_terminal(
    client: TestClient, app: FastAPI, api: SignedApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stolen terminal key must not turn the look-up into a guessing oracle."""
    monkeypatch.setattr("central.printlog.LOOKUP_RATE", LookupRate(per_hour=3))
    for _ in range(3):
        assert lookup(api, CITIZEN).status_code == 200
    refused = lookup(api, CITIZEN)
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
    other = enroll_in(client, app, "晋城银行泽州支行", region="140525")
    assert lookup(other, CITIZEN).status_code == 200     # per terminal
