"""The OpenAPI document is the contract in machine form: kept in the repository, and the
same as what the app serves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from central.app import create_app

REPO = Path(__file__).resolve().parents[2]
KEPT = REPO / "central" / "openapi.json"
SIGNED = [
    ("get", "/api/v1/catalogue"),
    ("post", "/api/v1/persons/context"),
    ("post", "/api/v1/companies/context"),
    ("post", "/api/v1/applications"),
    ("get", "/api/v1/applications/{application_number}"),
    ("post", "/api/v1/applications/mine"),
    ("post", "/api/v1/proofs/available"),
    ("post", "/api/v1/proofs/issue"),
    ("post", "/api/v1/print-log"),
    ("post", "/api/v1/identity/resolve"),
    ("post", "/api/v1/print-log/lookup"),
    ("post", "/api/v1/applications/sealed"),
    ("post", "/api/v1/print-log/sealed"),
    # After the application (docs/casework.md §4, §5).
    ("get", "/api/v1/applications/{application_number}/public"),
    ("post", "/api/v1/applications/evidence"),
    ("post", "/api/v1/applications/evidence/sealed"),
    ("post", "/api/v1/evaluations"),
    # The queue (docs/hall-day.md).
    ("get", "/api/v1/queue/categories"),
    ("post", "/api/v1/queue/tickets"),
    ("post", "/api/v1/queue/blocks"),
    ("post", "/api/v1/queue/tickets/offline"),
    ("post", "/api/v1/appointments/checkin"),
    # Booking (docs/hall-day.md).
    ("get", "/api/v1/halls/mine"),
    ("get", "/api/v1/halls/{hall}/days"),
    ("get", "/api/v1/halls/{hall}/slots"),
    ("post", "/api/v1/appointments/book"),
    ("post", "/api/v1/appointments/mine"),
    ("post", "/api/v1/appointments/{number}/cancel"),
    # Running the fleet (docs/fleet.md).
    ("get", "/api/v1/terminals/config"),
    ("post", "/api/v1/terminals/heartbeat"),
    ("post", "/api/v1/terminals/commands/{command_id}/result"),
]
UNSIGNED = [
    ("get", "/api/v1/health"),
    ("post", "/api/v1/terminals/enroll"),
    ("get", "/api/v1/documents/{verification_code}"),
    ("get", "/api/v1/keys/codes"),
    ("get", "/api/v1/keys/outbox"),
]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app("sqlite://").openapi()


def test_the_kept_document_is_the_one_the_app_serves(document: dict[str, Any]) -> None:
    kept = json.loads(KEPT.read_text(encoding="utf-8"))
    assert kept == document, (
        "central/openapi.json differs from the app's OpenAPI document: "
        "run `kiosk-central openapi --out central/openapi.json` and review the diff"
    )


def test_the_document_is_served_at_openapi_json(document: dict[str, Any]) -> None:
    with TestClient(create_app("sqlite://")) as client:
        assert client.get("/openapi.json").json() == document


def test_every_contract_endpoint_is_in_the_document(document: dict[str, Any]) -> None:
    operations = {(m, p) for p, item in document["paths"].items() for m in item}
    assert operations == {*UNSIGNED, *SIGNED}


@pytest.mark.parametrize(("method", "path"), SIGNED)
def test_signed_endpoints_need_all_four_headers_and_document_401(
    document: dict[str, Any], method: str, path: str
) -> None:
    operation = document["paths"][path][method]
    assert operation["security"] == [
        {"TerminalId": [], "Timestamp": [], "Nonce": [], "Signature": []}
    ]
    assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }


def test_errors_are_documented_with_their_body(document: dict[str, Any]) -> None:
    submit = document["paths"]["/api/v1/applications"]["post"]["responses"]
    assert set(submit) >= {"200", "201", "401", "409", "422"}
    assert submit["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ValidationErrorBody"
    )
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas  # FastAPI's own 422 shape is not ours
    assert set(schemas["ValidationErrorBody"]["required"]) == {"error", "detail", "fields"}
    assert "idempotency_conflict" in schemas["ErrorBody"]["properties"]["error"]["enum"]


def test_the_catalogue_documents_etag_and_304(document: dict[str, Any]) -> None:
    responses = document["paths"]["/api/v1/catalogue"]["get"]["responses"]
    assert "ETag" in responses["200"]["headers"] and "304" in responses


def test_exactly_the_documented_signed_operations_refuse_unsigned_requests(
    document: dict[str, Any], client: TestClient
) -> None:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            url = path.replace("{application_number}", "14050020261123000001")
            response = client.request(method.upper(), url, json={} if method == "post" else None)
            signed = "security" in operation
            assert (response.status_code == 401) == signed, (method, path, response.status_code)
