"""Issue 10 §1: the printed verification link must not follow the request's Host header
(nobody signs it). Outside the demo central needs its public URL: `serve` refuses to start
without it, and an app that has none issues no document (503 public_url_required)."""

from __future__ import annotations

import pytest
from central_bodies import new_key
from central_helpers import ZHANG_SAN, enroll
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from central.app import create_app, dispose
from central.cli import main
from central.models import IssuedDocument
from central.settings import ENV_DEMO, ENV_PUBLIC_URL, Settings, default_demo

BODY = {"proof_code": "shebao_canbao", "id_number": ZHANG_SAN[0], "name": ZHANG_SAN[1]}


def test_outside_the_demo_no_document_is_issued_without_a_public_url(db_url: str) -> None:
    app = create_app(db_url, Settings(db_url=db_url, demo=False))
    try:
        with TestClient(app) as client:
            api = enroll(client, app)
            answer = api.post(
                "/api/v1/proofs/issue",
                BODY,
                headers={"Idempotency-Key": new_key(), "Host": "evil.example"},
            )
        with app.state.sessions() as session:
            stored = session.scalar(select(func.count()).select_from(IssuedDocument))
    finally:
        dispose(app)
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"] == "public_url_required"
    assert "evil.example" not in answer.text
    assert stored == 0


def test_with_a_public_url_the_host_header_does_not_matter(db_url: str) -> None:
    settings = Settings(db_url=db_url, public_base_url="https://zwfw.example", demo=False)
    app = create_app(db_url, settings)
    try:
        with TestClient(app) as client:
            api = enroll(client, app)
            answer = api.post(
                "/api/v1/proofs/issue",
                BODY,
                headers={"Idempotency-Key": new_key(), "Host": "evil.example"},
            )
    finally:
        dispose(app)
    assert answer.status_code == 201
    assert answer.json()["verify_url"].startswith("https://zwfw.example/api/v1/documents/")


def test_the_demo_is_sqlite_or_said_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_DEMO, raising=False)
    assert default_demo("sqlite:///var/central/central.db")
    assert not default_demo("postgresql+psycopg://central@db/central")
    monkeypatch.setenv(ENV_DEMO, "1")
    assert default_demo("postgresql+psycopg://central@db/central")


def test_serve_refuses_to_start_in_production_without_a_public_url(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_DEMO, raising=False)
    monkeypatch.delenv(ENV_PUBLIC_URL, raising=False)
    monkeypatch.setattr("central.cli._migrate", lambda _db: pytest.fail("must not get this far"))
    status = main(["serve", "--db", "postgresql://central@db.invalid/central"])
    out, err = capsys.readouterr()
    assert status == 1 and out == ""
    assert "TONGBAN_CENTRAL_PUBLIC_URL" in err and "required outside the demo" in err
    assert len(err.strip().splitlines()) == 1
