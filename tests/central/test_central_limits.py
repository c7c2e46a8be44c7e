"""Issue 10 §4: central limits request bodies per route (413 before the rest is read),
rate-limits the unsigned routes per client through the database (429 with Retry-After,
shared by every worker), and keeps an access log with route templates, never raw paths."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from central_helpers import LiveServer, free_port
from fastapi import FastAPI
from fastapi.testclient import TestClient

from central.app import create_app, dispose
from central.db import Database
from central.limits import BODY_LIMITS, RATE_LIMITS, Gate, RateLimit, count_request
from central.routes import PREFIX
from central.settings import Settings

ENROLL = f"{PREFIX}/terminals/enroll"
DOCUMENTS = ("GET", f"{PREFIX}/documents/{{verification_code}}")
CODE = "K7Q2M9XD4TPLH3VA8WQE"


# --- body limits ----------------------------------------------------------------------


async def _never_called(_scope: Any, _receive: Any, _send: Any) -> None:
    raise AssertionError("the app must not see an oversized request")


class _FirstRequest:
    """A database in which every request is a client's first."""

    def run(self, *_args: Any) -> int:
        return 1


def _run_gate(headers: list[tuple[bytes, bytes]], chunks: Iterator[bytes]) -> tuple[int, int]:
    """(status, chunks the gate took) for a POST to the enrollment endpoint."""

    taken = 0
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal taken
        taken += 1
        return {"type": "http.request", "body": next(chunks), "more_body": True}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": ENROLL, "headers": headers}
    gate = Gate(_never_called, db=_FirstRequest())  # type: ignore[arg-type]
    asyncio.run(gate(scope, receive, send))
    return sent[0]["status"], taken


def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    status, taken = _run_gate([(b"content-length", b"104857600")], iter(lambda: b"x" * 65536, 0))
    assert (status, taken) == (413, 0)


def test_a_chunked_body_is_read_only_up_to_the_limit() -> None:
    endless = iter(lambda: b"x" * 1024, 0)  # a body that never ends
    status, taken = _run_gate([(b"transfer-encoding", b"chunked")], endless)
    assert status == 413
    assert taken == BODY_LIMITS[("POST", ENROLL)] // 1024 + 1


def _raw(live: LiveServer, request: bytes, then: bytes = b"") -> bytes:
    host, port = live.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        if then:
            sock.sendall(then)
        answer = b""
        while chunk := sock.recv(65536):  # the gate closes the connection after a 413
            answer += chunk
        return answer


def test_a_100_mb_enrollment_is_refused_with_413_at_once(live_server: LiveServer) -> None:
    head = (
        f"POST {ENROLL} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 104857600\r\n\r\n"
    ).encode()
    answer = _raw(live_server, head)  # not one byte of the body sent
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"payload_too_large"' in answer


def test_a_chunked_enrollment_over_the_limit_is_refused_before_it_ends(
    live_server: LiveServer,
) -> None:
    head = (
        f"POST {ENROLL} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    chunk = b"x" * 4096
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(4))  # no last chunk
    answer = _raw(live_server, head, body)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_body_within_the_limit_reaches_the_app(client: TestClient) -> None:
    answer = client.post(ENROLL, json={"code": "nonsense", "public_key": "x", "hostname": "k"})
    assert answer.json()["error"] in ("validation_failed", "enrollment_failed")  # the app's


# --- rate limit -----------------------------------------------------------------------


@pytest.fixture
def tight(monkeypatch: pytest.MonkeyPatch) -> None:
    """5 verifications per minute per client, at a fixed moment inside a window."""
    monkeypatch.setitem(RATE_LIMITS, DOCUMENTS, RateLimit(5, 60))
    monkeypatch.setattr("central.limits._now", lambda: 1_800_000_010.0)


@pytest.fixture
def two_workers(db_url: str) -> Iterator[tuple[FastAPI, FastAPI]]:
    """Two app instances on one database: what two worker processes share."""
    first, second = create_app(db_url), create_app(db_url)
    try:
        yield first, second
    finally:
        dispose(first)
        dispose(second)


def test_two_workers_share_one_clients_limit_and_answer_429(
    tight: None, two_workers: tuple[FastAPI, FastAPI]
) -> None:
    first, second = two_workers
    with TestClient(first) as one, TestClient(second) as two:
        statuses = [
            (one, two)[i % 2].get(f"{PREFIX}/documents/{CODE}").status_code for i in range(5)
        ]
        assert statuses == [404] * 5  # within the limit: answered (no such document)
        refused = two.get(f"{PREFIX}/documents/{CODE}")
        assert refused.status_code == 429
        assert refused.json()["error"] == "rate_limited"
        assert refused.headers["Retry-After"] == "50"
        assert one.get(f"{PREFIX}/documents/{CODE}").status_code == 429
        # Another client, and another unsigned route, have limits of their own.
        with TestClient(first, client=("192.0.2.7", 40000)) as other:
            assert other.get(f"{PREFIX}/documents/{CODE}").status_code == 404
        assert one.get(f"{PREFIX}/keys/codes").status_code == 200
        # Signed routes are not limited by the gate (the signature is their gate).
        assert one.get(f"{PREFIX}/health").status_code == 200


def test_the_next_window_starts_afresh(
    tight: None, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(app) as client:
        for _ in range(6):
            last = client.get(f"{PREFIX}/documents/{CODE}").status_code
        assert last == 429
        monkeypatch.setattr("central.limits._now", lambda: 1_800_000_070.0)
        assert client.get(f"{PREFIX}/documents/{CODE}").status_code == 404


def test_concurrent_counts_from_two_engines_lose_nothing(db_url: str) -> None:
    """The upsert is atomic: 2 x 10 threads on two databases handles count 1..20 exactly."""
    dbs = [Database(Settings(db_url=db_url)) for _ in range(2)]
    barrier, counts, lock = threading.Barrier(20), [], threading.Lock()

    def hit(db: Database) -> None:
        barrier.wait()
        count = db.run(count_request, "198.51.100.1", "GET /x", 1_800_000_000)
        with lock:
            counts.append(count)

    threads = [threading.Thread(target=hit, args=(dbs[i % 2],)) for i in range(20)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for db in dbs:
            db.close()
    assert sorted(counts) == list(range(1, 21))


# --- access log -----------------------------------------------------------------------


def test_the_access_log_names_the_route_never_the_code_or_query(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="central.access"):
        client.get(f"{PREFIX}/documents/{CODE}?id_number=110101199003071233")
        client.get(f"{PREFIX}/no/such/{CODE}")
    lines = [r.getMessage() for r in caplog.records if r.name == "central.access"]
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"GET {PREFIX}/documents/{{verification_code}} 404 ")
    assert lines[0].endswith("client=testclient")
    assert lines[1].startswith("GET - 404 ")
    text = "\n".join(lines)
    assert CODE not in text and "110101" not in text and "id_number" not in text


def test_a_refusal_is_logged_too(
    tight: None, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="central.access"):
        for _ in range(6):
            client.get(f"{PREFIX}/documents/{CODE}")
    last = [r.getMessage() for r in caplog.records if r.name == "central.access"][-1]
    assert last.startswith(f"GET {PREFIX}/documents/{{verification_code}} 429 ")


def test_ended_windows_are_purged(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("central.limits.PURGE_EVERY", 1)  # every request purges
    db = Database(Settings(db_url=db_url))
    try:
        db.run(count_request, "198.51.100.1", "GET /x", 1_800_000_000)
        db.run(count_request, "198.51.100.1", "GET /y", 1_800_000_000)  # another route's
        assert db.run(count_request, "198.51.100.2", "GET /x", 1_800_000_060) == 1
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT route, window_start FROM rate_limit_windows ORDER BY route"
            ).all()
    finally:
        db.close()
    assert [tuple(r) for r in rows] == [("GET /x", 1_800_000_060), ("GET /y", 1_800_000_000)]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_serve_writes_the_access_log(db_url: str, tmp_path: Path) -> None:
    """`kiosk-central serve` (uvicorn configures only its own loggers) logs central's lines."""
    exe = shutil.which("kiosk-central", path=str(Path(sys.executable).parent))
    assert exe is not None
    host, port = "127.0.0.1", free_port()
    server = subprocess.Popen(
        [exe, "serve", "--db", db_url, "--host", host, "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server.poll() is None:
            try:
                httpx.get(f"http://{host}:{port}/api/v1/documents/{CODE}", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert f"central.access: GET {PREFIX}/documents/{{verification_code}} 404 " in err, err
    assert CODE not in err


def test_two_workers_share_the_print_log_look_up_limit(db_url: str) -> None:
    """The terminal's ID look-up limit is counted in the database, not in one process: two
    workers together allow `per_hour`, not twice as many."""
    from central.errors import ApiError
    from central.printlog import LookupRate

    rate = LookupRate(per_hour=4, clock=lambda: 1_800_000_100.0)
    dbs = [Database(Settings(db_url=db_url)) for _ in range(2)]
    try:
        for i in range(4):
            dbs[i % 2].run(rate.check, "T-0042")
        for db in dbs:
            with pytest.raises(ApiError) as refused:
                db.run(rate.check, "T-0042")
            assert refused.value.status == 429
        dbs[0].run(rate.check, "T-0043")          # another terminal counts on its own
    finally:
        for db in dbs:
            db.close()
