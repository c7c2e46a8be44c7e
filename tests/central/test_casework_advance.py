"""Advancing an application (docs/casework.md §3): 异地代收's chain of custody step by step
(actors, the pages' hashes on every hand-over, the post's tracking number), 多地联办's
parts and the combined status, the refusals, and two advances at once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from casework_helpers import (
    APPLICATIONS,
    HALL,
    PICKUP,
    collect,
    filed,
    hukou_proof,
    sha,
    step,
)
from central_bodies import pension
from central_helpers import ZHANG_SAN, SignedApi
from fastapi import FastAPI

from central.application_advance import advance
from central.custody import AdvanceError
from central.db import make_engine
from central.settings import Settings

FUND = "焦作市住房公积金管理中心"
HASHES = [sha("page-1"), sha("page-2")]


def _refused(app: FastAPI, number: str, reason: str, **kw: Any) -> None:
    with pytest.raises(AdvanceError) as err:
        step(app, number, **kw)
    assert err.value.reason == reason


def _last(out: Any) -> Any:
    return out.timeline[-1]


def test_the_chain_of_custody_step_by_step(api: SignedApi, app: FastAPI) -> None:
    number = filed(api, collect(ZHANG_SAN))["application_number"]

    checked = step(app, number)
    assert (checked.status, _last(checked).actor, _last(checked).hashes) == (
        "形式审查", HALL, HASHES
    )
    _refused(app, number, "tracking_number_required")
    posted = step(app, number, tracking_number=" SF1234567890 ")
    assert posted.status == "寄递"
    assert (_last(posted).tracking_number, _last(posted).actor) == ("SF1234567890", HALL)
    assert _last(posted).note == f"材料寄往焦作市{FUND}（单号SF1234567890）"
    assert _last(posted).hashes == HASHES
    accepted = step(app, number)
    assert (accepted.status, _last(accepted).actor) == ("属地受理", FUND)
    done = step(app, number, actor="焦作市公积金中心 王科长")
    assert (done.status, _last(done).actor, _last(done).hashes) == (
        "办结", "焦作市公积金中心 王科长", HASHES
    )
    delivered = step(app, number, tracking_number="EMS9876543210")
    assert (delivered.status, _last(delivered).tracking_number) == ("送达", "EMS9876543210")
    assert _last(delivered).note == "结果已邮寄（单号EMS9876543210）"
    _refused(app, number, "final")

    timeline = api.get(f"{APPLICATIONS}/{number}").json()["timeline"]
    assert [s["step"] for s in timeline] == [
        "申请", "收件", "形式审查", "寄递", "属地受理", "办结", "送达"
    ]
    assert all(s["hashes"] == HASHES for s in timeline[1:])  # every custody event


def test_a_tracking_number_only_where_something_is_posted(api: SignedApi, app: FastAPI) -> None:
    number = filed(api, collect(ZHANG_SAN, PICKUP))["application_number"]
    _refused(app, number, "tracking_number_not_allowed", tracking_number="SF1")  # 形式审查
    online = filed(api, pension(ZHANG_SAN))["application_number"]
    _refused(app, online, "tracking_number_not_allowed", tracking_number="SF1")
    for _ in range(4):  # 形式审查, 寄递, 属地受理, 办结
        step(app, number, tracking_number="SF1" if _ == 1 else None)
    _refused(app, number, "tracking_number_not_allowed", tracking_number="SF2")  # picked up
    delivered = step(app, number)
    assert _last(delivered).note == f"结果已送达{HALL}，请凭身份证领取"


def test_parts_advance_on_their_own_and_the_last_one_finishes_the_application(
    api: SignedApi, app: FastAPI
) -> None:
    number = filed(api, hukou_proof(ZHANG_SAN))["application_number"]
    _refused(app, number, "parts_pending")
    step(app, number, part=1)
    first = step(app, number, part=1)
    assert [p.status for p in first.parts] == ["办结", "受理"] and first.status == "受理"
    _refused(app, number, "parts_pending")
    _refused(app, number, "final", part=1)
    _refused(app, number, "unknown_part", part=3)
    step(app, number, part=2)
    last = step(app, number, part=2)
    assert last.status == "办结"
    assert [(s.step, s.note, s.part) for s in last.timeline[-2:]] == [
        ("办结", "子件2：户籍证明审核出具办结", 2),
        ("办结", "子件全部办结", None),
    ]
    assert [s.step for s in last.parts[0].timeline] == ["受理", "办理", "办结"]
    assert last.parts[0].timeline[-1].actor == "晋城市公安局城区分局户政科"
    assert step(app, number).status == "送达"
    assert step(app, number).status == "归档"
    _refused(app, number, "final")


def test_refusals_name_their_reason(api: SignedApi, app: FastAPI) -> None:
    online = filed(api, pension(ZHANG_SAN))["application_number"]
    _refused(app, online, "no_parts", part=1)
    _refused(app, "14050020990101000001", "not_found")
    _refused(app, online, "bad_input", actor="x" * 101)
    _refused(app, online, "bad_input", actor="窗口\n王")


def test_two_advances_at_once_write_two_steps(
    api: SignedApi, app: FastAPI, db_url: str
) -> None:
    """The first advance holds the row; the second, started meanwhile on another engine,
    must not read the status until the first commits (else both would write 办理)."""
    number = filed(api, pension(ZHANG_SAN))["application_number"]  # 受理
    engines = [make_engine(Settings(db_url=db_url), autocommit=True) for _ in range(2)]
    second_read = threading.Event()
    second_started = threading.Event()
    results: dict[str, Any] = {}

    def second() -> None:
        second_started.set()
        try:
            with engines[1].connect() as conn:
                results["second"] = advance(conn, number, on_locked=second_read.set)
        except Exception as err:  # reported below, not lost in the thread
            results["second"] = err

    thread = threading.Thread(target=second)

    def while_locked() -> None:
        thread.start()
        assert second_started.wait(10)
        # Locked out: the second cannot read the row while this transaction holds it
        # (without the lock it reads 受理 at once and the test fails here).
        results["second_read_early"] = second_read.wait(1.0)

    try:
        with engines[0].connect() as conn:
            results["first"] = advance(conn, number, on_locked=while_locked)
        thread.join(30)
    finally:
        for engine in engines:
            engine.dispose()
    assert not thread.is_alive()
    assert results["second_read_early"] is False
    assert results["first"].status == "办理"
    assert results["second"].status == "办结", results["second"]
    steps = [s["step"] for s in api.get(f"{APPLICATIONS}/{number}").json()["timeline"]]
    assert steps == ["申请", "受理", "办理", "办结"]
