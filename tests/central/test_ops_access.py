"""Who may see and do what in the ops console, on both back ends (docs/fleet.md §6).

Every route under /ops is found by walking the app's routes (a page added later is covered
by these tests without naming it): without a valid session each answers 303 to the login
page (401 under /ops/api/) and no data; hall staff get 403 from every fleet page; a
regional operator sees their region only. Actions are written to the audit log with the
console user's name. The fleet is real: terminals enrolled and heartbeating through the
signed API (central.fleet's route)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ops_helpers import audit_rows, csrf_of, log_in, make_user, ops_routes

from central.config_docs import put_draft
from central.timeutil import utcnow
from tests.central.central_helpers import SignedApi, new_code
from tests.central.fleet_helpers import HEARTBEAT, beat, paper
from tests.support.signer import TerminalKey

JC, ZZ = ("140500", "晋城市政务服务中心"), ("140525", "泽州县政务服务中心")
PUBLIC = {"/ops/login", "/ops/static/{name}"}
PARAMS = {"terminal_id": "T9", "command_id": "1", "rollout_id": "1", "action": "pause",
          "code": "JC-ZWZX", "name": "ops.css"}  # fmt: skip


def terminal(client: TestClient, app: FastAPI, where: tuple[str, str]) -> SignedApi:
    key = TerminalKey.generate()
    answer = client.post("/api/v1/terminals/enroll", json={
        "code": new_code(app, region=where[0], hall=where[1]), "public_key": key.public_b64,
        "hostname": "kiosk-ops-test"})  # fmt: skip
    assert answer.status_code == 201, answer.text
    return SignedApi(client, key, answer.json()["terminal_id"], where[0])


def heartbeat(api: SignedApi, **changes: Any) -> dict[str, Any]:
    answer = api.post(HEARTBEAT, beat(**changes))
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


@pytest.fixture
def fleet(app: FastAPI, client: TestClient) -> dict[str, SignedApi]:
    jc, zz = terminal(client, app, JC), terminal(client, app, ZZ)
    heartbeat(jc, devices=paper("out"))
    heartbeat(zz)
    make_user(app, "ops1", "admin")
    make_user(app, "zz-ops", "regional", region="140525")
    make_user(app, "jc-ops", "regional", region="140500")
    make_user(app, "clerk", "hall_staff", hall="JC-ZWZX")
    return {"jc": jc, "zz": zz}


def concrete(template: str) -> str:
    path = template
    for name, value in PARAMS.items():
        path = path.replace("{" + name + "}", value)
    return path


def test_every_ops_route_without_a_session_redirects_or_401s_and_shows_nothing(
    app: FastAPI, client: TestClient, fleet: dict[str, SignedApi]
) -> None:
    routes = [(m, p) for m, p in ops_routes(app) if p not in PUBLIC]
    assert ("GET", "/ops/fleet") in routes and ("GET", "/ops/api/fleet") in routes
    assert len(routes) >= 15
    secrets = [fleet["jc"].terminal_id, fleet["zz"].terminal_id, "晋城市政务服务中心", "缺纸"]
    for cookie in (None, "forged-token", ""):
        anonymous = TestClient(app)
        if cookie is not None:
            anonymous.cookies.set("tongban_ops", cookie, path="/ops")
        for method, template in routes:
            path = concrete(template)
            answer = anonymous.request(method, path, data={"csrf": "x"}, follow_redirects=False)
            if path.startswith("/ops/api/"):
                assert answer.status_code == 401, (method, path)
                assert answer.json()["error"] == "login_required"
            else:
                assert answer.status_code == 303, (method, path, answer.status_code)
                assert answer.headers["location"] == "/ops/login"
            assert not any(s in answer.text for s in secrets), (method, path)
            assert answer.headers["cache-control"] == "no-store"


def test_hall_staff_see_their_halls_print_log_and_queue_pages_only(
    app: FastAPI, client: TestClient, fleet: dict[str, SignedApi]
) -> None:
    log_in(client, "clerk")
    home = client.get("/ops/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/ops/halls/JC-ZWZX"
    page = client.get("/ops/halls/JC-ZWZX")
    assert page.status_code == 200
    assert (
        'href="/hall/JC-ZWZX/window"' in page.text and 'href="/hall/JC-ZWZX/display"' in page.text
    )
    assert "打印记录" in page.text
    assert client.get("/ops/halls/ZZ-ZWZX").status_code == 403
    halls = client.get("/ops/halls").text
    assert "JC-ZWZX" in halls and "ZZ-ZWZX" not in halls
    allowed = {"/ops", "/ops/", "/ops/halls", "/ops/halls/{code}"}
    for method, template in ops_routes(app):
        if method != "GET" or template in allowed | PUBLIC:
            continue
        answer = client.get(concrete(template), follow_redirects=False)
        assert answer.status_code == 403, (template, answer.status_code)
        assert fleet["jc"].terminal_id not in answer.text
    assert client.get("/ops/api/fleet").json()["error"] == "forbidden"
    csrf = csrf_of(client)
    queued = client.post(f"/ops/terminals/{fleet['jc'].terminal_id}/commands",
                         data={"csrf": csrf, "kind": "maintenance_on"})  # fmt: skip
    assert queued.status_code == 403 and audit_rows(app, "maintenance_on") == []


def test_a_regional_operator_sees_and_acts_on_their_region_only(
    app: FastAPI, client: TestClient, fleet: dict[str, SignedApi]
) -> None:
    jc, zz = fleet["jc"].terminal_id, fleet["zz"].terminal_id
    csrf = log_in(client, "zz-ops")
    listed = client.get("/ops/api/fleet").json()
    ids = [t["terminal_id"] for r in listed["regions"] for h in r["halls"] for t in h["terminals"]]
    assert ids == [zz] and listed["total"]["terminals"] == 1
    assert jc not in client.get("/ops/fleet").text
    assert client.get(f"/ops/terminals/{zz}").status_code == 200
    assert client.get(f"/ops/terminals/{jc}").status_code == 403
    refused = client.post(f"/ops/terminals/{jc}/commands", data={"csrf": csrf, "kind": "doctor"})
    assert refused.status_code == 403
    for page in ("/ops/releases", "/ops/audit", "/ops/rollouts/1", "/ops/halls/JC-ZWZX"):
        assert client.get(page).status_code == 403, page
    assert client.post("/ops/rollouts/1/pause", data={"csrf": csrf}).status_code == 403
    done = client.post(f"/ops/terminals/{zz}/commands", data={"csrf": csrf, "kind": "doctor"},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    [row] = audit_rows(app, "doctor")
    assert (row.actor, row.target) == ("zz-ops", zz)
    # The city's operator (140500) sees its county too: region codes match by prefix.
    city = TestClient(app)
    log_in(city, "jc-ops")
    assert city.get(f"/ops/terminals/{zz}").status_code == 200
    assert city.get(f"/ops/terminals/{jc}").status_code == 200


def test_overview_shows_the_fault_and_maintenance_is_queued_delivered_and_audited(
    app: FastAPI, client: TestClient, fleet: dict[str, SignedApi]
) -> None:
    jc = fleet["jc"]
    csrf = log_in(client, "ops1")
    overview = client.get("/ops/api/fleet").json()
    assert overview["total"] == {**overview["total"], "terminals": 2, "online": 2, "faults": 1,
                                 "supplies_low": 1, "versions": {"0.2.0": 2}}  # fmt: skip
    row = next(t for r in overview["regions"] for h in r["halls"] for t in h["terminals"]
               if t["terminal_id"] == jc.terminal_id)  # fmt: skip
    assert row["status"] == "fault" and row["faults"] == ["凭条打印机: 缺纸"]
    assert "缺纸" in client.get(f"/ops/terminals/{jc.terminal_id}").text
    answer = client.post(f"/ops/terminals/{jc.terminal_id}/commands",
                         data={"csrf": csrf, "kind": "maintenance_on", "note": "换纸"},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    [entry] = audit_rows(app, "maintenance_on")
    assert (entry.actor, entry.target) == ("ops1", jc.terminal_id)
    commands = heartbeat(jc, devices=paper("out"))["commands"]
    assert [(c["kind"], c["args"]) for c in commands] == [
        ("maintenance_on", {"phone": "0356-12345", "note": "换纸"})
    ]
    before = client.get(f"/ops/api/terminals/{jc.terminal_id}").json()
    heartbeat(jc, maintenance=True, acks=[commands[0]["id"]])
    after = client.get(f"/ops/api/terminals/{jc.terminal_id}").json()
    assert after["status"] == "maintenance" and after["stamp"] != before["stamp"]
    page = client.get(f"/ops/terminals/{jc.terminal_id}").text
    assert f'data-stamp="{after["stamp"]}"' in page
    assert "维护中" in page and "已确认" in page  # the pill and the command's state


def test_a_pulled_log_view_is_audited(
    app: FastAPI, client: TestClient, fleet: dict[str, SignedApi]
) -> None:
    jc = fleet["jc"]
    csrf = log_in(client, "ops1")
    client.post(f"/ops/terminals/{jc.terminal_id}/commands",
                data={"csrf": csrf, "kind": "pull_log", "hours": "3"})  # fmt: skip
    [command] = heartbeat(jc)["commands"]
    assert command["args"] == {"hours": 3}
    done = jc.post(
        f"/api/v1/terminals/commands/{command['id']}/result",
        {"ok": True, "result": {"lines": 2, "bytes": 40}, "log": "line one\n<b>two</b>\n"},
    )
    assert done.status_code == 200, done.text
    path = f"/ops/terminals/{jc.terminal_id}/commands/{command['id']}/log"
    assert f'href="{path}"' in client.get(f"/ops/terminals/{jc.terminal_id}").text
    assert audit_rows(app, "log_view") == []
    view = client.get(path)
    assert view.status_code == 200 and "&lt;b&gt;two&lt;/b&gt;" in view.text  # escaped
    [entry] = audit_rows(app, "log_view")
    assert (entry.actor, entry.target, entry.detail["command_id"]) == ("ops1", jc.terminal_id,
                                                                     command["id"])  # fmt: skip
    regional = TestClient(app)
    log_in(regional, "zz-ops")
    assert regional.get(path).status_code == 403
    assert len(audit_rows(app, "log_view")) == 1


def test_config_versions_diff_and_publish_within_the_region(
    app: FastAPI, client: TestClient, fleet: dict[str, SignedApi]
) -> None:
    def drafts(conn: Any) -> None:
        for scope, key in (("hall", "JC-ZWZX"), ("hall", "ZZ-ZWZX")):
            for timeout in (90, 120):
                put_draft(conn, scope, key, {"session": {"idle_timeout_s": timeout}}, "note",
                          "cli", utcnow())  # fmt: skip

    app.state.db.run(drafts)
    csrf = log_in(client, "zz-ops")
    page = client.get("/ops/config").text
    assert 'data-layer="hall:ZZ-ZWZX"' in page and "JC-ZWZX" not in page
    diff = client.get(
        "/ops/config/diff", params={"scope": "hall", "key": "ZZ-ZWZX", "a": 1, "b": 2}
    )
    assert diff.status_code == 200 and "idle_timeout_s" in diff.text and 'class="add"' in diff.text
    other = client.get(
        "/ops/config/diff", params={"scope": "hall", "key": "JC-ZWZX", "a": 1, "b": 2}
    )
    assert other.status_code == 403
    mine = {"csrf": csrf, "scope": "hall", "key": "ZZ-ZWZX", "version": "2"}
    assert client.post("/ops/config/publish", data=mine, follow_redirects=False).status_code == 303
    theirs = {**mine, "key": "JC-ZWZX"}
    assert client.post("/ops/config/publish", data=theirs).status_code == 403
    [entry] = audit_rows(app, "config_publish")
    assert (entry.actor, entry.target, entry.detail) == ("zz-ops", "hall:ZZ-ZWZX", {"version": 2})
    assert "已发布" in client.get("/ops/config").text


def add_release(app: FastAPI, version: str) -> None:
    """A release row as `release publish` leaves it (the TUF side is the updates tests')."""
    from sqlalchemy import insert

    from central.models_fleet import Release

    with app.state.engine.begin() as conn:
        conn.execute(insert(Release).values(
            version=version, target_name=f"tongban-kiosk-{version}.tar.gz", sha256="ab" * 32,
            length=12_345_678, lock_hash="cd" * 32, notes="测试版本", published_by="cli",
            published_at=utcnow()))  # fmt: skip


def test_an_admin_starts_pauses_resumes_and_aborts_a_rollout(
    app: FastAPI, client: TestClient, fleet: dict[str, SignedApi]
) -> None:
    add_release(app, "0.3.0")
    csrf = log_in(client, "ops1")
    assert "tongban-kiosk-0.3.0.tar.gz" in client.get("/ops/releases").text
    bad = client.post("/ops/rollouts", data={"csrf": csrf, "version": "0.3.0", "waves": "50,10"})
    assert bad.status_code == 422 and "bad_waves" in bad.text
    started = client.post("/ops/rollouts", data={"csrf": csrf, "version": "0.3.0",
                                                 "waves": "50,100", "threshold": "0.2"},
                          follow_redirects=False)  # fmt: skip
    assert started.status_code == 303
    page_url = started.headers["location"]
    rollout_id = int(page_url.rsplit("/", 1)[1])
    page = client.get(page_url).text
    assert 'id="rollout-state">进行中' in page and 'data-wave="2"' in page
    for action, state in (("pause", "已暂停"), ("resume", "进行中"), ("abort", "已中止")):
        done = client.post(f"/ops/rollouts/{rollout_id}/{action}", data={"csrf": csrf},
                           follow_redirects=False)  # fmt: skip
        assert done.status_code == 303, done.text
        assert f'id="rollout-state">{state}' in client.get(page_url).text
        [entry] = audit_rows(app, f"rollout_{action}")
        assert (entry.actor, entry.target) == ("ops1", str(rollout_id))
    again = client.post(f"/ops/rollouts/{rollout_id}/pause", data={"csrf": csrf})
    assert again.status_code == 422 and "not_running" in again.text
    assert client.get("/ops/rollouts/999").status_code == 404
    audit_page = client.get("/ops/audit", params={"actor": "ops1"}).text
    assert "rollout_abort" in audit_page and "rollout_start" in audit_page


def test_the_hall_page_lists_its_own_and_its_sites_prints_newest_first(
    app: FastAPI, client: TestClient, fleet: dict[str, SignedApi]
) -> None:
    import uuid

    bank = terminal(client, app, ("140500", "山西银行晋城分行营业部"))  # a site of JC-ZWZX
    for api, at, number in ((fleet["jc"], "2026-12-06T09:00:00+08:00", "140500-SB-1"),
                            (bank, "2026-12-06T10:00:00+08:00", "140500-SB-2"),
                            (fleet["zz"], "2026-12-06T11:00:00+08:00", "140525-SB-3")):  # fmt: skip
        body = {"entry_id": str(uuid.uuid4()), "seq": 1, "at": at, "doc_type": "proof",
                "doc_number": number, "printer": "a4_printer", "job_id": "cups-1", "pages": 1,
                "content_sha256": "a" * 64, "result": "printed", "reason": "",
                "id_masked": "1405**********123X", "chain_hash": "c" * 64}  # fmt: skip
        answer = api.post("/api/v1/print-log", body, headers={"Idempotency-Key": body["entry_id"]})
        assert answer.status_code == 201, answer.text
    log_in(client, "clerk")
    page = client.get("/ops/halls/JC-ZWZX").text
    assert page.index("140500-SB-2") < page.index("140500-SB-1")  # newest first
    assert "140525-SB-3" not in page and "已打印" in page
