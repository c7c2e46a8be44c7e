"""Remote operations through `kiosk-central serve --workers 2` on PostgreSQL (the production
setup): commands queued by the CLI (another process) are delivered by whichever worker takes
each terminal's heartbeat, acknowledged through another connection, finished by a result:
everything the workers share is in the database."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from central.enrollment import issue_code
from central.models_fleet import TerminalCommand
from central.settings import ENROLLMENT_VALIDITY
from central.timeutil import utcnow
from tests.central.central_helpers import free_port
from tests.central.fleet_helpers import HEARTBEAT, beat
from tests.support.signer import HttpxSigner, TerminalKey

TERMINALS = 6


def _exe() -> str:
    found = shutil.which("kiosk-central", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("kiosk-central is not installed: .venv/bin/pip install -e '.[test]'")
    return found


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [_exe(), "serve", "--db", db_url, "--port", str(port), "--workers", "2"]
        + ["--public-url", base],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, "kiosk-central serve exited"
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "kiosk-central serve did not come up"
            time.sleep(0.1)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _enroll(base: str, db_url: str) -> list[tuple[str, TerminalKey]]:
    engine = create_engine(db_url)
    try:
        with Session(engine) as session:
            codes = [
                issue_code(
                    session, "晋城市政务服务中心", "140500", "hall", utcnow(), ENROLLMENT_VALIDITY
                )[0]
                for _ in range(TERMINALS)
            ]
    finally:
        engine.dispose()
    out = []
    for code in codes:
        key = TerminalKey.generate()
        answer = httpx.post(
            f"{base}/api/v1/terminals/enroll",
            json={"code": code, "public_key": key.public_b64, "hostname": "k"},
        )
        assert answer.status_code == 201, answer.text
        out.append((answer.json()["terminal_id"], key))
    return out


def _fleet_ops(db_url: str, terminal_ids: list[str]) -> dict[str, int]:
    """`kiosk-central fleet op ID doctor` for each terminal, the processes side by side."""
    procs = {
        tid: subprocess.Popen(
            [_exe(), "fleet", "op", tid, "doctor", "--db", db_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tid in terminal_ids
    }
    out = {}
    for tid, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 0, stderr
        out[tid] = int(stdout)
    return out


def _together(work: Any, items: list[Any]) -> list[Any]:
    """`work(item)` for every item at once, each on a connection of its own (so the
    kernel hands them to both workers); the results in order."""
    barrier = threading.Barrier(len(items))
    results: list[Any] = [None] * len(items)

    def one(i: int) -> None:
        barrier.wait()
        results[i] = work(items[i])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(items))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("backend", ["postgresql"])
def test_commands_queued_by_the_cli_are_delivered_and_finished_through_two_workers(
    db_url: str, served: str
) -> None:
    terminals = _enroll(served, db_url)

    def heartbeat(who: tuple[str, TerminalKey], acks: list[int]) -> dict[str, Any]:
        terminal_id, key = who
        with httpx.Client(base_url=served, auth=HttpxSigner(key, terminal_id)) as http:
            answer = http.post(HEARTBEAT, json=beat(acks=acks))
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    _together(lambda who: heartbeat(who, []), terminals)  # the health rows, nothing pending
    queued = _fleet_ops(db_url, [tid for tid, _key in terminals])
    answers = _together(lambda who: heartbeat(who, []), terminals)
    for (tid, _key), answer in zip(terminals, answers, strict=True):
        assert answer["commands"] == [{"id": queued[tid], "kind": "doctor", "args": {}}]

    def finish(who: tuple[str, TerminalKey]) -> int:
        terminal_id, key = who
        with httpx.Client(base_url=served, auth=HttpxSigner(key, terminal_id)) as http:
            path = f"/api/v1/terminals/commands/{queued[terminal_id]}/result"
            return http.post(path, json={"ok": True, "result": {"checks": 3}}).status_code

    assert _together(finish, terminals) == [200] * TERMINALS
    again = _together(lambda who: heartbeat(who, [queued[who[0]]]), terminals)
    assert all(a["commands"] == [] for a in again)
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(TerminalCommand)).all()
    finally:
        engine.dispose()
    assert sorted((r.terminal_id, r.id, r.state, r.deliveries) for r in rows) == sorted(
        (tid, queued[tid], "done", 1) for tid, _key in terminals
    )
    shown = subprocess.run(
        [_exe(), "fleet", "command", str(queued[terminals[0][0]]), "--json", "--db", db_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0 and json.loads(shown.stdout)["result"] == {"checks": 3}
