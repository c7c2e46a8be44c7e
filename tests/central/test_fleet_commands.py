"""Remote operations (docs/fleet.md §2) on both back ends: queued → delivered on a
heartbeat's answer → acknowledged → done or failed by the terminal's result; delivered again
while not acknowledged, expired after five deliveries; only the terminal a command is for
can finish it; two workers (two apps on one database) share all of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from central.app import create_app, dispose
from central.fleet_commands import CommandInvalid, UnknownTerminal
from central.models_fleet import AuditEntry
from tests.central.central_helpers import SignedApi, enroll
from tests.central.fleet_helpers import (
    T0,
    Clock,
    command,
    health,
    queue,
    send,
)


def result_path(command_id: int) -> str:
    return f"/api/v1/terminals/commands/{command_id}/result"


def test_a_command_goes_queued_delivered_acked_done(api: SignedApi, app: FastAPI) -> None:
    clock = Clock(app)
    send(api, clock)
    command_id = queue(app, api.terminal_id, "doctor")
    assert command(app, command_id).state == "queued"
    assert health(app, api.terminal_id).commands_pending is True
    clock.advance(seconds=60)
    answer = send(api, clock)
    assert answer["commands"] == [{"id": command_id, "kind": "doctor", "args": {}}]
    row = command(app, command_id)
    assert (row.state, row.deliveries, row.delivered_at) == ("delivered", 1, clock.now)
    clock.advance(seconds=2)
    assert send(api, clock, reason="command", acks=[command_id])["commands"] == []
    row = command(app, command_id)
    assert (row.state, row.acked_at) == ("acked", clock.now)
    assert health(app, api.terminal_id).commands_pending is False  # nothing left to look for
    finished = api.post(result_path(command_id), {"ok": True, "result": {"checks": 12}})
    assert finished.status_code == 200 and finished.json() == {"state": "done"}
    row = command(app, command_id)
    assert (row.state, row.result, row.finished_at) == ("done", {"checks": 12}, clock.now)
    # A retried result gets the state the command has; the first result stays.
    again = api.post(result_path(command_id), {"ok": False, "result": {}})
    assert again.status_code == 200 and again.json() == {"state": "done"}
    assert command(app, command_id).result == {"checks": 12}


def test_a_failed_command_and_a_pulled_log(api: SignedApi, app: FastAPI) -> None:
    send(api)
    failing = queue(app, api.terminal_id, "reload_config")
    pull = queue(app, api.terminal_id, "pull_log", {"hours": 3})
    answer = send(api)
    assert answer["commands"] == [
        {"id": failing, "kind": "reload_config", "args": {}},
        {"id": pull, "kind": "pull_log", "args": {"hours": 3}},
    ]
    # The result may come before the acknowledgement (the terminal ran it at once).
    failed = api.post(result_path(failing), {"ok": False, "result": {"reason": "unreachable"}})
    assert failed.json() == {"state": "failed"}
    log = "2026-12-07 09:00:01 INFO kiosk.session: session ended (完成)\n" * 20_000  # ~1.2 MB
    done = api.post(result_path(pull), {"ok": True, "result": {"lines": 20_000}, "log": log})
    assert done.status_code == 200, done.text
    assert command(app, pull).log_text == log
    assert send(api, acks=[failing, pull])["commands"] == []
    assert (command(app, failing).state, command(app, pull).state) == ("failed", "done")


def test_an_unacknowledged_command_is_delivered_five_times_then_expires(
    api: SignedApi, app: FastAPI
) -> None:
    clock = Clock(app)
    command_id = queue(app, api.terminal_id, "maintenance_off")  # before any heartbeat
    for n in range(1, 6):
        clock.advance(seconds=60)
        assert [c["id"] for c in send(api, clock)["commands"]] == [command_id]
        assert command(app, command_id).deliveries == n
    clock.advance(seconds=60)
    assert send(api, clock)["commands"] == []
    row = command(app, command_id)
    assert (row.state, row.deliveries) == ("expired", 5)
    assert health(app, api.terminal_id).commands_pending is False
    # It ran after all (the answers got through, the acknowledgements did not).
    late = api.post(result_path(command_id), {"ok": True, "result": {"maintenance": False}})
    assert late.json() == {"state": "done"}


def test_a_command_is_delivered_to_its_terminal_only_and_only_it_finishes_it(
    api: SignedApi, app: FastAPI, client: TestClient
) -> None:
    other = enroll(client, app)
    send(api)
    send(other)
    command_id = queue(app, api.terminal_id, "doctor")
    assert send(other)["commands"] == []
    assert [c["id"] for c in send(api)["commands"]] == [command_id]
    for who, cid in ((other, command_id), (api, command_id + 1000)):
        refused = who.post(result_path(cid), {"ok": True, "result": {}})
        assert refused.status_code == 404 and refused.json()["error"] == "not_found"
    assert command(app, command_id).state == "delivered"
    # Acknowledging another terminal's command does nothing to it.
    send(other, acks=[command_id])
    assert command(app, command_id).state == "delivered"
    # A queued command (never delivered) cannot be finished either.
    queued = queue(app, other.terminal_id, "doctor")
    assert other.post(result_path(queued), {"ok": True}).status_code == 404
    assert api.post(result_path(0), {"ok": True}).status_code == 422


def test_maintenance_on_gets_the_halls_phone_unless_one_is_given(
    api: SignedApi, app: FastAPI
) -> None:
    send(api)
    filled = queue(app, api.terminal_id, "maintenance_on")
    given = queue(app, api.terminal_id, "maintenance_on", {"phone": "0356-999", "note": "换纸"})
    commands = send(api)["commands"]
    assert commands[0]["args"] == {"phone": "0356-12345", "note": ""}  # 晋城市政务服务中心's
    assert commands[1] == {
        "id": given, "kind": "maintenance_on", "args": {"phone": "0356-999", "note": "换纸"},
    }  # fmt: skip
    assert commands[0]["id"] == filled


def test_queueing_checks_the_terminal_and_the_arguments_and_is_audited(
    api: SignedApi, app: FastAPI
) -> None:
    with pytest.raises(UnknownTerminal):
        queue(app, "T-9999", "doctor")
    for kind, args in [
        ("reboot", {}),
        ("pull_log", {"hours": 0}),
        ("pull_log", {"hours": 73}),
        ("pull_log", {"hours": "2"}),
        ("doctor", {"hours": 2}),
        ("maintenance_on", {"phone": "张三 13800000000"}),
    ]:
        with pytest.raises(CommandInvalid):
            queue(app, api.terminal_id, kind, args)
    command_id = queue(app, api.terminal_id, "pull_log")
    assert command(app, command_id).args == {"hours": 2}
    with app.state.engine.connect() as conn:
        entries = conn.execute(select(AuditEntry)).all()
    assert [(e.actor, e.action, e.target, e.detail, e.at) for e in entries] == [
        (
            "tester",
            "pull_log",
            api.terminal_id,
            {"command_id": command_id, "args": {"hours": 2}},
            T0,
        )
    ]


@pytest.fixture
def second_worker(db_url: str) -> Iterator[FastAPI]:
    """Another app on the same database: what a second worker process shares."""
    other = create_app(db_url)
    try:
        yield other
    finally:
        dispose(other)


def test_a_command_queued_through_one_worker_is_delivered_by_the_other(
    api: SignedApi, app: FastAPI, second_worker: FastAPI
) -> None:
    send(api)  # through the first worker: the health row, nothing pending
    assert health(app, api.terminal_id).commands_pending is False
    command_id = queue(second_worker, api.terminal_id, "reload_config")
    assert [c["id"] for c in send(api)["commands"]] == [command_id]
    with TestClient(second_worker) as client:
        through_second = SignedApi(client, api.key, api.terminal_id, api.region)
        assert send(through_second, acks=[command_id])["commands"] == []
        assert command(app, command_id).state == "acked"
        done = through_second.post(result_path(command_id), {"ok": True, "result": {}})
        assert done.json() == {"state": "done"}
