"""The console's 好差评 pages (docs/casework.md §8): the figures and the rectification cases
(`/ops/evaluations`, filtered by state and overdue), one case with its evaluation, its
events and the moves it allows as forms (`/ops/evaluations/{case_number}`).

Operations staff see every case; a regional operator the cases of their region and those
under it (a case elsewhere is 404 to them, as if it did not exist); hall staff none. A
move is CSRF-checked and goes through central.rectification.act, which writes the event
and the audit entry in its own write transaction under the viewer's name.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from central.console.auth import Viewer
from central.console.web import Missing, Refused, now_of, operator, posted, render, run, see_other
from central.rectification import (
    ACTION_NAMES,
    REASON_NAMES,
    STATES,
    RectificationError,
    act,
    case_detail,
    list_cases,
    report,
)
from central.schemas import LEVEL_NAMES
from central.timeutil import to_beijing

router = APIRouter(prefix="/ops", include_in_schema=False)
MOVES = ("visit", "rectified", "appeal", "uphold", "overturn")
MOVE_BUTTONS = {
    "visit": "登记回访", "rectified": "确认整改完成", "appeal": "提起申诉复核",
    "uphold": "维持差评（继续整改）", "overturn": "撤销差评",
}  # fmt: skip


def _today(request: Request) -> date:
    return to_beijing(now_of(request)).date()


def _scope(who: Viewer) -> str | None:
    """The region filter a viewer's role imposes (None: everything)."""
    return None if who.role == "admin" else who.region_code or "00"


def _sees(who: Viewer, case: dict[str, Any]) -> bool:
    return who.sees_region(case["region_code"])


def _context() -> dict[str, Any]:
    return {"reason_names": REASON_NAMES, "level_names": LEVEL_NAMES, "states": STATES,
            "action_names": ACTION_NAMES, "move_buttons": MOVE_BUTTONS}  # fmt: skip


@router.get("/evaluations")
async def evaluations_page(
    request: Request, who: Annotated[Viewer, Depends(operator)]
) -> Response:
    state = request.query_params.get("state") or None
    if state is not None and state not in STATES:
        state = None
    overdue = request.query_params.get("overdue") == "1"
    today = _today(request)
    region = _scope(who)
    cases = run(request, lambda conn: list_cases(conn, region, state, overdue, today))
    figures = run(request, lambda conn: report(conn, region, None, None, today))
    return render(request, "evaluations.html", title="好差评与整改", cases=cases, figures=figures,
                  state=state or "", overdue=overdue, today=today.isoformat(), **_context())  # fmt: skip


def _visible_case(request: Request, who: Viewer, case_number: str) -> dict[str, Any]:
    today = _today(request)
    found: dict[str, Any] | None = run(request, lambda conn: case_detail(conn, case_number, today))
    if found is None or not _sees(who, found):
        raise Missing(f"没有整改工单 {case_number[:40]}")
    return found


@router.get("/evaluations/{case_number}")
async def case_page(
    case_number: str, request: Request, who: Annotated[Viewer, Depends(operator)]
) -> Response:
    case = _visible_case(request, who, case_number)
    return render(request, "evaluation_case.html", title=f"整改工单 {case['case_number']}",
                  case=case, done=request.query_params.get("done", ""), **_context())  # fmt: skip


@router.post("/evaluations/{case_number}")
async def case_move(
    case_number: str,
    request: Request,
    who: Annotated[Viewer, Depends(operator)],
    form: Annotated[dict[str, str], Depends(posted)],
) -> Response:
    _visible_case(request, who, case_number)
    action = form.get("action", "")
    if action not in MOVES:
        raise Refused(f"未知的操作 {action[:20]!r}")
    note = form.get("note", "").strip()
    if not note:
        raise Refused("请填写处理说明 (a note is required)")
    now = now_of(request)
    try:
        run(request, lambda conn: act(conn, case_number, action, note[:500], who.name, now))
    except RectificationError as err:
        if err.reason == "bad_transition":
            raise Refused(f"工单当前状态不允许此操作，可能已被他人处理 ({err.message})") from err
        raise Refused(err.message) from err
    return see_other(f"/ops/evaluations/{case_number}?done={action}")
