"""`kiosk-central ops-user add|list|disable` on both back ends: the password from stdin
only, short or empty ones refused with a clear message and exit 1, roles checked."""

from __future__ import annotations

import io
import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ops_helpers import audit_rows

from central.cli import main


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stdin: str, *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_disable_and_log_in(
    db_url: str, app: FastAPI, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = ["--db", db_url]
    code, out, _ = run(capsys, monkeypatch, "a-long-password\n", "ops-user", "add", "zz-ops",
                       "--role", "regional", "--region", "140525", "--json", *db)  # fmt: skip
    assert code == 0
    assert json.loads(out) == {"name": "zz-ops", "role": "regional", "region": "140525",
                               "hall": None, "disabled": False}  # fmt: skip
    code, _, _ = run(capsys, monkeypatch, "hall-password-1\n", "ops-user", "add", "clerk",
                     "--role", "hall_staff", "--hall", "JC-ZWZX", *db)  # fmt: skip
    assert code == 0
    code, out, _ = run(capsys, monkeypatch, "", "ops-user", "list", "--json", *db)
    listed = {u["name"]: u for u in json.loads(out)}
    assert listed["clerk"]["hall"] == "JC-ZWZX" and listed["zz-ops"]["role"] == "regional"
    assert "password" not in out and "scrypt" not in out
    with TestClient(app) as client:
        login = client.post("/ops/login", data={"name": "zz-ops", "password": "a-long-password"},
                            follow_redirects=False)  # fmt: skip
        assert login.status_code == 303
        assert client.get("/ops/api/fleet").status_code == 200
        code, _, err = run(capsys, monkeypatch, "", "ops-user", "disable", "zz-ops", *db)
        assert code == 0 and "1 session" in err
        assert client.get("/ops/api/fleet").status_code == 401
    assert [r.action for r in audit_rows(app) if r.actor == "cli"] == [
        "ops_user_add", "ops_user_add", "ops_user_disable"]  # fmt: skip


@pytest.mark.parametrize(
    ("stdin", "args", "message"),
    [
        ("", ["ops-user", "add", "a", "--role", "admin"], "no password on stdin"),
        ("short\n", ["ops-user", "add", "a", "--role", "admin"], "at least 10 characters"),
        ("long-enough-1\n", ["ops-user", "add", "a", "--role", "regional"], "needs --region"),
        ("long-enough-1\n", ["ops-user", "add", "a", "--role", "hall_staff", "--hall", "XX"],
         "known hall"),
        ("long-enough-1\n", ["ops-user", "add", "a b", "--role", "admin"], "NAME must be"),
        ("", ["ops-user", "disable", "nobody"], "no user 'nobody'"),
    ],
)  # fmt: skip
def test_refusals_are_one_clear_line_and_exit_1(
    db_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str,
    args: list[str],
    message: str,
) -> None:
    code, out, err = run(capsys, monkeypatch, stdin, *args, "--db", db_url)
    assert code == 1 and out == ""
    assert err.startswith("kiosk-central: error: ") and message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_duplicate_name_is_refused(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["ops-user", "add", "ops1", "--role", "admin", "--db", db_url]
    assert run(capsys, monkeypatch, "a-long-password\n", *args)[0] == 0
    code, _, err = run(capsys, monkeypatch, "a-long-password\n", *args)
    assert code == 1 and "exists already" in err
