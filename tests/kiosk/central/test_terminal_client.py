"""The central client against a central that misbehaves: every failure is a typed error.

GIVEN a fake central on 127.0.0.1 scripted to fail in one way, WHEN the terminal calls it,
THEN it gets the CentralError subclass the contract promises, never a crash or a hang.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kiosk.central_api.client as client_module
import kiosk.central_api.replies as replies_module
from kiosk.central_api.client import CentralClient
from kiosk.central_api.errors import (
    CentralError,
    CentralRejected,
    CentralServerError,
    CentralUnavailable,
    InvalidResponse,
    NotEnrolled,
)
from kiosk.central_api.models import Catalogue
from kiosk.central_api.signing import TerminalIdentity
from kiosk.store import Store
from tests.support.central_fixtures import CITIZEN_ID, CITIZEN_NAME, ITEM, application_request
from tests.support.fake_central import FakeCentral, Reply
from tests.support.tls import make_tls


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- happy path, signed ---------------------------------------------------------------------
def test_every_call_but_health_is_signed_and_verified(central: FakeCentral, client: CentralClient) -> None:
    assert client.health()["status"] == "ok"
    catalogue = client.catalogue()
    assert catalogue.item(ITEM) is not None and catalogue.item(ITEM).fields[1].rules.min_length == 16  # type: ignore[union-attr]
    context = client.person_context(CITIZEN_ID, CITIZEN_NAME)
    assert context.known and context.licences[0].type == "hukou" and context.eligible_items == [ITEM]
    signed = [s for s in central.seen if not s.path.endswith("/health")]
    assert len(signed) == 2 and all(s.verified == "ok" for s in signed)
    assert len({s.headers["x-nonce"] for s in signed}) == 2
    # The ID number travels in the body only, never in a URL or header.
    assert all(CITIZEN_ID not in s.path and CITIZEN_ID not in json.dumps(s.headers) for s in central.seen)


def test_unenrolled_client_can_only_ask_for_health(central: FakeCentral) -> None:
    with CentralClient(central.url, None) as anonymous:
        assert anonymous.health()["status"] == "ok"
        with pytest.raises(NotEnrolled):
            anonymous.catalogue()


def test_plain_http_to_another_machine_is_refused(identity: TerminalIdentity) -> None:
    with pytest.raises(ValueError, match="https"):
        CentralClient("http://zwfw-terminal.example.gov.cn", identity)


# -- misbehaviour -----------------------------------------------------------------------------
def test_503_is_retried_with_backoff_then_a_server_error(
    central: FakeCentral, client: CentralClient, no_sleep: list[float]
) -> None:
    central.then("GET", "/api/v1/catalogue", *[Reply(503, {"error": "internal", "detail": "x"})] * 4)
    with pytest.raises(CentralServerError) as err:
        client.catalogue()
    assert err.value.code == "server_error" and err.value.status == 503
    assert isinstance(err.value, CentralUnavailable)
    # 0.5, 1, 2 s, each plus up to 1 s of jitter
    assert len(no_sleep) == 3 and all(b <= s <= b + 1.0 for s, b in zip(no_sleep, [0.5, 1.0, 2.0], strict=True))
    assert central.count("GET", "/api/v1/catalogue") == 4


def test_a_500_is_not_retried(central: FakeCentral, client: CentralClient, no_sleep: list[float]) -> None:
    central.then("GET", "/api/v1/catalogue", Reply(500, {"error": "internal", "detail": "x"}))
    with pytest.raises(CentralServerError) as err:
        client.catalogue()
    assert err.value.status == 500 and no_sleep == [] and central.count("GET", "/api/v1/catalogue") == 1


def test_a_500_then_success_is_invisible_to_the_caller(central: FakeCentral, client: CentralClient) -> None:
    central.then("GET", "/api/v1/catalogue", Reply(502, b"<html>Bad gateway</html>"))
    assert client.catalogue().version == "2026.11.1"


def test_a_read_timeout_is_central_unavailable(central: FakeCentral, identity: TerminalIdentity) -> None:
    central.then("GET", "/api/v1/applications/1", Reply(200, {}, sleep=1.5))
    with CentralClient(central.url, identity, read_timeout=0.3, get_retries=0) as c:
        started = time.monotonic()
        with pytest.raises(CentralUnavailable) as err:
            c.get_application("1")
    assert err.value.code == "timeout"
    assert time.monotonic() - started < 1.2


def test_a_trickling_body_hits_the_deadline(central: FakeCentral, identity: TerminalIdentity,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with CentralClient(central.url, identity, read_timeout=0.3, deadline=0.01, get_retries=0) as c:
        real = client_module.read_body

        def slow(response, started, clock, deadline_s):  # type: ignore[no-untyped-def]
            time.sleep(0.05)
            return real(response, started, clock, deadline_s)

        monkeypatch.setattr(client_module, "read_body", slow)
        with pytest.raises(CentralUnavailable, match="timeout"):
            c.catalogue()


def test_connection_refused_is_connect_failed(identity: TerminalIdentity, no_sleep: list[float]) -> None:
    with CentralClient(f"http://127.0.0.1:{free_port()}", identity, sleep=no_sleep.append) as c:
        with pytest.raises(CentralUnavailable) as err:
            c.person_context(CITIZEN_ID, CITIZEN_NAME)
    assert err.value.code == "connect_failed"
    assert len(no_sleep) == 1 and 0.5 <= no_sleep[0] <= 1.5   # a context look-up is retried once
    assert CITIZEN_ID not in str(err.value) and CITIZEN_ID not in repr(err.value.__cause__)


def test_a_dropped_connection_is_central_unavailable(central: FakeCentral, identity: TerminalIdentity) -> None:
    central.then("GET", "/api/v1/catalogue", Reply(drop=True))
    with CentralClient(central.url, identity, get_retries=0) as c:
        with pytest.raises(CentralUnavailable):
            c.catalogue()


@pytest.mark.parametrize("body", [b"<html>maintenance</html>", b"", b"\xff\xfe\x00garbage", b"[1, 2, 3]",
                                  b'{"version": "1"}', b'{"version": 1, "items": []}',
                                  b'{"version": "1", "items": [{"code": "x"}]}'])
def test_garbage_or_a_wrong_shape_is_invalid_response(
    central: FakeCentral, client: CentralClient, body: bytes
) -> None:
    central.then("GET", "/api/v1/catalogue", Reply(200, body))
    with pytest.raises(InvalidResponse) as err:
        client.catalogue()
    assert err.value.code == "invalid_response"
    assert central.count("GET", "/api/v1/catalogue") == 1      # garbage is not retried


def test_a_wrong_shape_names_the_field_but_not_the_value(central: FakeCentral, client: CentralClient) -> None:
    central.then("POST", "/api/v1/persons/context",
                 Reply(200, {"known": True, "licences": [{"type": "hukou", "name": CITIZEN_NAME}],
                             "eligible_items": []}))
    with pytest.raises(InvalidResponse) as err:
        client.person_context(CITIZEN_ID, CITIZEN_NAME)
    assert "licences.0" in err.value.detail
    assert CITIZEN_NAME not in str(err.value)


def test_a_contract_4xx_is_rejected_with_code_and_fields(central: FakeCentral, client: CentralClient) -> None:
    central.then("POST", "/api/v1/companies/context",
                 Reply(422, {"error": "validation_failed", "detail": "uscc", "fields": {"uscc": "checksum"}}))
    with pytest.raises(CentralRejected) as err:
        client.company_context("91140500MA0K000000", CITIZEN_ID)
    assert (err.value.status, err.value.code, err.value.error) == (422, "validation_failed", "validation_failed")
    assert err.value.fields == {"uscc": "checksum"}
    assert central.count("POST", "/api/v1/companies/context") == 1   # a 4xx is not retried

    with pytest.raises(CentralRejected) as missing:
        client.get_application("99999999999999999999")
    assert missing.value.code == "not_found"


@pytest.mark.parametrize("reply", [Reply(403, b"<html>Forbidden by proxy</html>"), Reply(302, b"", {"Location": "/x"}),
                                   Reply(418, {"error": "Not A Code!"}), Reply(204, b"")])
def test_statuses_outside_the_contract_are_invalid_response(
    central: FakeCentral, client: CentralClient, reply: Reply
) -> None:
    central.then("GET", "/api/v1/applications/1", reply)
    with pytest.raises(InvalidResponse) as err:
        client.get_application("1")
    assert err.value.status == reply.status


def test_bad_signature_answer_is_rejected_with_its_reason(central: FakeCentral, identity: TerminalIdentity) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    impostor = TerminalIdentity(identity.terminal_id, Ed25519PrivateKey.generate())
    with CentralClient(central.url, impostor) as c:
        with pytest.raises(CentralRejected) as err:
            c.catalogue()
    assert (err.value.status, err.value.code) == (401, "bad_signature")


def test_an_oversized_body_is_invalid_response(central: FakeCentral, client: CentralClient,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replies_module, "MAX_BODY", 1000)
    central.then("GET", "/api/v1/catalogue", Reply(200, b"[" + b"1," * 5000 + b"1]"))
    with pytest.raises(InvalidResponse, match="larger"):
        client.catalogue()


def test_submission_is_never_retried_inside_the_client(central: FakeCentral, client: CentralClient) -> None:
    central.then("POST", "/api/v1/applications", Reply(503, b"busy"))
    request = application_request().model_copy(update={"local_receipt": "T-1", "submitted_at": None})
    with pytest.raises(ValueError):
        client.submit_application(request, "k")           # the outbox stamps the receipt and time
    import datetime as dt

    request = request.model_copy(update={"submitted_at": dt.datetime.now().astimezone()})
    with pytest.raises(CentralServerError):
        client.submit_application(request, "3b0f1f9e-3f3e-4d55-9a0b-000000000001")
    assert central.count("POST", "/api/v1/applications") == 1
    application = client.submit_application(request, "3b0f1f9e-3f3e-4d55-9a0b-000000000001")
    assert application.local_receipt == "T-1" and application.timeline[0].step == "申请"
    again = client.submit_application(request, "3b0f1f9e-3f3e-4d55-9a0b-000000000001")
    assert again == application                              # same key, same body: same 办件


# -- catalogue: ETag and the cache ---------------------------------------------------------
def test_catalogue_uses_etag_and_304(central: FakeCentral, client: CentralClient) -> None:
    first = client.catalogue()
    second = client.catalogue()
    assert second == first and client.catalogue_is_cached is False
    requests_seen = [s for s in central.seen if s.path == "/api/v1/catalogue"]
    assert "if-none-match" not in requests_seen[0].headers
    assert requests_seen[1].headers["if-none-match"] == '"2026.11.1"'


def test_catalogue_survives_central_going_down_through_the_store(
    central: FakeCentral, identity: TerminalIdentity, store: Store
) -> None:
    with CentralClient(central.url, identity, cache=store) as c:
        fetched = c.catalogue()
    port = central.server.server_address[1]  # type: ignore[union-attr]
    central.stop()
    # A new client, as after a reboot: only the store remembers the catalogue.
    with CentralClient(f"http://127.0.0.1:{port}", identity, cache=store, get_retries=0) as c:
        cached = c.catalogue()
        assert cached == fetched and c.catalogue_is_cached is True


def test_catalogue_garbage_falls_back_to_the_cache_too(
    central: FakeCentral, identity: TerminalIdentity, store: Store
) -> None:
    with CentralClient(central.url, identity, cache=store) as c:
        fetched = c.catalogue()
        central.catalogue["version"] = "2026.12.1"            # a new version, but garbled
        central.then("GET", "/api/v1/catalogue", Reply(200, b"{not json"))
        assert c.catalogue() == fetched and c.catalogue_is_cached
        assert c.catalogue().version == "2026.12.1" and not c.catalogue_is_cached


def test_no_cache_and_no_central_is_unavailable(identity: TerminalIdentity, store: Store) -> None:
    with CentralClient(f"http://127.0.0.1:{free_port()}", identity, cache=store, get_retries=0) as c:
        with pytest.raises(CentralUnavailable):
            c.catalogue()


def test_a_new_catalogue_replaces_the_cached_one(central: FakeCentral, identity: TerminalIdentity,
                                                 store: Store) -> None:
    with CentralClient(central.url, identity, cache=store) as c:
        c.catalogue()
        central.catalogue["version"] = "2026.12.1"
        assert c.catalogue().version == "2026.12.1"
    etag, body = store.load_catalogue()  # type: ignore[misc]
    assert etag == '"2026.12.1"' and Catalogue.model_validate_json(body).version == "2026.12.1"


# -- TLS -------------------------------------------------------------------------------------
@pytest.fixture
def tls_central(tmp_path: Path) -> Iterator[tuple[FakeCentral, str, Path]]:
    bundle, context = make_tls(tmp_path / "tls")
    fake = FakeCentral()
    url = fake.start(tls=context)
    try:
        yield fake, url, bundle
    finally:
        fake.stop()


def test_tls_is_verified_against_the_configured_ca(tls_central: tuple[FakeCentral, str, Path],
                                                   identity: TerminalIdentity) -> None:
    fake, url, bundle = tls_central
    fake.register(identity.terminal_id, identity.private_key.public_key())
    with CentralClient(url, identity, ca_bundle=str(bundle)) as c:
        assert c.catalogue().version == "2026.11.1"


def test_an_unknown_ca_is_tls_failed_not_ignored(tls_central: tuple[FakeCentral, str, Path],
                                                 identity: TerminalIdentity) -> None:
    _, url, _ = tls_central
    with CentralClient(url, identity, get_retries=0) as c:
        with pytest.raises(CentralUnavailable) as err:
            c.health()
    assert err.value.code == "tls_failed"


# -- anything at all -------------------------------------------------------------------------
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=st.sampled_from([200, 201, 204, 301, 400, 401, 404, 409, 422, 429, 500, 503]),
       body=st.one_of(st.binary(max_size=200),
                      st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                                   lambda inner: st.lists(inner, max_size=4)
                                   | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                                   max_leaves=12).map(lambda v: json.dumps(v).encode())))
def test_whatever_central_answers_the_client_raises_only_central_errors(
    central: FakeCentral, identity: TerminalIdentity, status: int, body: bytes
) -> None:
    with CentralClient(central.url, identity, get_retries=0, lookup_retries=0) as c:
        for method, path, call in (
            ("GET", "/api/v1/catalogue", c.catalogue),
            ("POST", "/api/v1/persons/context", lambda: c.person_context(CITIZEN_ID, CITIZEN_NAME)),
            ("GET", "/api/v1/applications/7", lambda: c.get_application("7")),
        ):
            central.then(method, path, Reply(status, body))
            try:
                call()
            except CentralError:
                pass
