"""The ops console in headless Chromium (Debian's, via Playwright) against central run for
real: `kiosk-central serve --workers 2` on PostgreSQL, with a simulated fleet — terminals
enrolled through the API and heartbeating through the signed POST /terminals/heartbeat,
as kiosks do.

An admin logs in, sees the overview, watches a terminal turn to 故障 (缺纸) when its
heartbeat says the paper is out (the overview's auto-refresh, triggered rather than waited
for), puts it into maintenance (the command row appears, is delivered on the next
heartbeat and acknowledged by the one after), starts and pauses a rollout; a regional
operator sees their county only; hall staff see their hall's print log and queue links and
nothing else. Screenshots go to tests/artifacts/ops-*.png.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import create_engine, insert

from central.config_docs import put_draft
from central.models_fleet import Release
from central.timeutil import to_beijing, utcnow
from tests.central.central_helpers import SignedApi
from tests.central.fleet_helpers import HEARTBEAT, beat, paper
from tests.support.postgres import PostgresError, TempPostgres, require_postgres
from tests.support.real_central import free_port
from tests.support.signer import TerminalKey
from tests.web.test_hall_pages import ARTIFACTS, CHROMIUM, KIOSK_CENTRAL, require_chromium

PASSWORD = {"ops1": "ops-admin-pass", "zz-ops": "regional-pass", "clerk": "hall-staff-pass"}
JC, ZZ = ("140500", "晋城市政务服务中心"), ("140525", "泽州县政务服务中心")


@dataclass
class Fleet:
    base: str
    db_url: str
    terminals: dict[str, SignedApi]  # name -> terminal

    def beat(self, name: str, **changes: Any) -> dict[str, Any]:
        changes.setdefault("sent_at", to_beijing(utcnow()).isoformat())
        answer = self.terminals[name].post(HEARTBEAT, beat(**changes))
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result


def cli(db_url: str, *args: str, stdin: str = "") -> str:
    done = subprocess.run([str(KIOSK_CENTRAL), *args, "--db", db_url], input=stdin,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def enroll(http: httpx.Client, db_url: str, where: tuple[str, str], host: str) -> SignedApi:
    code = cli(db_url, "terminal", "add", "--hall", where[1], "--region", where[0],
               "--profile", "hall").strip()  # fmt: skip
    key = TerminalKey.generate()
    answer = http.post(
        "/api/v1/terminals/enroll",
        json={"code": code, "public_key": key.public_b64, "hostname": host},
    )
    assert answer.status_code == 201, answer.text
    return SignedApi(cast(Any, http), key, answer.json()["terminal_id"], where[0])


def seed_database(db_url: str) -> None:
    for name, role, extra in (("ops1", "admin", []), ("zz-ops", "regional", ["--region", "140525"]),
                              ("clerk", "hall_staff", ["--hall", "JC-ZWZX"])):  # fmt: skip
        cli(db_url, "ops-user", "add", name, "--role", role, *extra, stdin=PASSWORD[name] + "\n")
    engine = create_engine(db_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(insert(Release).values(
                version="0.3.0", target_name="tongban-kiosk-0.3.0.tar.gz", sha256="ab" * 32,
                length=23_456_789, lock_hash="cd" * 32, notes="排队叫号改进", published_by="cli",
                published_at=utcnow()))  # fmt: skip
            for timeout in (90, 120):
                put_draft(conn, "hall", "JC-ZWZX", {"session": {"idle_timeout_s": timeout}},
                          f"闲置超时 {timeout} 秒", "cli", utcnow())  # fmt: skip
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def fleet() -> Iterator[Fleet]:
    require_postgres()
    require_chromium()
    pg = TempPostgres()
    try:
        pg.start()
    except PostgresError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        db_url = pg.create_database("central")
        cli(db_url, "seed")
        seed_database(db_url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        process = subprocess.Popen(
            [str(KIOSK_CENTRAL), "serve", "--db", db_url, "--port", str(port), "--workers", "2",
             "--public-url", base],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        try:
            wait_for(process, base)
            with httpx.Client(base_url=base, timeout=10) as http:
                names = {"jc-1": JC, "jc-2": JC, "jc-3": JC, "zz-1": ZZ}
                terminals = {n: enroll(http, db_url, w, f"kiosk-{n}") for n, w in names.items()}
                running = Fleet(base, db_url, terminals)
                for name in names:
                    version = "0.1.0" if name == "jc-3" else "0.2.0"
                    running.beat(name, software_version=version)
                yield running
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
    finally:
        pg.stop()


def wait_for(process: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            pytest.fail(f"kiosk-central serve exited: {err[-2000:]}", pytrace=False)
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("kiosk-central serve did not answer /health", pytrace=False)
        time.sleep(0.1)


def log_in(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/ops/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD[name])
    page.click("#login-submit")
    page.wait_for_selector("#who-name")


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ops-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=["--no-sandbox"])  # fmt: skip
        try:
            yield chromium
        finally:
            chromium.close()


def test_an_admin_watches_a_fault_puts_the_terminal_in_maintenance_and_pauses_a_rollout(
    fleet: Fleet, browser: Any
) -> None:
    base, jc1 = fleet.base, fleet.terminals["jc-1"].terminal_id
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{base}/ops/fleet")
    assert page.url == f"{base}/ops/login"  # no session: the login page
    page.fill("#name", "ops1")
    page.fill("#password", "wrong-password")
    page.click("#login-submit")
    assert "不正确" in page.locator("#login-message").inner_text()
    shot(page, "login")
    log_in(page, base, "ops1")
    assert page.url == f"{base}/ops/fleet"
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("[data-count='terminals']").inner_text() == "4"
    assert page.locator("[data-count='online']").inner_text() == "4"
    assert page.locator("[data-count='faults']").inner_text() == "0"
    assert "0.1.0 × 1" in page.locator("#versions").inner_text()
    row = page.locator(f"tr[data-terminal='{jc1}']")
    assert row.locator("[data-field='status']").inner_text() == "正常"

    fleet.beat("jc-1", devices=paper("out"))  # the printer runs out of paper
    refreshed = int(page.evaluate("document.body.dataset.refreshed || '0'"))
    page.evaluate("refresh('/ops/api/fleet')")  # the 15 s timer's work, now
    page.wait_for_function(f"Number(document.body.dataset.refreshed) > {refreshed}")
    assert row.locator("[data-field='status']").inner_text() == "故障"
    assert "缺纸" in row.locator("[data-field='faults']").inner_text()
    assert page.locator("[data-count='faults']").inner_text() == "1"
    shot(page, "fleet")

    row.locator("a").first.click()
    page.wait_for_selector("#devices")
    assert "缺纸" in page.locator("tr[data-device='receipt_printer']").inner_text()
    page.fill("form.op input[name='note']", "更换凭条纸")
    page.click("#op-maintenance_on")
    page.wait_for_selector("#queued")
    command_id = int(page.locator("#commands tbody tr").first.get_attribute("data-command"))
    assert "待下发" in page.locator(f"tr[data-command='{command_id}']").inner_text()
    answer = fleet.beat("jc-1", devices=paper("out"))  # the next heartbeat delivers it
    assert [c["id"] for c in answer["commands"]] == [command_id]
    assert answer["commands"][0]["args"] == {"phone": "0356-12345", "note": "更换凭条纸"}
    page.reload()
    assert "已下发" in page.locator(f"tr[data-command='{command_id}']").inner_text()
    fleet.beat("jc-1", devices=paper("out"), maintenance=True, acks=[command_id])
    with page.expect_navigation():  # the page's own watch (its 15 s timer's work, now)
        page.evaluate("() => { watch(document.querySelector('[data-watch]')); }")
    page.wait_for_selector("#status:has-text('维护中')")
    assert "已确认" in page.locator(f"tr[data-command='{command_id}']").inner_text()
    shot(page, "terminal")

    page.fill("form.op input[name='hours']", "4")
    page.click("#op-pull_log")
    page.wait_for_selector("#queued")
    [pull] = fleet.beat("jc-1", devices=paper("out"), maintenance=True)["commands"]
    assert (pull["kind"], pull["args"]) == ("pull_log", {"hours": 4})
    masked = (
        "2026-12-06 16:00:01 INFO session start\n2026-12-06 16:00:09 INFO id 1405**********123X\n"
    )
    done = fleet.terminals["jc-1"].post(f"/api/v1/terminals/commands/{pull['id']}/result",
                                        {"ok": True, "result": {"lines": 2, "bytes": len(masked)},
                                         "log": masked})  # fmt: skip
    assert done.status_code == 200, done.text
    page.reload()
    page.click(f"tr[data-command='{pull['id']}'] a:has-text('查看日志')")
    page.wait_for_selector("#log-text")
    assert page.locator("#log-text").inner_text().strip() == masked.strip()
    shot(page, "log")

    page.click("nav a[href='/ops/config']")
    page.wait_for_selector("[data-layer='hall:JC-ZWZX']")
    page.click("[data-layer='hall:JC-ZWZX'] a:has-text('diff')")
    page.wait_for_selector("#diff .add")
    assert "120" in page.locator("#diff .add").first.inner_text()
    shot(page, "config-diff")
    page.go_back()
    page.click("#publish-hall-JC-ZWZX-2")
    page.wait_for_selector("[data-layer='hall:JC-ZWZX'] tr[data-version='2'] .pill.ok")
    shot(page, "config")

    page.click("nav a[href='/ops/releases']")
    page.fill("input[name='waves']", "50,100")
    page.click("#start-rollout button")
    page.wait_for_selector("#rollout-state")
    assert page.locator("#rollout-state").inner_text() == "进行中"
    assert page.locator("#waves tbody tr").count() == 2
    page.click("#rollout-pause")
    page.wait_for_selector("#rollout-state:has-text('已暂停')")
    assert "console: ops1" in page.locator("#pause-reason").inner_text()
    shot(page, "rollout")
    page.click("nav a[href='/ops/releases']")
    assert "已暂停" in page.locator("#rollouts").inner_text()
    shot(page, "releases")

    page.click("nav a[href='/ops/audit']")
    audit = page.locator("#audit").inner_text()
    for action in (
        "ops_login",
        "maintenance_on",
        "config_publish",
        "rollout_start",
        "rollout_pause",
    ):
        assert action in audit, action
    shot(page, "audit")
    page.click("#logout")
    page.wait_for_selector("#login-submit")
    page.goto(f"{base}/ops/fleet")
    assert page.url == f"{base}/ops/login"
    api = page.request.get(f"{base}/ops/api/fleet")
    assert api.status == 401 and json.loads(api.text())["error"] == "login_required"
    page.close()


def test_a_regional_operator_and_hall_staff_see_only_their_part(fleet: Fleet, browser: Any) -> None:
    base = fleet.base
    zz1, jc2 = fleet.terminals["zz-1"].terminal_id, fleet.terminals["jc-2"].terminal_id
    # A print for the hall staff's log (through the signed API, as the terminal sends it).
    body = {"entry_id": str(uuid.uuid4()), "seq": 1, "at": to_beijing(utcnow()).isoformat(),
            "doc_type": "proof", "doc_number": "140500-SB-20261206-000001",
            "printer": "a4_printer", "job_id": "cups-7", "pages": 2, "content_sha256": "a" * 64,
            "result": "printed", "reason": "", "id_masked": "1405**********123X",
            "chain_hash": "c" * 64}  # fmt: skip
    sent = fleet.terminals["jc-2"].post("/api/v1/print-log", body,
                                        headers={"Idempotency-Key": body["entry_id"]})  # fmt: skip
    assert sent.status_code == 201, sent.text

    regional = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    log_in(regional, base, "zz-ops")
    assert regional.url == f"{base}/ops/fleet"
    assert regional.locator("[data-count='terminals']").inner_text() == "1"
    assert regional.locator(f"tr[data-terminal='{zz1}']").count() == 1
    assert jc2 not in regional.content()
    assert regional.locator("nav a[href='/ops/releases']").count() == 0
    shot(regional, "regional")
    for path in (f"/ops/terminals/{jc2}", "/ops/releases", "/ops/audit"):
        answer = regional.goto(f"{base}{path}")
        assert answer.status == 403, path
        assert jc2 not in regional.locator("main").inner_text()
    assert "无权" in regional.locator("#error-title").inner_text()
    shot(regional, "forbidden")

    staff = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    log_in(staff, base, "clerk")
    assert staff.url == f"{base}/ops/halls/JC-ZWZX"
    assert staff.locator("#window-link").get_attribute("href") == "/hall/JC-ZWZX/window"
    assert staff.locator("#display-link").get_attribute("href") == "/hall/JC-ZWZX/display"
    log_text = staff.locator("#print-log").inner_text()
    assert "140500-SB-20261206-000001" in log_text and "1405**********123X" in log_text
    assert [a.get_attribute("href") for a in staff.locator("nav a").all()] == ["/ops/halls"]
    shot(staff, "hall-staff")
    for path in ("/ops/fleet", f"/ops/terminals/{jc2}", "/ops/config", "/ops/halls/ZZ-ZWZX"):
        assert staff.goto(f"{base}{path}").status == 403, path
    assert staff.request.get(f"{base}/ops/api/fleet").status == 403
