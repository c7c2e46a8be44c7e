"""Evidence pages' intake (docs/casework.md §5), on both back ends: each page comes sealed
through the terminal's outbox to POST /applications/evidence, is checked (its SHA-256, a
JPEG, at most 4 MiB) and stored once per (terminal, local receipt, page), before or after
its application; staff see it declared and received, by hash only."""

from __future__ import annotations

import base64
import hashlib

from central_bodies import new_key, pension
from central_helpers import ZHANG_SAN, SignedApi, enroll
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Connection, func, select
from tracking_helpers import EVIDENCE, jpeg, page_body, ref, sealed, submit

from central.case_view import case_of
from central.evidence import PAGE_LIMIT
from central.models_casework import ApplicationEvidence

RECEIPT = "DEMO-0001-20261123-0007"   # pension()'s local receipt


def _count(app: FastAPI) -> int:
    def work(conn: Connection) -> int:
        return int(conn.execute(select(func.count()).select_from(ApplicationEvidence)).scalar_one())

    return int(app.state.db.run(work))


def _with_pages(*pages: bytes) -> dict[str, object]:
    body = pension(ZHANG_SAN)
    body["evidence"] = [ref(i, data) for i, data in enumerate(pages, 1)]
    return body


def test_a_sealed_page_is_stored_once_and_the_same_page_again_is_200(
    client: TestClient, app: FastAPI, api: SignedApi
) -> None:
    data = jpeg("page one")
    key = new_key()
    envelope = sealed(client, page_body(RECEIPT, 1, data), key)
    first = api.post(EVIDENCE, envelope, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    assert first.json() == {"local_receipt": RECEIPT, "page": 1,
                            "sha256": hashlib.sha256(data).hexdigest()}  # fmt: skip
    again = api.post(EVIDENCE, envelope, headers={"Idempotency-Key": key})
    assert again.status_code == 200 and again.json() == first.json()
    # A retry sealed afresh (a new key), or through the /sealed path, or unsealed: the same.
    other = new_key()
    resealed = sealed(client, page_body(RECEIPT, 1, data), other)
    assert api.post(f"{EVIDENCE}/sealed", resealed,
                    headers={"Idempotency-Key": other}).status_code == 200  # fmt: skip
    assert api.post(EVIDENCE, page_body(RECEIPT, 1, data)).status_code == 200
    assert _count(app) == 1
    # Sealed to another key than the header's: it does not open.
    wrong = api.post(EVIDENCE, envelope, headers={"Idempotency-Key": new_key()})
    assert wrong.status_code == 422 and wrong.json()["fields"] == {"sealed": "undecryptable"}
    keyless = api.post(EVIDENCE, envelope)
    assert keyless.status_code == 422 and keyless.json()["fields"] == {"Idempotency-Key": "required"}
    assert client.post(EVIDENCE, json=page_body(RECEIPT, 2, data)).status_code == 401


def test_another_page_under_a_taken_key_is_409_duplicate(
    client: TestClient, app: FastAPI, api: SignedApi
) -> None:
    assert api.post(EVIDENCE, page_body(RECEIPT, 1, jpeg("one"))).status_code == 201
    clash = api.post(EVIDENCE, page_body(RECEIPT, 1, jpeg("another")))
    assert clash.status_code == 409 and clash.json()["error"] == "duplicate"
    # Another terminal's page 1 of a receipt with the same name is its own.
    other = enroll(client, app)
    assert other.post(EVIDENCE, page_body(RECEIPT, 1, jpeg("another"))).status_code == 201
    assert _count(app) == 2


def test_a_hash_that_is_not_the_pages_and_a_page_that_is_not_a_jpeg_are_refused(
    app: FastAPI, api: SignedApi
) -> None:
    data = jpeg()
    mismatch = api.post(EVIDENCE, page_body(RECEIPT, 1, data, sha256="0" * 64))
    assert mismatch.status_code == 422
    assert mismatch.json()["error"] == "validation_failed"
    assert mismatch.json()["fields"] == {"sha256": "hash_mismatch"}
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    refused = api.post(EVIDENCE, page_body(RECEIPT, 1, png))
    assert refused.status_code == 422 and refused.json()["fields"] == {"jpeg_base64": "not_jpeg"}
    body = page_body(RECEIPT, 1, data)
    body["jpeg_base64"] = "not*base64"
    assert api.post(EVIDENCE, body).json()["fields"] == {"jpeg_base64": "not_base64"}
    assert _count(app) == 0


def test_a_page_over_4_mib_is_refused_and_one_of_4_mib_goes_sealed(
    client: TestClient, app: FastAPI, api: SignedApi
) -> None:
    big = b"\xff\xd8\xff\xe0" + b"\x00" * (PAGE_LIMIT - 3)            # one byte over
    answer = api.post(EVIDENCE, page_body(RECEIPT, 1, big))
    assert answer.status_code == 413 and answer.json()["error"] == "payload_too_large"
    at_limit = big[:PAGE_LIMIT]
    assert api.post(EVIDENCE, page_body(RECEIPT, 1, at_limit)).status_code == 201
    key = new_key()                            # sealed, as the outbox sends it: 7.1 MiB
    envelope = sealed(client, page_body(RECEIPT, 1, at_limit), key)
    assert api.post(EVIDENCE, envelope, headers={"Idempotency-Key": key}).status_code == 200
    # A body over the route's limit is refused before it is read (central.limits).
    huge = {**page_body(RECEIPT, 2, b"\xff\xd8\xff"),
            "jpeg_base64": base64.b64encode(b"\xff\xd8\xff" + b"\x00" * (13 * PAGE_LIMIT // 8)).decode()}  # fmt: skip
    refused = api.post(EVIDENCE, huge)
    assert refused.status_code == 413 and refused.json()["error"] == "payload_too_large"
    assert _count(app) == 1


def test_pages_meet_their_application_in_either_order(
    client: TestClient, app: FastAPI, api: SignedApi
) -> None:
    one, two = jpeg("bank card front"), jpeg("bank card back")
    # Page 1 before the application, page 2 after it.
    assert send_sealed(client, api, 1, one).status_code == 201
    number = submit(api, _with_pages(one, two))
    case = app.state.db.run(case_of, number)
    assert [(p["page"], p["declared"], p["received"], p["matches"]) for p in case["evidence"]] == [
        (1, True, True, True), (2, True, False, None)]
    assert send_sealed(client, api, 2, two).status_code == 201
    case = app.state.db.run(case_of, number)
    assert [p["received"] for p in case["evidence"]] == [True, True]
    assert case["evidence"][1]["sha256"] == hashlib.sha256(two).hexdigest()
    assert case["applicant_masked"] == "张*"
    assert ZHANG_SAN[0] not in str(case) and "张三" not in str(case)


def send_sealed(client: TestClient, api: SignedApi, page: int, data: bytes) -> Response:
    """A page as the outbox delivers it: sealed under the row's key, sent with it."""
    key = new_key()
    body = sealed(client, page_body(RECEIPT, page, data), key)
    return api.post(EVIDENCE, body, headers={"Idempotency-Key": key})


def test_a_received_page_whose_hash_is_not_the_declared_one_is_flagged(
    client: TestClient, app: FastAPI, api: SignedApi
) -> None:
    declared, sent = jpeg("declared"), jpeg("something else")
    number = submit(api, _with_pages(declared))
    assert api.post(EVIDENCE, page_body(RECEIPT, 1, sent)).status_code == 201
    page = app.state.db.run(case_of, number)["evidence"][0]
    assert (page["received"], page["matches"]) == (True, False)
    assert page["received_sha256"] == hashlib.sha256(sent).hexdigest()
