"""`kiosk-central fleet list|show|op|command` (docs/fleet.md §2): the JSON documents and the
exit codes, on both back ends; the fleet list's keys for terminals that did and did not
report; every operation and every pulled-log view audited with the actor "cli"."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from central.cli import main
from central.models_fleet import AuditEntry
from tests.central.central_helpers import SignedApi, enroll
from tests.central.fleet_helpers import (
    paper,
    send,
)

LIST_KEYS = {
    "terminal_id", "hall", "hall_code", "region", "profile", "last_seen", "online", "version",
    "config_version", "maintenance", "devices", "outbox", "update",
}  # fmt: skip


def fleet(capsys: pytest.CaptureFixture[str], db_url: str, *args: str) -> tuple[int, Any, str]:
    capsys.readouterr()
    code = main(["fleet", *args, "--db", db_url])
    out, err = capsys.readouterr()
    try:
        return code, json.loads(out), err
    except json.JSONDecodeError:
        return code, out, err


def audit(app: FastAPI) -> list[tuple[str, str, str]]:
    with app.state.engine.connect() as conn:
        return [(e.actor, e.action, e.target) for e in conn.execute(select(AuditEntry))]


def test_fleet_list_shows_every_terminal_with_its_latest_health(
    api: SignedApi, app: FastAPI, client: TestClient, db_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    silent = enroll(client, app, region="140100", profile="bank")
    send(api, devices=paper("out"), maintenance=True)
    code, rows, _ = fleet(capsys, db_url, "list", "--json")
    assert code == 0
    assert [r["terminal_id"] for r in rows] == [api.terminal_id, silent.terminal_id]
    assert all(set(r) == LIST_KEYS for r in rows)
    seen, never = rows
    assert seen["hall"] == "晋城市政务服务中心" and seen["hall_code"] == "JC-ZWZX"
    assert (seen["region"], seen["profile"], seen["version"]) == ("140500", "hall", "0.2.0")
    assert seen["online"] is True and seen["last_seen"].endswith("+08:00")
    assert seen["maintenance"] is True and seen["config_version"] == "local"
    assert seen["devices"]["receipt_printer"]["fault"] == "paper_out"
    assert seen["outbox"] == {"depth": 0, "oldest_age_s": None, "failed": 0}
    assert seen["update"]["state"] == "idle"
    assert never["last_seen"] is None and never["online"] is False
    assert never["version"] is None and never["devices"] == {} and never["profile"] == "bank"
    code, text, _ = fleet(capsys, db_url, "list")
    assert code == 0 and api.terminal_id in text and "晋城市政务服务中心" in text


def test_fleet_op_queues_prints_the_id_and_is_audited(
    api: SignedApi, app: FastAPI, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, printed, _ = fleet(capsys, db_url, "op", api.terminal_id, "maintenance-on")
    assert code == 0 and isinstance(printed, int)
    code, doc, _ = fleet(
        capsys, db_url, "op", api.terminal_id, "pull-log", "--hours", "6", "--json"
    )
    assert code == 0
    assert {k: doc[k] for k in ("kind", "args", "state", "deliveries", "created_by")} == {
        "kind": "pull_log", "args": {"hours": 6}, "state": "queued", "deliveries": 0,
        "created_by": "cli",
    }  # fmt: skip
    answer = send(api)
    assert [(c["id"], c["kind"], c["args"]) for c in answer["commands"]] == [
        (printed, "maintenance_on", {"phone": "0356-12345", "note": ""}),
        (doc["id"], "pull_log", {"hours": 6}),
    ]
    assert audit(app) == [
        ("cli", "maintenance_on", api.terminal_id),
        ("cli", "pull_log", api.terminal_id),
    ]
    # The result and the pulled log, by `fleet command`; looking at the log is audited.
    api.post(
        f"/api/v1/terminals/commands/{doc['id']}/result",
        {"ok": True, "result": {"lines": 1, "bytes": 20}, "log": "09:00 INFO started\n"},
    )
    code, shown, _ = fleet(capsys, db_url, "command", str(doc["id"]), "--json")
    assert code == 0
    assert (shown["state"], shown["result"], shown["log"]) == (
        "done", {"lines": 1, "bytes": 20}, "09:00 INFO started\n",
    )  # fmt: skip
    assert audit(app)[-1] == ("cli", "log_view", api.terminal_id)
    code, show, _ = fleet(capsys, db_url, "show", api.terminal_id, "--json")
    assert code == 0 and set(show) >= LIST_KEYS | {"health", "history", "commands", "hall_phone"}
    assert [c["id"] for c in show["commands"]] == [doc["id"], printed]  # newest first
    assert show["commands"][0]["has_log"] is True and "log" not in show["commands"][0]
    assert len(show["history"]) == 1 and show["hall_phone"] == "0356-12345"


@pytest.mark.parametrize(
    "args, error",
    [
        (["op", "T-9999", "doctor"], "unknown_terminal"),
        (["show", "T-9999"], "unknown_terminal"),
        (["command", "999999"], "not_found"),
        (["op", "{terminal}", "pull-log", "--hours", "73"], "command_invalid"),
        (["op", "{terminal}", "doctor", "--hours", "2"], "command_invalid"),
        (["op", "{terminal}", "maintenance-on", "--phone", "call 张三"], "command_invalid"),
    ],
)
def test_refusals_exit_3_with_the_reason(
    api: SignedApi, app: FastAPI, db_url: str, capsys: pytest.CaptureFixture[str],
    args: list[str], error: str,
) -> None:  # fmt: skip
    args = [a.replace("{terminal}", api.terminal_id) for a in args]
    code, body, err = fleet(capsys, db_url, *args, "--json")
    assert code == 3 and body["error"] == error and body["message"]
    assert err.startswith(f"kiosk-central: {error}:") and "Traceback" not in err
    code, out, err = fleet(capsys, db_url, *args)  # without --json: stderr only
    assert code == 3 and out == "" and error in err
    assert audit(app) == []  # nothing queued, nothing looked at


def test_an_unknown_operation_is_a_usage_error(
    api: SignedApi, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["fleet", "op", api.terminal_id, "reboot", "--db", db_url])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
