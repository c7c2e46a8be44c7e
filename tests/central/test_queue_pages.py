"""The hall's pages and what they read (both back ends): display and window pages, the
staff login and its cookie, window actions, the ticket page's check, the events
long-poll (woken by a change made elsewhere) and the spoken call."""

from __future__ import annotations

import io
import threading
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from central_helpers import LiveServer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from central.queue import Taken, take_ticket
from central.queue_base import load_hall
from central.queue_staff import add_staff
from tests.central.queue_helpers import HALL, HALL_NAME, enroll_at_hall, make_hall

NOW = datetime(2026, 12, 7, 2, 0)


@pytest.fixture
def hall(db_url: str, app: FastAPI) -> str:
    make_hall(db_url)
    app.state.clock = lambda: NOW
    engine = create_engine(db_url).execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        add_staff(conn, load_hall(conn, HALL), "clerk1", "王丽", "window-pass")
    engine.dispose()
    return db_url


def take(db_url: str, category: str = "A") -> dict[str, Any]:
    engine = create_engine(db_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            return take_ticket(conn, load_hall(conn, HALL), category, NOW, Taken(), "")
    finally:
        engine.dispose()


def test_pages_are_served_with_chinese_fonts(hall: str, client: TestClient) -> None:
    for page in ("display", "window"):
        response = client.get(f"/hall/{HALL.lower()}/{page}")
        assert response.status_code == 200 and HALL_NAME in response.text
        assert f'data-hall="{HALL}"' in response.text
    css = client.get("/hall/static/hall.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert '"WenQuanYi Micro Hei", "Noto Sans CJK SC"' in css.text
    assert client.get("/hall/static/../app.py").status_code == 404
    assert client.get("/hall/NOPE/display").status_code == 404


def test_window_actions_need_a_clerk_of_this_hall(hall: str, client: TestClient) -> None:
    take(hall)
    assert client.post(f"/hall/{HALL}/window/1/call", json={}).status_code == 401
    bad = client.post(f"/hall/{HALL}/login", json={"login": "clerk1", "password": "nope"})
    assert bad.status_code == 401 and "tongban_staff" not in bad.cookies
    good = client.post(f"/hall/{HALL}/login", json={"login": "clerk1", "password": "window-pass"})
    assert good.status_code == 200 and good.json()["name"] == "王丽"
    assert client.get(f"/hall/{HALL}/me").json()["login"] == "clerk1"
    called = client.post(f"/hall/{HALL}/window/1/call", json={})
    assert called.status_code == 200 and called.json()["label"] == "A001"
    refused = client.post(f"/hall/{HALL}/window/1/skip", json={})
    assert refused.status_code == 409 and refused.json()["error"] == "too_soon"
    assert client.post(f"/hall/{HALL}/window/1/transfer", json={}).status_code == 422
    moved = client.post(f"/hall/{HALL}/window/1/transfer", json={"category": "B"})
    assert moved.status_code == 200 and moved.json()["label"] == "B001"
    cookie = client.cookies.get("tongban_staff")
    assert cookie
    client.cookies.clear()
    forged = cookie[:-1] + ("0" if cookie[-1] != "0" else "1")
    response = client.post(
        f"/hall/{HALL}/window/2/call", json={}, headers={"Cookie": f"tongban_staff={forged}"}
    )
    assert response.status_code == 401


def test_the_ticket_page_needs_its_check_and_shows_nothing_personal(
    hall: str, client: TestClient, app: FastAPI
) -> None:
    terminal = enroll_at_hall(client, app)
    ticket = terminal.post(
        "/api/v1/queue/tickets",
        {"category": "B", "birth_date": "1950-01-01"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    ).json()
    path = ticket["follow_url"].split("testserver")[-1]
    page = client.get(path)
    assert page.status_code == 200 and "B001" in page.text and "前面还有" in page.text
    assert "1950" not in page.text
    assert client.get(path[:-1] + ("0" if path[-1] != "0" else "1")).status_code == 404
    assert client.get(f"/hall/{HALL}/ticket/B001").status_code == 404
    assert client.get(f"/hall/{HALL}/ticket/B002?c={path.split('c=')[1]}").status_code == 404


def test_a_waiting_long_poll_wakes_when_a_ticket_is_taken_elsewhere(
    hall: str, live_server: LiveServer
) -> None:
    state = httpx.get(f"{live_server.base_url}/hall/{HALL}/state").json()
    after = state["last_event_id"]
    answer: dict[str, Any] = {}
    started = threading.Event()

    def wait() -> None:
        started.set()
        answer["body"] = httpx.get(
            f"{live_server.base_url}/hall/{HALL}/events",
            params={"after": after, "timeout": 30},
            timeout=40,
        ).json()

    waiter = threading.Thread(target=wait)
    waiter.start()
    started.wait(5)
    empty = httpx.get(
        f"{live_server.base_url}/hall/{HALL}/events", params={"after": after, "timeout": 0}
    ).json()
    assert empty == {"events": [], "last": after}
    take(hall, "C")  # through another connection, like another worker or the CLI
    waiter.join(timeout=35)
    assert not waiter.is_alive()
    events = answer["body"]["events"]
    assert [e["kind"] for e in events] == ["take"] and events[0]["data"]["label"] == "C001"
    assert answer["body"]["last"] == events[0]["id"]


def test_a_call_is_spoken(hall: str, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from tests.support.services import missing_service

    if shutil.which("espeak-ng") is None:
        missing_service("espeak-ng not found", "espeak-ng")
    take(hall)
    client.post(f"/hall/{HALL}/login", json={"login": "clerk1", "password": "window-pass"})
    event = client.post(f"/hall/{HALL}/window/1/call", json={}).json()["event_id"]
    audio = client.get(f"/hall/{HALL}/calls/{event}.wav")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert audio.content[:4] == b"RIFF" and audio.content[8:12] == b"WAVE"
    assert len(audio.content) > 44_100  # about a second or more of 22 kHz 16-bit speech
    assert client.get(f"/hall/{HALL}/calls/{event - 1}.wav").status_code == 404  # a take
    from central.call_audio import call_text

    assert call_text("A001", 3) == "请A零零一号到3号窗口办理"
    assert io.BytesIO(audio.content).read(4) == b"RIFF"


def test_password_guessing_is_rate_limited(
    hall: str, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One fixed window for all 21 tries: on the wall clock they could straddle a minute.
    monkeypatch.setattr("central.limits._now", lambda: 1_800_000_010.0)
    answers = [
        client.post(f"/hall/{HALL}/login", json={"login": "clerk1", "password": f"guess{n}"})
        for n in range(21)
    ]
    assert [a.status_code for a in answers[:20]] == [401] * 20
    assert answers[20].status_code == 429 and answers[20].json()["error"] == "rate_limited"


def test_the_call_voice_reads_mandarin_not_english() -> None:
    """Debian's `cmn` voice reads its pinyin with English rules; `cmn-latn-pinyin` (the
    one central.call_audio uses) reads it as Mandarin."""
    import shutil
    import subprocess

    from central.call_audio import VOICE, call_text
    from tests.support.services import missing_service

    if shutil.which("espeak-ng") is None:
        missing_service("espeak-ng not found", "espeak-ng")
    phonemes = subprocess.run(
        ["espeak-ng", "-v", VOICE, "-x", "-q", call_text("A001", 3)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "(en)" not in phonemes
    assert "tS;h'i21N" in phonemes  # 请 qing3
    assert phonemes.count("l'i35N") == 2  # 零零
