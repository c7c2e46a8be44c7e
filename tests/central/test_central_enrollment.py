"""A technician enrolls a terminal with the one-time code operations gave them."""

from __future__ import annotations

from datetime import timedelta

from central_helpers import new_code
from fastapi import FastAPI
from fastapi.testclient import TestClient

from central.timeutil import utcnow
from tests.support.signer import TerminalKey

ENROLL = "/api/v1/terminals/enroll"


def _enroll(
    client: TestClient, code: str, key: TerminalKey | None = None
) -> tuple[int, dict[str, object]]:
    key = key or TerminalKey.generate()
    response = client.post(
        ENROLL, json={"code": code, "public_key": key.public_b64, "hostname": "kiosk-01"}
    )
    return response.status_code, response.json()


def test_a_fresh_code_enrolls_the_terminal_with_its_hall_region_and_profile(
    client: TestClient, app: FastAPI
) -> None:
    code = new_code(app, region="140525", hall="泽州县政务服务中心", profile="community")
    status, body = _enroll(client, code)
    assert status == 201
    assert body == {
        "terminal_id": body["terminal_id"],
        "hall_name": "泽州县政务服务中心",
        "region_code": "140525",
        "profile": "community",
    }
    assert str(body["terminal_id"]).startswith("T-")


def test_terminal_ids_differ_per_enrollment(client: TestClient, app: FastAPI) -> None:
    first = _enroll(client, new_code(app))[1]["terminal_id"]
    second = _enroll(client, new_code(app))[1]["terminal_id"]
    assert first != second


def test_a_code_works_only_once(client: TestClient, app: FastAPI) -> None:
    code = new_code(app)
    assert _enroll(client, code)[0] == 201
    status, body = _enroll(client, code)
    assert status == 400
    assert body["error"] == "enrollment_failed"
    assert "used" in str(body["detail"])


def test_an_expired_code_is_refused(client: TestClient, app: FastAPI) -> None:
    code = new_code(app, now=utcnow() - timedelta(days=7, minutes=1))
    status, body = _enroll(client, code)
    assert (status, body["error"]) == (400, "enrollment_failed")
    assert "expired" in str(body["detail"])


def test_a_code_six_days_old_still_works(client: TestClient, app: FastAPI) -> None:
    assert _enroll(client, new_code(app, now=utcnow() - timedelta(days=6)))[0] == 201


def test_an_unknown_code_is_refused(client: TestClient) -> None:
    status, body = _enroll(client, "AAAA-BBBB-CCCC")
    assert (status, body["error"]) == (400, "enrollment_failed")


def test_the_code_may_be_typed_in_lower_case_without_dashes(
    client: TestClient, app: FastAPI
) -> None:
    code = new_code(app)
    assert _enroll(client, code.replace("-", "").lower())[0] == 201


def test_a_malformed_public_key_is_refused_without_using_up_the_code(
    client: TestClient, app: FastAPI
) -> None:
    code = new_code(app)
    response = client.post(
        ENROLL, json={"code": code, "public_key": "bm90IGEga2V5", "hostname": "k"}
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"public_key": "not_ed25519"}
    assert _enroll(client, code)[0] == 201


def test_enrollment_needs_no_signature_but_a_complete_body(client: TestClient) -> None:
    response = client.post(ENROLL, json={"code": "AAAA-BBBB-CCCC"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_failed"
    assert body["fields"] == {"public_key": "required", "hostname": "required"}


def test_health_is_unsigned_and_names_the_catalogue_version(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "catalogue_version": "2026.12.1"}
