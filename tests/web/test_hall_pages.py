"""The hall's display and window pages in headless Chromium (Debian's, via Playwright),
against central run for real: `kiosk-central serve --workers 2` on PostgreSQL.

A clerk logs in on the window page, picks window 1 and calls next; the display page shows
the call (waited for as a DOM change) and fetches its spoken WAV. Screenshots go to
tests/artifacts/. A second test shows that a change made outside the workers (the CLI,
another process) wakes the events long-polls held by both workers, through PostgreSQL
NOTIFY alone: the workers' safety re-read is set to 10 minutes for these runs.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine

from central.queue import Taken, take_ticket
from central.queue_base import load_hall
from central.queue_staff import add_staff
from central.timeutil import utcnow
from tests.central.queue_helpers import HALL, HALL_NAME, make_hall
from tests.support.postgres import PostgresError, TempPostgres, require_postgres
from tests.support.real_central import free_port
from tests.support.services import missing_service

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
KIOSK_CENTRAL = Path(sys.executable).parent / "kiosk-central"


def require_chromium() -> None:
    if not CHROMIUM.exists():
        missing_service(f"{CHROMIUM} not found (headless Chromium for Playwright)", "chromium")


@pytest.fixture(scope="module")
def central() -> Iterator[tuple[str, str]]:
    """(base URL, database URL) of `kiosk-central serve --workers 2` on a private PostgreSQL."""
    require_postgres()
    pg = TempPostgres()
    try:
        pg.start()
    except PostgresError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        db_url = pg.create_database("central")
        cli(db_url, "migrate")
        make_hall(db_url)
        engine = create_engine(db_url).execution_options(isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            add_staff(conn, load_hall(conn, HALL), "clerk1", "王丽", "window-pass")
        engine.dispose()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "TONGBAN_QUEUE_SAFETY_POLL_S": "600"}
        process = subprocess.Popen(
            [str(KIOSK_CENTRAL), "serve", "--db", db_url, "--port", str(port), "--workers", "2",
             "--public-url", base],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    err = process.stderr.read().decode(errors="replace") if process.stderr else ""
                    pytest.fail(f"kiosk-central serve exited: {err[-2000:]}", pytrace=False)
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail("kiosk-central serve did not answer /health", pytrace=False)
                time.sleep(0.1)
            yield base, db_url
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
    finally:
        pg.stop()


def cli(db_url: str, *args: str) -> Any:
    done = subprocess.run(
        [str(KIOSK_CENTRAL), *args, "--db", db_url], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if "--json" in args else None


def take(db_url: str, category: str) -> dict[str, Any]:
    """A ticket taken straight through central's queue code (another process than the
    workers, like a terminal's request to a third worker or the CLI; 3 s quicker than
    starting the CLI)."""
    engine = create_engine(db_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            return take_ticket(conn, load_hall(conn, HALL), category, utcnow(), Taken(), "")
    finally:
        engine.dispose()


def test_a_call_from_the_window_page_appears_and_is_heard_on_the_display(
    central: tuple[str, str],
) -> None:
    require_chromium()
    from playwright.sync_api import sync_playwright

    base, db_url = central
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        waiting_ticket = take(db_url, "A")
    take(db_url, "C")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--autoplay-policy=no-user-gesture-required", "--no-sandbox"],
        )
        try:
            display = browser.new_page(viewport={"width": 1600, "height": 900})
            display.goto(f"{base}/hall/{HALL}/display")
            display.wait_for_selector("body[data-ready='1']")
            assert display.locator("header h1").inner_text() == HALL_NAME
            display.wait_for_function(
                "document.querySelector(\"#waiting li[data-category='A'] b\").textContent === '3'"
            )
            window = browser.new_page(viewport={"width": 1280, "height": 900})
            window.goto(f"{base}/hall/{HALL}/window")
            window.fill("#login-name", "clerk1")
            window.fill("#login-password", "wrong")
            window.click("#login-submit")
            window.wait_for_selector("#login-message:has-text('不正确')")
            window.fill("#login-password", "window-pass")
            window.click("#login-submit")
            window.wait_for_selector("#pick:not(.hidden)")
            window.select_option("#window-select", "1")
            window.click("#pick-submit")
            window.wait_for_selector("body[data-ready='1']")
            assert window.locator("#who").inner_text() == "王丽"

            with display.expect_response(lambda r: "/calls/" in r.url) as spoken:
                window.click("#act-call")
                window.wait_for_selector("#current:has-text('A001')")
                display.wait_for_function(
                    "document.querySelector('#win-1 .label').textContent === 'A001'"
                )
            audio = spoken.value
            assert audio.status == 200 and audio.headers["content-type"] == "audio/wav"
            assert audio.body()[:4] == b"RIFF"
            src = display.eval_on_selector("#call-audio", "a => a.src")
            assert src.endswith(".wav") and f"/hall/{HALL}/calls/" in src
            assert display.locator("#now-label").inner_text() == "A001"
            assert "请到 1 号窗口" in display.locator("#now-window").inner_text()
            display.wait_for_function(
                "document.querySelector(\"#waiting li[data-category='A'] b\").textContent === '2'"
            )
            # The C ticket, called by the CLI (another process), shows up too.
            cli(db_url, "queue", "call", "--hall", HALL, "--window", "3", "--json")
            display.wait_for_function(
                "document.querySelector('#win-3 .label').textContent === 'C001'"
            )
            window.click("#act-recall")
            window.wait_for_selector("#calls:has-text('2')")
            window.click("#act-skip")
            window.wait_for_selector("#message.error")
            assert "先重呼" in window.locator("#message").inner_text()
            display.screenshot(path=str(ARTIFACTS / "hall-display.png"), full_page=True)
            window.screenshot(path=str(ARTIFACTS / "hall-window.png"), full_page=True)
            # Nothing personal on either page: labels, windows, categories.
            for page in (display, window):
                text = page.locator("body").inner_text()
                assert "A001" in text and "身份证" not in text
            # A citizen's phone follows a waiting ticket by its QR's link.
            phone = browser.new_page(viewport={"width": 390, "height": 844})
            phone.goto(base + waiting_ticket["follow_url"])
            assert phone.locator(".label").inner_text() == waiting_ticket["label"]
            assert "前面还有" in phone.locator("main").inner_text()
            phone.screenshot(path=str(ARTIFACTS / "hall-ticket.png"), full_page=True)
            no_overflow = display.evaluate(
                "[...document.querySelectorAll('.win .label, .now .label')]"
                ".every(e => e.scrollWidth <= e.clientWidth + 1)"
            )
            assert no_overflow, "a big number is cut off on the display"
        finally:
            browser.close()


def test_a_change_from_another_process_wakes_long_polls_on_both_workers(
    central: tuple[str, str],
) -> None:
    base, db_url = central
    state = httpx.get(f"{base}/hall/{HALL}/state").json()
    after = state["last_event_id"]
    pids: set[str] = set()
    for _round in range(5):  # the kernel picks the worker of each connection
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            futures = [
                pool.submit(
                    httpx.get,
                    f"{base}/hall/{HALL}/events",
                    params={"after": after, "timeout": 60},
                    timeout=90,
                )
                for _ in range(8)
            ]
            # A poll that arrives after the take answers at once; one already waiting can
            # only be woken by NOTIFY (the safety re-read is 10 minutes, the poll's
            # timeout 60 s): either way it must carry the ticket's event.
            quick = httpx.get(f"{base}/hall/{HALL}/events", params={"after": after, "timeout": 0})
            assert quick.json()["events"] == []
            ticket = take(db_url, "B")
            answers = [f.result() for f in futures]
        for answer in answers:
            body = answer.json()
            assert [e["data"]["label"] for e in body["events"]] == [ticket["label"]]
            pids.add(answer.headers["X-Worker-Pid"])
        after = answers[0].json()["last"]
        if len(pids) == 2:
            break
    assert len(pids) == 2, f"every long-poll went to one worker ({pids}); none crossed"
