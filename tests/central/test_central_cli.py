"""Operations run `kiosk-central` from a shell: each command as a real subprocess."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from central_bodies import new_key, pension
from central_helpers import ZHANG_SAN, free_port
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select

from central.app import create_app, dispose
from central.cli import main
from central.models import Application, CatalogueItem, Licence, Person
from tests.support.postgres import TempPostgres
from tests.support.signer import HttpxSigner, TerminalKey

_numbers = itertools.count(1)


def _exe() -> str:
    found = shutil.which("kiosk-central", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(
            "kiosk-central is not installed: run .venv/bin/pip install -e '.[test]'", pytrace=False
        )
    return found


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_exe(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def run_here(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The same CLI in this process: for the many cases where a subprocess adds nothing."""
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def assert_clean_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kiosk-central: error:"), result.stderr
    for word in words:
        assert word in lines[0]


@pytest.fixture
def empty_db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database that exists (PostgreSQL) or may be created (SQLite), with no schema."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'central.db'}"
        return
    server: TempPostgres = request.getfixturevalue("postgres_server")
    name = f"central_cli_{next(_numbers)}"
    url = server.create_database(name)
    try:
        yield url
    finally:
        server.drop_database(name)


def _count(url: str, model: type) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        engine.dispose()


def test_seeding_twice_adds_nothing_the_second_time(
    empty_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_here("migrate", "--db", empty_db_url, capsys=capsys)[0] == 0
    first = run("seed", "--db", empty_db_url, cwd=tmp_path)
    assert first.returncode == 0 and "added" in first.stderr
    counts = [_count(empty_db_url, m) for m in (CatalogueItem, Person, Licence)]
    second = run("seed", "--db", empty_db_url, cwd=tmp_path)
    assert second.returncode == 0 and "nothing to add" in second.stderr
    assert [_count(empty_db_url, m) for m in (CatalogueItem, Person, Licence)] == counts
    assert counts[0] == 22 and counts[1] == 7


def test_terminal_add_prints_a_code_that_enrolls(
    empty_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_here("seed", "--db", empty_db_url, capsys=capsys)[0] == 0
    added = run(
        "terminal",
        "add",
        "--hall",
        "高平市政务服务中心",
        "--region",
        "140581",
        "--profile",
        "hall",
        "--db",
        empty_db_url,
        cwd=tmp_path,
    )
    assert added.returncode == 0, added.stderr
    code = added.stdout.strip().splitlines()[-1]
    assert len(code) == 14 and code.count("-") == 2
    app = create_app(empty_db_url)
    try:
        with TestClient(app) as client:
            response = client.post(
                "/api/v1/terminals/enroll",
                json={
                    "code": code,
                    "public_key": TerminalKey.generate().public_b64,
                    "hostname": "gp-01",
                },
            )
    finally:
        dispose(app)
    assert response.status_code == 201
    assert response.json()["hall_name"] == "高平市政务服务中心"
    status, listed, _err = run_here("terminal", "list", "--db", empty_db_url, capsys=capsys)
    assert status == 0
    assert response.json()["terminal_id"] in listed and "active" in listed


def test_application_advance_moves_one_step(
    empty_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_here("seed", "--db", empty_db_url, capsys=capsys)[0] == 0
    code = run_here(
        "terminal",
        "add",
        "--hall",
        "晋城市政务服务中心",
        "--region",
        "140500",
        "--profile",
        "hall",
        "--db",
        empty_db_url,
        capsys=capsys,
    )[1].split()[-1]
    key = TerminalKey.generate()
    app = create_app(empty_db_url)
    try:
        with TestClient(app) as client:
            terminal_id = client.post(
                "/api/v1/terminals/enroll",
                json={"code": code, "public_key": key.public_b64, "hostname": "k"},
            ).json()["terminal_id"]
            client.auth = HttpxSigner(key, terminal_id)
            number = client.post(
                "/api/v1/applications",
                json=pension(ZHANG_SAN),
                headers={"Idempotency-Key": new_key()},
            ).json()["application_number"]
    finally:
        dispose(app)
    advanced = run("application", "advance", number, "--db", empty_db_url, cwd=tmp_path)
    assert advanced.returncode == 0, advanced.stderr
    assert advanced.stdout.strip() == f"{number} 办理"
    status, _out, err = run_here(
        "application", "advance", "14050020990101000001", "--db", empty_db_url, capsys=capsys
    )
    # A refusal of `advance` exits 2 (central/cli_applications.py), naming the cause.
    assert status == 2 and err.startswith("kiosk-central: error: not_found: unknown application")


def test_the_default_database_is_a_sqlite_file_under_var(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TONGBAN_CENTRAL_DB", raising=False)
    assert run_here("migrate", capsys=capsys)[0] == 0
    assert (tmp_path / "var" / "central" / "central.db").exists()
    monkeypatch.setenv("TONGBAN_CENTRAL_DB", str(tmp_path / "elsewhere.db"))
    assert run_here("migrate", capsys=capsys)[0] == 0
    assert (tmp_path / "elsewhere.db").exists()


@pytest.fixture(scope="module")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("cli") / "central.db"
    assert main(["seed", "--db", str(path)]) == 0
    return str(path)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["migrate", "--db", "mysql://x@y/z"], ["unsupported database"]),
        (
            ["terminal", "list", "--db", "sqlite:///does/not/exist.db"],
            ["no database at", "migrate"],
        ),
        (["terminal", "revoke", "T-0042", "--db", "{seeded}"], ["unknown terminal T-0042"]),
        (
            [
                "terminal",
                "add",
                "--hall",
                "某大厅",
                "--region",
                "14050",
                "--profile",
                "bank",
                "--db",
                "{seeded}",
            ],
            ["6-digit"],
        ),
        (
            [
                "terminal",
                "add",
                "--hall",
                "某大厅",
                "--region",
                "999999",
                "--profile",
                "bank",
                "--db",
                "{seeded}",
            ],
            ["unknown region"],
        ),
        (["application", "advance", "1", "--db", "{seeded}"], ["unknown application 1"]),
    ],
)
def test_mistakes_get_one_line_and_a_failure_status(
    seeded_sqlite: str, args: list[str], words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_here(
        *[a.replace("{seeded}", seeded_sqlite) for a in args], capsys=capsys
    )
    assert_clean_error(subprocess.CompletedProcess(args, status, out, err), *words)


def test_an_unreachable_database_is_one_line_from_a_real_process(tmp_path: Path) -> None:
    result = run("seed", "--db", "postgresql://nobody@127.0.0.1:1/central", cwd=tmp_path)
    assert result.returncode == 1
    assert_clean_error(result, "cannot reach the database", "127.0.0.1")


def test_a_schema_that_is_not_migrated_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty.db").touch()
    status, out, err = run_here(
        "terminal", "list", "--db", str(tmp_path / "empty.db"), capsys=capsys
    )
    assert_clean_error(subprocess.CompletedProcess([], status, out, err), "not migrated")


def test_openapi_writes_the_document_of_the_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "openapi.json"
    assert run_here("openapi", "--out", str(out), capsys=capsys)[0] == 0
    assert json.loads(out.read_text(encoding="utf-8")) == create_app("sqlite://").openapi()


# PostgreSQL only: it is the multi-process production setup; SQLite under two workers is
# what bench/central_load.py drives.
@pytest.mark.parametrize("backend", ["postgresql"])
def test_serve_runs_two_workers_that_agree_on_one_application(
    empty_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two uvicorn processes behind one port and one database: a retried submission that
    reaches both still makes one application."""
    assert run_here("seed", "--db", empty_db_url, capsys=capsys)[0] == 0
    code = run_here(
        "terminal",
        "add",
        "--hall",
        "晋城市政务服务中心",
        "--region",
        "140500",
        "--profile",
        "hall",
        "--db",
        empty_db_url,
        capsys=capsys,
    )[1].split()[-1]
    port = free_port()
    server = subprocess.Popen(
        # PostgreSQL is production: the public URL is required (issue 10).
        [_exe(), "serve", "--db", empty_db_url, "--port", str(port), "--workers", "2"]
        + ["--public-url", f"http://127.0.0.1:{port}"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, server)
        key = TerminalKey.generate()
        enrolled = httpx.post(
            f"{base}/api/v1/terminals/enroll",
            json={"code": code, "public_key": key.public_b64, "hostname": "k"},
        ).json()
        idem, barrier, statuses = new_key(), threading.Barrier(8), []

        def submit() -> None:
            # A connection each: the kernel hands them to both workers, so the same
            # submission races through two processes into one database.
            with httpx.Client(
                base_url=base, auth=HttpxSigner(key, enrolled["terminal_id"])
            ) as http:
                barrier.wait()
                response = http.post(
                    "/api/v1/applications",
                    json=pension(ZHANG_SAN),
                    headers={"Idempotency-Key": idem},
                )
                statuses.append(response.status_code)

        threads = [threading.Thread(target=submit) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(statuses) == [200] * 7 + [201]
        assert _count(empty_db_url, Application) == 1
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_healthy(base: str, server: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(
                f"kiosk-central serve exited: {server.stderr.read() if server.stderr else ''}"
            )
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail("kiosk-central serve did not answer /api/v1/health")
