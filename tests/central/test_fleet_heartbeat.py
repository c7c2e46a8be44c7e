"""POST /terminals/heartbeat (docs/fleet.md §1) on both back ends: what is refused, the
latest health per terminal, and the bounded history (a row on a change of the digest, else
one an hour, 14 days kept), with central's clock pinned."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import insert

from central.fleet_health import digest_of
from central.models_fleet import TerminalHealthHistory
from tests.central.central_helpers import SignedApi, enroll
from tests.central.fleet_helpers import (
    HEARTBEAT,
    T0,
    Clock,
    beat,
    health,
    history,
    paper,
    send,
)


def test_a_heartbeat_is_kept_and_answered(api: SignedApi, app: FastAPI) -> None:
    clock = Clock(app)
    answer = send(api, clock)
    assert answer == {
        "server_time": "2026-12-07T09:00:00+08:00",
        "next_in_s": 10,  # the demo's central (tests run with its rules) asks for 10 s; else 60
        "commands": [],
        "config_version": None,
        "update": None,
    }
    row = health(app, api.terminal_id)
    assert row.received_at == T0 and row.software_version == "0.2.0"
    assert (row.faults, row.supplies_low, row.maintenance, row.update_state) == (
        0,
        False,
        False,
        "idle",
    )
    assert row.body["devices"]["receipt_printer"]["supplies"] == {"paper": "full"}
    assert "acks" not in row.body  # command bookkeeping is not health
    assert row.digest == digest_of(row.body)


def test_the_latest_heartbeat_replaces_the_last(api: SignedApi, app: FastAPI) -> None:
    clock = Clock(app)
    send(api, clock)
    clock.advance(seconds=60)
    send(api, clock, devices=paper("out"), outbox={"depth": 3, "oldest_age_s": 40, "failed": 0})
    row = health(app, api.terminal_id)
    assert row.received_at == clock.now
    assert (row.faults, row.supplies_low, row.outbox_depth) == (1, True, 3)
    assert row.body["devices"]["receipt_printer"]["fault"] == "paper_out"


@pytest.mark.parametrize(
    "changes",
    [
        {"id_number": "110101199003071233"},  # an unknown key, personal or not
        {"name": "张三"},
        {"devices": {"id_reader": {"state": "online", "ready": True, "name": "张三"}}},
        {"devices": {"id_reader": {"state": "online", "ready": True, "fault": "张三的卡"}}},
        {"devices": {"张三": {"state": "online", "ready": True}}},
        {"update": {"state": "idle", "version": "0.2.0", "reason": "13800000000 called"}},
        {"software_version": "0.2.0 张三"},
        {"config_version": "cfg-not-a-hash"},
        {"outbox": {"depth": -1}},
        {"print_log_head": {"count": 1, "mac": "not hex"}},
        {"devices": {"id_reader": {"state": "on fire", "ready": True}}},
        {"acks": [0]},
        {"reason": "because"},
    ],
)
def test_anything_but_states_counts_and_versions_is_refused(
    api: SignedApi, app: FastAPI, changes: dict[str, Any]
) -> None:
    response = api.post(HEARTBEAT, beat(**changes))
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_failed"
    assert health(app, api.terminal_id) is None  # nothing kept


def test_a_missing_field_and_an_unsigned_heartbeat_are_refused(
    api: SignedApi, app: FastAPI
) -> None:
    body = beat()
    del body["update"]
    assert api.post(HEARTBEAT, body).status_code == 422
    unsigned = api.client.post(HEARTBEAT, json=beat())
    assert unsigned.status_code == 401 and unsigned.json()["error"] == "missing_signature"


def test_history_has_a_row_per_change_and_else_one_an_hour(api: SignedApi, app: FastAPI) -> None:
    clock = Clock(app)
    send(api, clock)  # the first: a row
    for _ in range(5):  # the same state every minute: no row
        clock.advance(seconds=60)
        send(api, clock, uptime_s=9000, outbox={"depth": 2, "oldest_age_s": 5, "failed": 0})
    assert [h.received_at for h in history(app, api.terminal_id)] == [T0]
    clock.advance(seconds=60)
    changed = clock.now
    send(api, clock, devices=paper("low"))  # a device changed: a row
    clock.advance(seconds=60)
    send(api, clock, devices=paper("low"))
    clock.advance(minutes=58, seconds=59)  # 59:59 after the last row: not yet
    send(api, clock, devices=paper("low"))
    assert [h.received_at for h in history(app, api.terminal_id)] == [T0, changed]
    clock.advance(seconds=1)  # an hour after the last row: a row
    hourly = clock.now
    send(api, clock, devices=paper("low"))
    clock.advance(seconds=30)
    send(api, clock, devices=paper("low"), maintenance=True)  # maintenance is a change
    rows = history(app, api.terminal_id)
    assert [h.received_at for h in rows] == [T0, changed, hourly, clock.now]
    assert rows[1].body["devices"]["receipt_printer"]["supplies"] == {"paper": "low"}
    assert rows[-1].body["maintenance"] is True
    assert len({h.digest for h in rows}) == 3  # the hourly row repeats its state's digest
    assert health(app, api.terminal_id).history_at == clock.now


def test_an_update_or_config_state_change_is_a_history_row(api: SignedApi, app: FastAPI) -> None:
    clock = Clock(app)
    send(api, clock)
    clock.advance(seconds=60)
    send(api, clock, update={"state": "trial", "version": "0.3.0", "reason": ""})
    clock.advance(seconds=60)
    send(
        api,
        clock,
        update={"state": "trial", "version": "0.3.0", "reason": ""},
        config={"state": "rolled_back", "version": "local", "reason": "devices"},
    )
    assert len(history(app, api.terminal_id)) == 3


@pytest.mark.parametrize("everyone", [False, True])
def test_history_older_than_14_days_is_pruned_when_the_terminal_appends(
    api: SignedApi, app: FastAPI, client: Any, monkeypatch: pytest.MonkeyPatch, everyone: bool
) -> None:
    """Each terminal prunes its own expired rows when it appends; now and then an append
    prunes everyone's (a terminal that stopped sending prunes nothing itself)."""
    monkeypatch.setattr("central.fleet_health.prune_everyone", lambda: everyone)
    other = enroll(client, app)
    clock = Clock(app)
    send(api, clock)
    send(other, clock)
    with app.state.engine.begin() as conn:
        for days in (20, 15, 14, 13):
            for who in (api.terminal_id, other.terminal_id):
                conn.execute(
                    insert(TerminalHealthHistory).values(
                        terminal_id=who,
                        received_at=T0 - timedelta(days=days) + timedelta(hours=1),
                        digest="0" * 64,
                        body={},
                    )
                )
    clock.advance(hours=1)  # the hourly row of `api`: its expired rows go
    send(api, clock)
    ages = [(clock.now - h.received_at) for h in history(app, api.terminal_id)]
    assert max(ages) <= timedelta(days=14)
    assert len(ages) == 4  # 14 d exactly, 13 d, the first heartbeat's and this one's
    # Another terminal's expired rows wait for its own append, or for a prune of everyone.
    assert len(history(app, other.terminal_id)) == (3 if everyone else 5)


def test_the_access_log_names_the_fleet_routes(
    api: SignedApi, app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="central.access"):
        send(api)
        api.post("/api/v1/terminals/commands/77/result", {"ok": True})
    lines = [r.getMessage() for r in caplog.records if r.name == "central.access"]
    assert lines[0].startswith("POST /api/v1/terminals/heartbeat 200 ")
    assert lines[1].startswith("POST /api/v1/terminals/commands/{command_id}/result 404 ")
