"""The offer on the signed heartbeat's answer (docs/fleet.md §1): an enrolled terminal of
晋城市政务服务中心 is offered a rollout's version while its hall is closed, not while it is
open, and its trial and commit reported on later heartbeats complete the rollout."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from central_helpers import SignedApi
from fastapi import FastAPI
from rollout_helpers import add_release, beat
from sqlalchemy import create_engine

from central.updates import rollouts

CLOSED = datetime(2025, 12, 8, 14, 0)  # Monday 22:00 in Beijing
OPEN = datetime(2025, 12, 8, 2, 0)  # Monday 10:00


def send(api: SignedApi, app: FastAPI, now: datetime, **kw: Any) -> dict[str, Any]:
    app.state.clock = lambda: now
    body = beat(**kw).model_dump(mode="json")
    answer = api.post("/api/v1/terminals/heartbeat", body)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_the_heartbeat_answer_offers_outside_opening_hours_and_records_the_commit(
    api: SignedApi, app: FastAPI, db_url: str
) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        add_release(conn, "0.3.0")
        rid = rollouts.start_rollout(conn, "0.3.0", "100", 0.1, {"hall": "JC-ZWZX"}, "test", CLOSED)
    assert send(api, app, OPEN, running="0.2.0")["update"] is None
    offer = send(api, app, CLOSED, running="0.2.0")["update"]
    assert offer == {"version": "0.3.0", "target": "tongban-kiosk-0.3.0.tar.gz", "rollout_id": rid}
    assert send(api, app, CLOSED, running="0.3.0", state="trial", target="0.3.0")["update"] is None
    send(api, app, CLOSED, running="0.3.0", state="committed")
    with engine.connect() as conn:
        status = rollouts.rollout_status(conn, rid)
    engine.dispose()
    assert status["state"] == "completed" and status["waves"][0]["committed"] == 1
