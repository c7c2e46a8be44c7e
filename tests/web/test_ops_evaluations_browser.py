"""The console's 好差评 pages in headless Chromium (Debian's, via Playwright), against
central's app behind a real uvicorn (SQLite, in this process so central's clock can be
set: the deadlines and what is overdue depend on the day, not on when the test runs).

Terminals of 晋城 and 焦作 send evaluations through the signed API; an admin sees the
figures and the late cases highlighted, filters them, opens a case, records the return
visit through its form; a regional operator of 晋城 sees 晋城's cases only. Screenshots go
to tests/artifacts/ops-evaluations*.png.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, cast

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from central.app import create_app, dispose
from central.cli import main as kiosk_central
from tests.central.central_helpers import SignedApi, free_port, new_code
from tests.central.ops_helpers import PASSWORD, make_user
from tests.support.signer import TerminalKey
from tests.web.test_hall_pages import ARTIFACTS, CHROMIUM, require_chromium

PENSION = "11140500MB1947036N4000111001"


def _clock(app: FastAPI, beijing: str) -> None:
    moment = datetime.fromisoformat(beijing) - timedelta(hours=8)
    app.state.clock = lambda: moment


def _enroll(http: httpx.Client, app: FastAPI, region: str, hall: str) -> SignedApi:
    key = TerminalKey.generate()
    answer = http.post("/api/v1/terminals/enroll", json={
        "code": new_code(app, region=region, hall=hall), "public_key": key.public_b64,
        "hostname": f"kiosk-{region}"})  # fmt: skip
    assert answer.status_code == 201, answer.text
    return SignedApi(cast(Any, http), key, answer.json()["terminal_id"], region)


def _rate(api: SignedApi, level: int, reasons: list[str], **extra: Any) -> str | None:
    body = {"handling_id": str(uuid.uuid4()), "service_id": "yizheng", "item_code": None,
            "application_number": None, "local_receipt": None, "level": level,
            "reasons": reasons, "comment": None, "handled_at": "2026-11-02T09:00:00+08:00",
            "rated_at": "2026-11-02T09:05:00+08:00", **extra}  # fmt: skip
    answer = api.post("/api/v1/evaluations", body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert answer.status_code == 201, answer.text
    number: str | None = answer.json()["case_number"]
    return number


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FastAPI, dict[str, str]]]:
    require_chromium()
    path = tmp_path_factory.mktemp("ops-eval") / "central.db"
    db_url = f"sqlite:///{path}"
    assert kiosk_central(["seed", "--db", db_url]) == 0
    app = create_app(db_url)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=10) as http:
            city = _enroll(http, app, "140500", "晋城市政务服务中心")
            county = _enroll(http, app, "140525", "泽州县政务服务中心")
            jiaozuo = _enroll(http, app, "410800", "焦作市政务服务中心")
            _clock(app, "2026-11-02T09:10:00")
            cases = {
                "city": _rate(city, 2, ["slow", "many_visits"], item_code=PENSION,
                              comment="排队等了一个多小时，窗口只开了两个"),
                "county": _rate(county, 1, ["attitude"], comment="工作人员态度生硬"),
                "jiaozuo": _rate(jiaozuo, 2, ["device"]),
            }  # fmt: skip
            for level in (5, 5, 4, 3):
                _rate(city, level, [])
            _clock(app, "2026-11-04T10:00:00")  # every visit (due 11-03) is late
        make_user(app, "ops1", "admin")
        make_user(app, "jc-ops", "regional", region="140500")
        yield base, app, cast(dict[str, str], cases)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        dispose(app)


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


def _log_in(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/ops/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#who-name")


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ops-{name}.png"), full_page=True)


def test_an_admin_follows_up_a_bad_evaluation(
    central: tuple[str, FastAPI, dict[str, str]], browser: Any
) -> None:
    base, _app, cases = central
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    _log_in(page, base, "ops1")
    page.click("#nav-evaluations")
    page.wait_for_selector("#cases")
    assert page.locator("#total").inner_text() == "7"
    assert page.locator("#rate").inner_text() == "57.1%"
    assert page.locator("#overdue-count").inner_text() == "3"
    rows = page.locator("#cases tbody tr")
    assert rows.count() == 3
    assert page.locator("#cases tr.late").count() == 3
    city_row = page.locator(f"tr[data-case='{cases['city']}']")
    assert "办理时间长" in city_row.inner_text() and "2026-11-23" in city_row.inner_text()
    _shot(page, "evaluations")

    city_row.locator("a").click()
    page.wait_for_selector("#evaluation")
    assert "排队等了一个多小时" in page.locator("#comment").inner_text()
    assert "多次跑动" in page.locator("#reasons").inner_text()
    assert page.locator("#overdue").is_visible()
    _shot(page, "evaluation-case-overdue")
    page.fill("form:has(#act-visit) input[name='note']", "已电话回访，说明高峰期增开窗口")
    page.click("#act-visit")
    page.wait_for_selector("#done")
    assert page.locator("#state").inner_text() == "整改中"
    assert "已电话回访" in page.locator("#events").inner_text()
    assert page.locator("#overdue").count() == 0  # 11-04: the rectification is not due yet
    _shot(page, "evaluation-case")

    page.goto(f"{base}/ops/evaluations")
    page.check("input[name='overdue']")
    page.click("#filters button")
    page.wait_for_url("**overdue=1**")
    assert page.locator("#cases tbody tr").count() == 2
    page.close()


def test_a_regional_operator_sees_their_region(
    central: tuple[str, FastAPI, dict[str, str]], browser: Any
) -> None:
    base, _app, cases = central
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    _log_in(page, base, "jc-ops")
    page.goto(f"{base}/ops/evaluations")
    shown = page.locator("#cases tbody tr").evaluate_all("rs => rs.map(r => r.dataset.case)")
    assert cases["jiaozuo"] not in shown and {cases["city"], cases["county"]} <= set(shown)
    _shot(page, "evaluations-regional")
    answer = page.goto(f"{base}/ops/evaluations/{cases['jiaozuo']}")
    assert answer is not None and answer.status == 404
    page.close()

