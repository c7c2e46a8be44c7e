"""Rectification cases from the command line: the moves and their refusals, events and
audit entries, two moves at once, and `evaluation list|report|rule --json`."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from central_helpers import SignedApi, enroll
from evaluation_helpers import at, cli_json, evaluation, rate
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ops_helpers import audit_rows

from central.db import cli_connection
from central.rectification import RectificationError, act
from central.timeutil import utcnow

LIST_KEYS = {
    "case_number", "state", "level", "level_name", "reasons", "comment", "item_name",
    "service_id", "application_number", "hall", "region_code", "opened_at", "visit_due",
    "rectify_due", "due_estimated", "overdue",
}  # fmt: skip


def _case(api: SignedApi, app: FastAPI, when: str = "2026-11-02T09:00:00", **extra: Any) -> str:
    at(app, when)
    answer = rate(api, evaluation(extra.pop("level", 2), **extra))
    assert answer.status_code == 201, answer.text
    number: str = answer.json()["case_number"]
    return number


def _move(capsys: pytest.CaptureFixture[str], db_url: str, number: str, action: str,
          note: str = "已处理") -> tuple[int, Any]:  # fmt: skip
    return cli_json(capsys, db_url, "evaluation", "case", number, action, "--note", note,
                    "--actor", "张科长")  # fmt: skip


def test_the_moves_of_a_case_and_their_refusals(
    api: SignedApi, app: FastAPI, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    number = _case(api, app)
    for action in ("rectified", "uphold", "overturn"):  # not from 待回访
        status, out = _move(capsys, db_url, number, action)
        assert status == 2
        assert out["error"] == "bad_transition" and "待回访" in out["message"]
    path = [("visit", "整改中"), ("appeal", "申诉复核"), ("uphold", "整改中"),
            ("rectified", "已整改"), ("appeal", "申诉复核"), ("overturn", "已整改")]  # fmt: skip
    for action, state in path:
        status, out = _move(capsys, db_url, number, action, f"{action} 说明")
        assert status == 0, out
        assert out["state"] == state and out["case_number"] == number
    for action in ("visit", "rectified", "uphold", "overturn"):
        assert _move(capsys, db_url, number, action)[0] == 2
    events = out["events"]
    assert [e["action"] for e in events] == ["opened"] + [a for a, _ in path]
    assert [e["state"] for e in events[1:]] == [s for _, s in path]
    assert {e["actor"] for e in events[1:]} == {"张科长"}
    assert events[1]["note"] == "visit 说明"
    audited = audit_rows(app)
    moves = [(r.action, r.target, r.actor, r.detail["to"]) for r in audited
             if r.action.startswith("rectification_") and r.action != "rectification_rule"]  # fmt: skip
    assert moves == [(f"rectification_{a}", number, "张科长", s) for a, s in path]


def test_bad_requests_exit_2_with_a_clear_message(
    api: SignedApi, app: FastAPI, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    number = _case(api, app)
    cases = [
        (("evaluation", "case", "ZG20261102999999", "visit", "--note", "x"), "not_found"),
        (("evaluation", "case", number, "close", "--note", "x"), "invalid"),
        (("evaluation", "case", number, "visit", "--note", "  "), "invalid"),
        (("evaluation", "list", "--state", "已关闭"), "invalid"),
        (("evaluation", "list", "--region", "14x"), "invalid"),
        (("evaluation", "report", "--from", "2026-13-01"), "invalid"),
        (("evaluation", "report", "--from", "2026-12-02", "--to", "2026-12-01"), "invalid"),
        (("evaluation", "rule", "140500", "--visit-days", "5", "--rectify-days", "2"), "invalid"),
    ]
    for argv, reason in cases:
        status, out = cli_json(capsys, db_url, *argv)
        assert (status, out["error"]) == (2, reason), argv
        assert out["message"]
    capsys.readouterr()
    from central.cli import main

    assert main(["evaluation", "case", number, "overturn", "--note", "x", "--db", db_url]) == 2
    err = capsys.readouterr().err
    assert "bad_transition" in err and "Traceback" not in err


def test_two_moves_at_once_one_wins(api: SignedApi, app: FastAPI, db_url: str) -> None:
    """Two workers wait at a barrier, then make the same move on one case: exactly one
    succeeds, the other sees the state the winner left (bad_transition), one event."""
    for before, action in (([], "visit"), (["visit"], "rectified")):
        number = _case(api, app)
        for done in before:
            act_on(db_url, number, done)
        barrier = threading.Barrier(2)
        results: list[str] = []

        def move(action: str, number: str = number, barrier: threading.Barrier = barrier,
                 results: list[str] = results) -> None:
            with cli_connection(db_url) as conn:
                barrier.wait(timeout=10)
                try:
                    act(conn, number, action, "并发", "worker", utcnow())
                    results.append("ok")
                except RectificationError as err:
                    results.append(err.reason)

        threads = [threading.Thread(target=move, args=(action,)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert sorted(results) == ["bad_transition", "ok"]
        with cli_connection(db_url) as conn:
            from central.rectification import case_detail

            found = case_detail(conn, number)
        assert found is not None
        assert [e["actor"] for e in found["events"]].count("worker") == 1


def act_on(db_url: str, number: str, action: str) -> dict[str, Any]:
    with cli_connection(db_url) as conn:
        return act(conn, number, action, "说明", "tester", utcnow())


def test_list_filters_and_overdue(
    client: TestClient, api: SignedApi, app: FastAPI, db_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    county = enroll(client, app, region="140525")
    elsewhere = enroll(client, app, region="410800")
    a = _case(api, app, "2026-11-02T09:00:00", item_code="11140500MB1947036N4000111001",
              comment="排队太久", reasons=["slow", "many_visits"])  # fmt: skip
    b = _case(county, app, "2026-11-03T09:00:00", level=1)
    c = _case(elsewhere, app, "2026-11-04T09:00:00")
    rate(api, evaluation(5))  # no case
    act_on(db_url, b, "visit")
    status, rows = cli_json(capsys, db_url, "evaluation", "list", "--today", "2026-11-03")
    assert status == 0
    assert [r["case_number"] for r in rows] == [c, b, a]
    assert all(set(r) == LIST_KEYS for r in rows)
    first = rows[2]
    assert first["level_name"] == "不满意" and first["reasons"] == ["slow", "many_visits"]
    assert first["item_name"] == "城乡居民基本养老保险参保登记" and first["comment"] == "排队太久"
    assert (first["hall"], first["region_code"]) == ("晋城市政务服务中心", "140500")
    assert (first["visit_due"], first["rectify_due"]) == ("2026-11-03", "2026-11-23")
    assert first["opened_at"] == "2026-11-02T09:00:00+08:00"
    # On 11-03 nothing is late yet (the visit is due that day).
    assert [r["overdue"] for r in rows] == [False, False, False]
    city = cli_json(capsys, db_url, "evaluation", "list", "--region", "140500", "--today", "2026-11-03")[1]
    assert [r["case_number"] for r in city] == [b, a]  # 140525 is under 140500
    county_only = cli_json(capsys, db_url, "evaluation", "list", "--region", "140525")[1]
    assert [r["case_number"] for r in county_only] == [b]
    by_state = cli_json(capsys, db_url, "evaluation", "list", "--state", "整改中")[1]
    assert [r["case_number"] for r in by_state] == [b]
    # 11-04: a's visit is late (待回访); b is 整改中 with its rectification not yet due.
    late = cli_json(capsys, db_url, "evaluation", "list", "--overdue", "--today", "2026-11-04")[1]
    assert [r["case_number"] for r in late] == [a]
    # 11-25: past a's and b's rectification deadline (b: 15 working days from 11-03).
    late = cli_json(capsys, db_url, "evaluation", "list", "--overdue", "--today", "2026-11-25")[1]
    assert [r["case_number"] for r in late] == [c, b, a]
    act_on(db_url, a, "visit")
    act_on(db_url, a, "rectified")  # 已整改 is never overdue
    late = cli_json(capsys, db_url, "evaluation", "list", "--overdue", "--today", "2026-11-25")[1]
    assert [r["case_number"] for r in late] == [c, b]


def test_report_and_rule(
    client: TestClient, api: SignedApi, app: FastAPI, db_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    elsewhere = enroll(client, app, region="410800")
    empty = cli_json(capsys, db_url, "evaluation", "report")[1]
    assert empty == {"total": 0, "by_level": {"5": 0, "4": 0, "3": 0, "2": 0, "1": 0},
                     "satisfaction_rate": None, "cases": {"待回访": 0, "整改中": 0, "已整改": 0,
                                                          "申诉复核": 0}, "overdue": 0}  # fmt: skip
    at(app, "2026-11-02T23:30:00")  # Beijing 11-02 late evening
    for level in (5, 5, 4, 3):
        assert rate(api, evaluation(level)).status_code == 201
    a = _case(api, app, "2026-11-02T23:59:00", level=1)
    _case(api, app, "2026-11-03T00:00:00", level=2)
    _case(elsewhere, app, "2026-11-02T10:00:00", level=2)
    act_on(db_url, a, "visit")
    status, all_of = cli_json(capsys, db_url, "evaluation", "report", "--today", "2026-11-04")
    assert status == 0
    assert all_of["total"] == 7
    assert all_of["by_level"] == {"5": 2, "4": 1, "3": 1, "2": 2, "1": 1}
    assert all_of["satisfaction_rate"] == round(4 / 7, 4)
    assert all_of["cases"] == {"待回访": 2, "整改中": 1, "已整改": 0, "申诉复核": 0}
    assert all_of["overdue"] == 1  # 410800's 11-02 case; the 11-03 one is due on 11-04
    day = cli_json(capsys, db_url, "evaluation", "report", "--region", "140500",
                   "--from", "2026-11-02", "--to", "2026-11-02")[1]  # fmt: skip
    assert day["total"] == 5 and day["by_level"]["1"] == 1 and day["by_level"]["2"] == 0
    assert day["satisfaction_rate"] == 0.8
    status, rule = cli_json(capsys, db_url, "evaluation", "rule", "140500",
                            "--visit-days", "2", "--rectify-days", "10")  # fmt: skip
    assert (status, rule) == (0, {"region_code": "140500", "visit_workdays": 2, "rectify_workdays": 10})
    assert cli_json(capsys, db_url, "evaluation", "rule", "140500", "--visit-days", "3",
                    "--rectify-days", "12")[0] == 0  # an update  # fmt: skip
    number = _case(api, app, "2026-11-02T09:00:00")
    row = next(r for r in cli_json(capsys, db_url, "evaluation", "list")[1] if r["case_number"] == number)
    assert (row["visit_due"], row["rectify_due"]) == ("2026-11-05", "2026-11-18")
    assert [r.target for r in audit_rows(app, "rectification_rule")] == ["140500", "140500"]
