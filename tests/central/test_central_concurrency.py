"""Terminals retry, and a retry may arrive while the first attempt is still in flight: the
database, not a process, decides which one wins. Over real HTTP (uvicorn in a thread); the
same race across two worker processes is in test_central_cli (serve --workers 2)."""

from __future__ import annotations

import threading
from collections import Counter

import httpx
from central_bodies import new_key, pension
from central_helpers import ZHANG_SAN, LiveServer, SignedApi
from sqlalchemy import func, select

from central.models import Application
from tests.support.signer import HttpxSigner

THREADS = 8


def _race(live: LiveServer, api: SignedApi, keys: list[str]) -> list[tuple[int, str]]:
    barrier = threading.Barrier(len(keys))
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def submit(key: str) -> None:
        with httpx.Client(
            base_url=live.base_url, auth=HttpxSigner(api.key, api.terminal_id), timeout=30
        ) as http:
            barrier.wait()
            response = http.post(
                "/api/v1/applications", json=pension(ZHANG_SAN), headers={"Idempotency-Key": key}
            )
        with lock:
            results.append(
                (response.status_code, response.json().get("application_number", response.text))
            )

    threads = [threading.Thread(target=submit, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _rows(live: LiveServer) -> int:
    with live.app.state.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Application)) or 0)


def test_concurrent_duplicates_with_one_key_make_exactly_one_application(
    live_server: LiveServer, api: SignedApi
) -> None:
    results = _race(live_server, api, [new_key()] * THREADS)
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 200: THREADS - 1}, results
    assert len({number for _, number in results}) == 1
    assert _rows(live_server) == 1


def test_concurrent_submissions_get_distinct_numbers(
    live_server: LiveServer, api: SignedApi
) -> None:
    results = _race(live_server, api, [new_key() for _ in range(THREADS * 2)])
    assert {status for status, _ in results} == {201}, results
    assert len({number for _, number in results}) == THREADS * 2
    assert _rows(live_server) == THREADS * 2
