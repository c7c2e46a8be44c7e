"""Central believes a request only when its terminal signed it, once, just now."""

from __future__ import annotations

import time

import httpx
import pytest
from central_helpers import ZHANG_SAN, SignedApi
from fastapi import FastAPI
from fastapi.testclient import TestClient

from central.app import create_app, dispose
from central.ops import revoke_terminal
from tests.support.signer import TerminalKey

CONTEXT = "/api/v1/persons/context"
BODY = {"id_number": ZHANG_SAN[0], "name": ZHANG_SAN[1]}
RAW = '{"id_number": "110101199003071233", "name": "张三"}'.encode()


def _refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error"] == reason
    assert body["detail"]


def _send(
    api: SignedApi, headers: dict[str, str], body: bytes = RAW, path: str = CONTEXT
) -> httpx.Response:
    return api.client.post(
        path, content=body, headers={"Content-Type": "application/json", **headers}
    )


def test_a_signed_request_is_answered(api: SignedApi) -> None:
    response = api.post(CONTEXT, BODY)
    assert response.status_code == 200
    assert response.json()["known"] is True


def test_a_request_signed_with_another_key_is_refused(api: SignedApi) -> None:
    headers = TerminalKey.generate().sign(api.terminal_id, "POST", CONTEXT, RAW)
    _refused(_send(api, headers), "bad_signature")


def test_a_tampered_body_is_refused(api: SignedApi) -> None:
    headers = api.key.sign(api.terminal_id, "POST", CONTEXT, RAW)
    tampered = RAW.replace("张三".encode(), "李四".encode())
    _refused(_send(api, headers, body=tampered), "bad_signature")


def test_a_tampered_path_is_refused(api: SignedApi) -> None:
    headers = api.key.sign(api.terminal_id, "POST", CONTEXT, RAW)
    _refused(_send(api, headers, path="/api/v1/companies/context"), "bad_signature")


def test_a_tampered_query_string_is_refused(api: SignedApi) -> None:
    headers = api.key.sign(api.terminal_id, "GET", "/api/v1/catalogue?x=1")
    response = api.client.get("/api/v1/catalogue?x=2", headers=headers)
    _refused(response, "bad_signature")


def test_the_query_string_is_part_of_the_signed_path(api: SignedApi) -> None:
    assert api.get("/api/v1/catalogue?x=1").status_code == 200


def test_a_tampered_method_is_refused(api: SignedApi) -> None:
    headers = api.key.sign(api.terminal_id, "GET", CONTEXT, RAW)
    _refused(_send(api, headers), "bad_signature")


def test_a_replayed_nonce_is_refused(api: SignedApi) -> None:
    headers = api.key.sign(api.terminal_id, "POST", CONTEXT, RAW)
    assert _send(api, headers).status_code == 200
    _refused(_send(api, headers), "replayed_nonce")


def test_a_replay_to_another_worker_is_refused_too(api: SignedApi, db_url: str) -> None:
    headers = api.key.sign(api.terminal_id, "POST", CONTEXT, RAW)
    assert _send(api, headers).status_code == 200
    other_worker = create_app(db_url)  # another process would share only the database
    try:
        with TestClient(other_worker) as client:
            response = client.post(
                CONTEXT, content=RAW, headers={"Content-Type": "application/json", **headers}
            )
    finally:
        dispose(other_worker)
    _refused(response, "replayed_nonce")


# Five seconds past the minute, not one: the request may reach central a second or two
# after it was signed on a loaded machine, which brings +61 back inside the minute.
@pytest.mark.parametrize("offset", [-65, 65, -3600])
def test_a_timestamp_more_than_a_minute_away_is_refused(api: SignedApi, offset: int) -> None:
    headers = api.key.sign(
        api.terminal_id, "POST", CONTEXT, RAW, timestamp=int(time.time()) + offset
    )
    _refused(_send(api, headers), "stale_timestamp")


def test_a_timestamp_within_the_minute_is_accepted(api: SignedApi) -> None:
    headers = api.key.sign(api.terminal_id, "POST", CONTEXT, RAW, timestamp=int(time.time()) - 50)
    assert _send(api, headers).status_code == 200


def test_an_unknown_terminal_is_refused(api: SignedApi) -> None:
    headers = api.key.sign("T-9999", "POST", CONTEXT, RAW)
    _refused(_send(api, headers), "unknown_terminal")


def test_a_revoked_terminal_is_refused(api: SignedApi, app: FastAPI) -> None:
    with app.state.sessions() as session:
        revoke_terminal(session, api.terminal_id)
    _refused(api.post(CONTEXT, BODY), "unknown_terminal")


@pytest.mark.parametrize("missing", ["X-Terminal-Id", "X-Timestamp", "X-Nonce", "X-Signature"])
def test_a_request_without_a_signature_header_is_refused(api: SignedApi, missing: str) -> None:
    headers = api.key.sign(api.terminal_id, "POST", CONTEXT, RAW)
    del headers[missing]
    _refused(_send(api, headers), "missing_signature")


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Nonce", "ABCDEF0123456789ABCDEF0123456789"),
        ("X-Nonce", "abc"),
        ("X-Timestamp", "soon"),
        ("X-Signature", "not base64!"),
    ],
)
def test_a_malformed_signature_header_is_refused(api: SignedApi, header: str, value: str) -> None:
    headers = api.key.sign(api.terminal_id, "POST", CONTEXT, RAW)
    headers[header] = value
    _refused(_send(api, headers), "missing_signature")


def test_an_unsigned_request_to_a_signed_endpoint_is_refused(client: TestClient) -> None:
    _refused(client.get("/api/v1/catalogue"), "missing_signature")
