"""Remote configuration on central (docs/fleet.md §3): drafts validated, versions published,
layers merged weakest first, the version string, the signed endpoint with ETag and 304 —
on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from central_helpers import SignedApi, new_code
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, event, select, text

from central.config_docs import (
    ConfigInvalid,
    ConfigNotFound,
    diff,
    effective,
    effective_version,
    list_documents,
    publish,
    put_draft,
)
from central.models_fleet import AuditEntry
from tests.support.signer import TerminalKey

NOW = datetime(2026, 12, 6, 1, 0, 0)
HALL_NAME, HALL_CODE = "晋城市政务服务中心", "JC-ZWZX"


@pytest.fixture
def conn(db_url: str) -> Iterator[Connection]:
    engine = create_engine(db_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def enroll_at(client: TestClient, app: FastAPI, hall: str = HALL_NAME, region: str = "140500",
              profile: str = "hall") -> SignedApi:
    key = TerminalKey.generate()
    answer = client.post("/api/v1/terminals/enroll", json={
        "code": new_code(app, region=region, hall=hall, profile=profile),
        "public_key": key.public_b64, "hostname": "kiosk-test"})
    assert answer.status_code == 201, answer.text
    return SignedApi(client, key, answer.json()["terminal_id"], region)


def put_and_publish(conn: Connection, scope: str, key: str, body: dict[str, Any],
                    now: datetime = NOW) -> int:
    version = put_draft(conn, scope, key, body, f"{scope} layer", "test", now)
    publish(conn, scope, key, version, "test", now)
    return version


def expected_version(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "cfg-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def test_layers_merge_weakest_first_and_the_version_is_the_canonical_hash(
        conn: Connection, api: SignedApi) -> None:
    tid = api.terminal_id
    put_and_publish(conn, "all", "", {"ui": {"width": 1000, "height": 700, "dpi": 90},
                                      "voice": {"volume": 10}})
    put_and_publish(conn, "profile", "hall", {"ui": {"width": 1100}, "session": {"idle_timeout_s": 70}})
    put_and_publish(conn, "region", "140500", {"ui": {"width": 1200, "height": 750}})
    put_and_publish(conn, "hall", HALL_CODE, {"ui": {"width": 1300},
                                              "services": {"offered": ["identity_check", "queue_ticket"]}})
    put_and_publish(conn, "terminal", tid, {"ui": {"width": 1400}, "terminal": {"title": "通办 一号机"}})
    # Layers of other groups do not apply.
    put_and_publish(conn, "profile", "bank", {"ui": {"width": 7000}})
    put_and_publish(conn, "region", "140525", {"ui": {"width": 7000}})
    put_and_publish(conn, "hall", "ZZ-ZWZX", {"ui": {"width": 7000}})

    body = effective(conn, tid)
    assert body is not None
    document = {"ui": {"width": 1400, "height": 750, "dpi": 90}, "voice": {"volume": 10},
                "session": {"idle_timeout_s": 70},
                "services": {"offered": ["identity_check", "queue_ticket"]},
                "terminal": {"title": "通办 一号机"}}
    assert body["document"] == document
    assert body["layers"] == [{"scope": "all", "key": "", "version": 1},
                              {"scope": "profile", "key": "hall", "version": 1},
                              {"scope": "region", "key": "140500", "version": 1},
                              {"scope": "hall", "key": HALL_CODE, "version": 1},
                              {"scope": "terminal", "key": tid, "version": 1}]
    assert body["version"] == expected_version(document)
    assert effective_version(conn, tid) == body["version"]


def test_drafts_do_not_apply_and_the_last_published_version_is_current(
        conn: Connection, api: SignedApi) -> None:
    tid = api.terminal_id
    assert effective(conn, tid) is None and effective_version(conn, tid) is None
    assert put_draft(conn, "hall", HALL_CODE, {"ui": {"width": 1000}}, "", "test", NOW) == 1
    assert effective_version(conn, tid) is None      # a draft is not published
    assert put_draft(conn, "hall", HALL_CODE, {"ui": {"width": 1100}}, "", "test", NOW) == 2
    publish(conn, "hall", HALL_CODE, 2, "test", NOW)
    assert effective_version(conn, tid) == expected_version({"ui": {"width": 1100}})
    # Publishing version 1 again (same clock tick even) makes it current: the way back.
    publish(conn, "hall", HALL_CODE, 1, "test", NOW)
    assert effective_version(conn, tid) == expected_version({"ui": {"width": 1000}})
    rows = list_documents(conn, "hall", HALL_CODE)
    assert [(r["version"], r["current"]) for r in rows] == [(2, False), (1, True)]
    assert diff(conn, "hall", HALL_CODE, 1, 2) == [
        f"--- hall:{HALL_CODE} v1", f"+++ hall:{HALL_CODE} v2", "@@ -1,5 +1,5 @@",
        " {", '   "ui": {', '-    "width": 1000', '+    "width": 1100', "   }", " }"]


def test_a_bank_branch_gets_the_hall_layer_of_the_hall_its_site_books_for(
        conn: Connection, client: TestClient, app: FastAPI) -> None:
    bank = enroll_at(client, app, hall="山西银行晋城分行营业部", profile="bank")
    put_and_publish(conn, "hall", HALL_CODE, {"ui": {"elderly_mode": True}})
    body = effective(conn, bank.terminal_id)
    assert body is not None and body["layers"] == [{"scope": "hall", "key": HALL_CODE, "version": 1}]


def test_invalid_documents_and_scopes_are_refused_with_every_problem(
        conn: Connection, api: SignedApi) -> None:
    with pytest.raises(ConfigInvalid) as caught:
        put_draft(conn, "hall", HALL_CODE, {"ui": {"width": "wide", "colour": "red"}}, "", "t", NOW)
    assert caught.value.error == "config_invalid"
    assert caught.value.problems == ["ui.colour: unknown setting",
                                     "ui.width: 'wide' is not of type 'integer'"]
    with pytest.raises(ConfigInvalid) as caught:
        put_draft(conn, "all", "", {"central": {"url": "https://x.example"}}, "", "t", NOW)
    assert caught.value.error == "forbidden_section"
    for scope, key in [("hall", "NO-SUCH"), ("region", "14"), ("profile", "bus"),
                       ("terminal", "T-9999"), ("all", "x"), ("planet", "")]:
        with pytest.raises(ConfigInvalid) as caught:
            put_draft(conn, scope, key, {}, "", "t", NOW)
        assert caught.value.error == "bad_scope", (scope, key)
    with pytest.raises(ConfigNotFound):
        publish(conn, "hall", HALL_CODE, 7, "t", NOW)
    assert list_documents(conn) == []


def test_every_put_and_publish_is_in_the_audit_log(conn: Connection, api: SignedApi) -> None:
    put_and_publish(conn, "region", "140500", {"voice": {"volume": 50}})
    rows = conn.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.target,
                               AuditEntry.detail).order_by(AuditEntry.id)).all()
    assert [tuple(r) for r in rows] == [
        ("test", "config_put", "region:140500", {"version": 1, "note": "region layer"}),
        ("test", "config_publish", "region:140500", {"version": 1})]


def test_a_refused_put_writes_nothing(conn: Connection, api: SignedApi) -> None:
    with pytest.raises(ConfigInvalid):
        put_draft(conn, "all", "", {"session": {"idle_timeout_s": -1}}, "", "t", NOW)
    assert conn.execute(select(AuditEntry.id)).first() is None


def test_with_nothing_published_the_heartbeat_costs_one_statement(
        db_url: str, api: SignedApi) -> None:
    engine = create_engine(db_url, isolation_level="AUTOCOMMIT")
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    try:
        with engine.connect() as connection:
            put_draft(connection, "all", "", {"ui": {"width": 1000}}, "", "t", NOW)  # a draft only
            statements.clear()
            assert effective_version(connection, api.terminal_id) is None
            assert len(statements) == 1
            publish(connection, "all", "", 1, "t", NOW)
            effective_version(connection, api.terminal_id)
            statements.clear()
            # Known layers: still one statement (the version of those ids is remembered).
            assert effective_version(connection, api.terminal_id) == expected_version({"ui": {"width": 1000}})
            assert len(statements) == 1
    finally:
        engine.dispose()


def test_the_endpoint_answers_with_etag_304_and_404(
        conn: Connection, api: SignedApi, client: TestClient, app: FastAPI) -> None:
    missing = api.get("/api/v1/terminals/config")
    assert missing.status_code == 404 and missing.json()["error"] == "no_config"
    assert api.get("/api/v1/terminals/config",
                   headers={"If-None-Match": '"cfg-000000000000"'}).status_code == 404
    put_and_publish(conn, "terminal", api.terminal_id, {"staff": {"max_attempts": 3}})
    answer = api.get("/api/v1/terminals/config")
    assert answer.status_code == 200
    body = answer.json()
    assert body == {"version": expected_version({"staff": {"max_attempts": 3}}),
                    "document": {"staff": {"max_attempts": 3}},
                    "layers": [{"scope": "terminal", "key": api.terminal_id, "version": 1}]}
    assert answer.headers["ETag"] == f'"{body["version"]}"'
    same = api.get("/api/v1/terminals/config", headers={"If-None-Match": answer.headers["ETag"]})
    assert same.status_code == 304 and same.content == b""
    assert same.headers["ETag"] == answer.headers["ETag"]
    put_and_publish(conn, "all", "", {"voice": {"volume": 20}}, NOW + timedelta(minutes=1))
    changed = api.get("/api/v1/terminals/config", headers={"If-None-Match": answer.headers["ETag"]})
    assert changed.status_code == 200 and changed.json()["document"]["voice"] == {"volume": 20}
    # Another terminal sees the all layer only; an unsigned request is refused.
    other = enroll_at(client, app, hall="泽州县政务服务中心", region="140525")
    assert other.get("/api/v1/terminals/config").json()["layers"] == [
        {"scope": "all", "key": "", "version": 1}]
    assert client.get("/api/v1/terminals/config").status_code == 401


def test_the_current_version_of_a_layer_is_found_through_its_index(
        conn: Connection, backend: str) -> None:
    query = ("SELECT id FROM config_documents WHERE scope = 'hall' AND scope_key = 'X' "
             "AND published_at IS NOT NULL ORDER BY published_at DESC LIMIT 1")
    if backend == "postgresql":
        conn.exec_driver_sql("SET enable_seqscan = off")   # an empty table: make it choose
        plan = "\n".join(conn.execute(text("EXPLAIN " + query)).scalars())
        conn.exec_driver_sql("RESET enable_seqscan")
    else:
        plan = "\n".join(str(row[-1]) for row in conn.execute(text("EXPLAIN QUERY PLAN " + query)))
    assert "ix_config_documents_layer" in plan


def test_two_writers_putting_at_once_get_distinct_versions(db_url: str, api: SignedApi) -> None:
    """Two workers (their own connections) storing drafts of one layer at the same time:
    every draft is kept under its own number, none is lost."""
    engine = create_engine(db_url, isolation_level="AUTOCOMMIT")
    barrier = threading.Barrier(2)
    got: list[int] = []
    errors: list[BaseException] = []

    def writer(volume: int) -> None:
        try:
            with engine.connect() as connection:
                barrier.wait(timeout=10)
                for i in range(5):
                    got.append(put_draft(connection, "hall", HALL_CODE,
                                         {"voice": {"volume": volume + i}}, "", "t", NOW))
        except BaseException as err:   # reported below: a thread's failure must fail the test
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(v,)) for v in (10, 50)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        engine.dispose()
    assert not errors, errors
    assert sorted(got) == list(range(1, 11))
