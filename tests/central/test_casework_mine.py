"""A citizen's own applications (docs/casework.md §4): POST /applications/mine (as
applicant and as 代办人, newest first, what is still to do) and `pending` in the person
context."""

from __future__ import annotations

from typing import Any

from casework_helpers import HALL, PICKUP, agent, collect, filed, lost_deed, step
from central_bodies import pension
from central_helpers import LI_SI, WANG_WU, ZHANG_SAN, SignedApi
from fastapi import FastAPI

MINE = "/api/v1/applications/mine"
CONTEXT = "/api/v1/persons/context"


def _mine(api: SignedApi, person: tuple[str, str]) -> list[dict[str, Any]]:
    response = api.post(MINE, {"id_number": person[0], "name": person[1]})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["applications"]
    return found


def _pending(api: SignedApi, person: tuple[str, str]) -> list[dict[str, Any]]:
    response = api.post(CONTEXT, {"id_number": person[0], "name": person[1]})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["pending"]
    return found


def test_mine_lists_own_and_filed_as_agent_newest_first(api: SignedApi) -> None:
    own = filed(api, pension(ZHANG_SAN))
    for_li = pension(LI_SI)
    for_li["agent"] = agent(ZHANG_SAN)
    as_agent = filed(api, for_li)
    found = _mine(api, ZHANG_SAN)
    assert [(a["application_number"], a["role"], a["applicant_masked"]) for a in found] == [
        (as_agent["application_number"], "agent", "李*"),
        (own["application_number"], "applicant", "张*"),
    ]
    # Each is the whole ApplicationOut plus role, applicant_masked and todo.
    plain = {k: v for k, v in found[1].items() if k not in ("role", "applicant_masked", "todo")}
    assert plain == own
    assert [a["role"] for a in _mine(api, LI_SI)] == ["applicant"]


def test_mine_needs_the_name_as_well(api: SignedApi) -> None:
    filed(api, pension(ZHANG_SAN))
    assert _mine(api, (ZHANG_SAN[0], "张三丰")) == []
    assert _mine(api, WANG_WU) == []


def test_todo_says_what_is_left(api: SignedApi, app: FastAPI) -> None:
    picked = filed(api, collect(ZHANG_SAN, PICKUP))["application_number"]
    posted = filed(api, collect(ZHANG_SAN))["application_number"]
    deed = filed(api, lost_deed(ZHANG_SAN))["application_number"]
    todo = {a["application_number"]: a["todo"] for a in _mine(api, ZHANG_SAN)}
    assert todo[picked] == "" and todo[posted] == ""
    assert todo[deed] == "办结后请到高平市政务服务中心不动产登记窗口领取结果（到现场1次）"
    for number in (picked, posted):
        for n in range(5):   # 形式审查, 寄递, 属地受理, 办结, 送达
            number_for_post = "SF100" if n == 1 else None
            last = "EMS200" if number == posted and n == 4 else None
            step(app, number, tracking_number=number_for_post or last)
    todo = {a["application_number"]: a["todo"] for a in _mine(api, ZHANG_SAN)}
    assert todo[picked] == f"请到{HALL}领取结果"
    assert todo[posted] == "请留意快递（单号EMS200）"


def test_pending_lists_what_is_not_done_yet(api: SignedApi, app: FastAPI) -> None:
    first = filed(api, pension(ZHANG_SAN))
    second = filed(api, collect(ZHANG_SAN))
    pending = _pending(api, ZHANG_SAN)
    assert [(p["application_number"], p["item_code"], p["status"]) for p in pending] == [
        (second["application_number"], second["item_code"], "收件"),
        (first["application_number"], first["item_code"], "受理"),
    ]
    assert pending[0]["submitted_at"] == "2026-11-23T09:30:00+08:00"
    step(app, first["application_number"])   # 办理: still pending
    step(app, first["application_number"])   # 办结: done
    assert [p["application_number"] for p in _pending(api, ZHANG_SAN)] == [
        second["application_number"]
    ]
    assert _pending(api, (ZHANG_SAN[0], "张三丰")) == []
    assert _pending(api, LI_SI) == []
