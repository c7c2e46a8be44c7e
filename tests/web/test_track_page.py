"""The public tracking page (/t/{number}?c=, the receipt's QR) on a phone and the ops
console's application page, in headless Chromium (Debian's, via Playwright), against
central's app served by uvicorn on a migrated, seeded SQLite database.

A 住房公积金提取 filed in 晋城 for 焦作 (异地代收) with a photographed 购房合同 page is
advanced along its chain of custody by `kiosk-central application advance` (寄递 with a
post tracking number); the phone shows the status, the masked applicant and the timeline
with who acted, and neither the tracking number nor a hash; a wrong check code shows the
not-found page. An operator opens the case in the console and views the page, which the
audit log records. Screenshots: tests/artifacts/track-*.png, ops-application.png.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from central.app import create_app, dispose
from central.cli import main as central_cli
from central.migrate import upgrade
from central.seeding import seed
from central.timeutil import utcnow
from tests.central.central_helpers import ZHANG_SAN, SignedApi, new_code
from tests.support.real_central import free_port
from tests.support.signer import TerminalKey
from tests.web.test_hall_pages import ARTIFACTS, CHROMIUM, require_chromium

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "central"))
from central_bodies import HOUSING_FUND, application, new_key  # noqa: E402
from ops_helpers import audit_rows, make_user  # noqa: E402
from tracking_helpers import EVIDENCE, code_of, jpeg, page_body, ref  # noqa: E402

POST_NUMBER = "1187654321098"
RECEIPT = "JC-0007-20261206-0042"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FastAPI, str]]:
    """(base URL, app, database URL): central on 127.0.0.1 in a thread of this process."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('track') / 'central.db'}"
    upgrade(db_url)
    engine = create_engine(db_url)
    with Session(engine) as session:
        seed(session, utcnow())
    engine.dispose()
    app = create_app(db_url)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", app, db_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        dispose(app)


def _file_remote_case(base: str, app: FastAPI, db_url: str) -> tuple[str, bytes]:
    """A 异地代收 filed at 晋城 for 焦作 with one contract page; advanced to 寄递."""
    http = httpx.Client(base_url=base, timeout=10)
    key = TerminalKey.generate()
    enrolled = http.post("/api/v1/terminals/enroll", json={
        "code": new_code(app, region="140500", hall="晋城市政务服务中心"),
        "public_key": key.public_b64, "hostname": "kiosk-track"})  # fmt: skip
    assert enrolled.status_code == 201, enrolled.text
    api = SignedApi(cast(Any, http), key, enrolled.json()["terminal_id"], "140500")
    page = jpeg("purchase contract")
    body = application(HOUSING_FUND, ZHANG_SAN, {"phone": "13800000000",
                       "bank_account": "6222020200112233445", "amount": "120000"},
                       receipt=RECEIPT)  # fmt: skip
    body["evidence"] = [ref(1, page, "material", "M03")]
    body["delivery"] = {"method": "post", "address": "山西省晋城市城区凤台东街100号"}
    filed = api.post("/api/v1/applications", body, headers={"Idempotency-Key": new_key()})
    assert filed.status_code == 201, filed.text
    number = str(filed.json()["application_number"])
    stored = api.post(EVIDENCE, page_body(RECEIPT, 1, page, "material", "M03"))
    assert stored.status_code == 201, stored.text
    for extra in ([], ["--tracking-number", POST_NUMBER]):   # 形式审查, 寄递
        assert central_cli(["application", "advance", number, "--db", db_url, *extra]) == 0
    http.close()
    return number, page


def test_the_phone_page_and_the_console_case(served: tuple[str, FastAPI, str]) -> None:
    require_chromium()
    from playwright.sync_api import sync_playwright

    base, app, db_url = served
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    number, page_bytes = _file_remote_case(base, app, db_url)
    code = code_of(app, number)
    make_user(app, "ops1", "admin")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox"])  # fmt: skip
        try:
            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            errors: list[str] = []   # CSP refusals and failed loads (but the favicon's)
            phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            phone.route("**/favicon.ico", lambda route: route.fulfill(status=204))
            answer = phone.goto(f"{base}/t/{number}?c={code}")
            assert answer is not None and answer.status == 200
            assert phone.locator("#status").inner_text() == "寄递"
            assert phone.locator("#applicant").inner_text() == "张*"
            assert phone.locator("#mode").inner_text().startswith("异地代收")
            steps = phone.locator(".timeline li .what b").all_inner_texts()
            assert steps[0] == "寄递" and steps[-1] == "申请" and "收件" in steps
            body = phone.locator("body").inner_text()
            assert "晋城市政务服务中心" in body                        # who received it
            assert POST_NUMBER not in body and ZHANG_SAN[0] not in body and "凤台" not in body
            assert errors == []                        # the stylesheet loaded, the CSP refused nothing
            assert phone.evaluate("getComputedStyle(document.body).backgroundColor") != "rgba(0, 0, 0, 0)"
            overflow = phone.evaluate("document.scrollingElement.scrollWidth - innerWidth")
            assert overflow <= 0, f"the page is {overflow}px wider than the phone"
            phone.screenshot(path=str(ARTIFACTS / "track-page.png"), full_page=True)
            wrong = phone.goto(f"{base}/t/{number}?c=222222")
            assert wrong is not None and wrong.status == 404
            assert phone.locator("#not-found h1").inner_text() == "未找到该办件"
            phone.screenshot(path=str(ARTIFACTS / "track-not-found.png"), full_page=True)

            ops = browser.new_page(viewport={"width": 1360, "height": 900})
            ops.goto(f"{base}/ops/login")
            ops.fill("input[name=name]", "ops1")
            ops.fill("input[name=password]", "console-pass-1")
            ops.click("button[type=submit], form button")
            ops.wait_for_url(f"{base}/ops/fleet")
            ops.click("#nav-applications")
            ops.fill("#search input[name=number]", number)
            ops.click("#search button")
            ops.wait_for_url(f"{base}/ops/applications/{number}")
            assert ops.locator("#applicant").inner_text() == "张*"
            assert POST_NUMBER in ops.locator("#timeline").inner_text()   # staff see the post
            assert ops.locator("#evidence .pill").inner_text() == "已收到"
            ops.screenshot(path=str(ARTIFACTS / "ops-application.png"), full_page=True)
            with ops.expect_popup() as popup:
                ops.click("#evidence a.evidence-link")
            viewer = popup.value
            viewer.wait_for_load_state()
            shown = viewer.evaluate("document.images.length && document.images[0].naturalWidth")
            assert shown == 420                                   # the page's JPEG, decoded
            views = audit_rows(app, "evidence.view")
            assert [(v.actor, v.target) for v in views] == [("ops1", number)]
            assert len(page_bytes) > 0
        finally:
            browser.close()
