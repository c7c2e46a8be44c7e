"""The hall's public pages (docs/hall-day.md): the display, the window page, a ticket's
page (the ticket QR's follow URL), and what they read: the hall's state, its events
(long-poll, live across worker processes: central.livefeed) and each call spoken
(central.call_audio). Plain HTML/JS/CSS from central/web/, no build step.

Nothing here shows a citizen's name or ID: tickets are labels, windows and categories.
The window page's actions need a clerk's cookie (central.queue_staff); the ticket page
needs the link's check (an HMAC), so labels cannot be enumerated.
"""

from __future__ import annotations

import html
import os
from importlib.resources import files
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Connection, select
from starlette.concurrency import run_in_threadpool

from central.call_audio import AudioError, call_text, render_wav
from central.errors import ApiError
from central.livefeed import events_t, feed_of
from central.queue import render_ticket, ticket_by_label
from central.queue_base import HallInfo, QueueError, load_hall, page_secret, ticket_check
from central.queue_calls import call_next, finish, hall_status, recall, skip, transfer
from central.queue_staff import COOKIE, COOKIE_SECONDS, Clerk, log_in, make_cookie, read_cookie
from central.routes.common import with_connection
from central.routes.queue import cached_hall, now_of
from central.timeutil import to_beijing

router = APIRouter(include_in_schema=False)
WEB = files("central") / "web"
STATIC = {
    "hall.css": "text/css; charset=utf-8",
    "display.js": "text/javascript; charset=utf-8",
    "window.js": "text/javascript; charset=utf-8",
}
LONG_POLL_S = 20.0
ACTIONS = ("call", "recall", "skip", "finish", "transfer")


class LoginIn(BaseModel):
    login: Annotated[str, Field(min_length=1, max_length=40)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


class ActionIn(BaseModel):
    category: Annotated[str | None, Field(default=None, pattern=r"^[A-Z]$")] = None


def _run(request: Request, work: Any, *args: Any) -> Any:
    try:
        return with_connection(request, work, *args)
    except QueueError as err:
        raise ApiError(err.status, err.reason, err.message) from None


def _hall(request: Request, conn: Connection, code: str) -> HallInfo:
    return cached_hall(request, conn, code.strip().upper(), load_hall)


def _page(name: str, hall: HallInfo) -> HTMLResponse:
    text = (WEB / name).read_text(encoding="utf-8")
    text = text.replace("{{hall_name}}", html.escape(hall.name)).replace(
        "{{hall}}", html.escape(hall.code)
    )
    return HTMLResponse(text, headers={"Cache-Control": "no-store"})


@router.get("/hall/static/{name}")
async def hall_static(name: str) -> Response:
    if name not in STATIC:
        raise ApiError(404, "not_found", "no such file")
    return Response((WEB / name).read_bytes(), media_type=STATIC[name])


@router.get("/hall/{code}/display")
async def display_page(code: str, request: Request) -> HTMLResponse:
    return _page("display.html", _run(request, load_hall, code))


@router.get("/hall/{code}/window")
async def window_page(code: str, request: Request) -> HTMLResponse:
    return _page("window.html", _run(request, load_hall, code))


@router.get("/hall/{code}/state")
async def hall_state(code: str, request: Request) -> dict[str, Any]:
    def work(conn: Connection) -> dict[str, Any]:
        return hall_status(conn, _hall(request, conn, code), now_of(request))

    return dict(_run(request, work))


@router.get("/hall/{code}/events")
async def hall_events(
    code: str,
    request: Request,
    after: Annotated[int, Query(ge=0)] = 0,
    timeout: Annotated[float, Query(ge=0, le=60)] = LONG_POLL_S,
) -> JSONResponse:
    """The hall's events after `after`, waiting up to `timeout` s for the first."""
    hall: HallInfo = _run(request, lambda conn: _hall(request, conn, code))
    rows = await feed_of(request.app.state).wait(hall.code, after, timeout, request.is_disconnected)
    events = [
        {
            "id": r.id,
            "kind": r.kind,
            "at": to_beijing(r.at).isoformat(timespec="seconds"),
            "data": r.data,
        }
        for r in rows
    ]
    body = {"events": events, "last": events[-1]["id"] if events else after}
    # Which worker process answered: tests show a change made elsewhere wakes each of them.
    return JSONResponse(body, headers={"X-Worker-Pid": str(os.getpid())})


@router.get("/hall/{code}/calls/{event_id}.wav")
async def call_audio(code: str, event_id: int, request: Request) -> Response:
    """The call of event `event_id` spoken (请A001号到3号窗口办理)."""

    def work(conn: Connection) -> Any:
        return conn.execute(
            select(events_t.c.kind, events_t.c.data).where(
                events_t.c.id == event_id, events_t.c.hall_code == code.upper()
            )
        ).first()

    row = _run(request, work)
    if row is None or row.kind not in ("call", "recall"):
        raise ApiError(404, "not_found", "no such call")
    text = call_text(str(row.data["label"]), int(row.data["window"]))
    try:
        audio = await run_in_threadpool(render_wav, text)
    except AudioError as err:  # the display shows the call anyway
        raise ApiError(503, "internal", str(err)) from None
    return Response(audio, media_type="audio/wav", headers={"Cache-Control": "max-age=86400"})


STATUS_WORDS = {
    "waiting": "等候中",
    "called": "请到窗口办理",
    "done": "已办结",
    "skipped": "已过号",
    "transferred": "已转号",
}


@router.get("/hall/{code}/ticket/{label}")
async def ticket_page(
    code: str, label: str, request: Request, c: Annotated[str, Query(max_length=64)] = ""
) -> HTMLResponse:
    """A ticket's place in the queue (the ticket QR's link; `c` is its check)."""

    def work(conn: Connection) -> dict[str, Any] | None:
        hall = load_hall(conn, code)
        now = now_of(request)
        row = ticket_by_label(conn, hall, label, now)
        if row is None or c != ticket_check(page_secret(conn, now), hall.code, row.day, row.label):
            return None
        return render_ticket(conn, hall, row, now, "")

    ticket = _run(request, work)
    if ticket is None:
        raise ApiError(404, "not_found", "no such ticket today (or the link is not whole)")
    words = STATUS_WORDS.get(ticket["status"], ticket["status"])
    if ticket["status"] == "called" and ticket["window"]:
        words = f"请到 {ticket['window']} 号窗口办理"
    wait = ticket["estimated_wait_minutes"]
    wait_text = "离线取号，暂无法估算" if wait is None else f"约 {wait} 分钟"
    ahead = (
        f"<p class='big'>前面还有 <b>{ticket['people_ahead']}</b> 人</p><p>预计等候：{wait_text}</p>"
        if ticket["status"] == "waiting"
        else ""
    )
    page = (WEB / "ticket.html").read_text(encoding="utf-8")
    for key, value in {
        "hall_name": html.escape(ticket["hall_name"]),
        "label": html.escape(ticket["label"]),
        "category_name": html.escape(ticket["category_name"]),
        "status": html.escape(words),
        "status_class": "st-" + html.escape(ticket["status"]),
        "ahead": ahead,
    }.items():
        page = page.replace("{{" + key + "}}", value)
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


@router.post("/hall/{code}/login")
async def staff_login(code: str, body: LoginIn, request: Request) -> JSONResponse:
    hall: HallInfo = _run(request, load_hall, code)
    db = request.app.state.db
    # scrypt takes tens of milliseconds: off the event loop.
    clerk = await run_in_threadpool(db.run, log_in, hall, body.login, body.password)
    if clerk is None:
        raise ApiError(401, "bad_request", "登录名或密码不正确")
    cookie = _run(request, make_cookie, clerk, now_of(request))
    response = JSONResponse({"name": clerk.name, "login": clerk.login, "hall": hall.code})
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=COOKIE_SECONDS,
        httponly=True,
        samesite="strict",
        path=f"/hall/{hall.code}",
    )
    return response


@router.post("/hall/{code}/logout")
async def staff_logout(code: str) -> JSONResponse:
    response = JSONResponse({"ok": True})
    response.delete_cookie(COOKIE, path=f"/hall/{code.upper()}")
    return response


def _clerk(request: Request, code: str, cookie: str | None) -> Clerk:
    clerk: Clerk | None = _run(request, read_cookie, cookie, code.upper(), now_of(request))
    if clerk is None:
        raise ApiError(401, "missing_signature", "请先登录")
    return clerk


@router.get("/hall/{code}/me")
async def staff_me(
    code: str, request: Request, tongban_staff: Annotated[str | None, Cookie()] = None
) -> dict[str, Any]:
    clerk = _clerk(request, code, tongban_staff)
    return {"name": clerk.name, "login": clerk.login, "hall": clerk.hall}


@router.post("/hall/{code}/window/{window}/{action}")
async def window_action(
    code: str,
    window: int,
    action: str,
    request: Request,
    body: ActionIn | None = None,
    tongban_staff: Annotated[str | None, Cookie()] = None,
) -> dict[str, Any]:
    """A clerk's action at their window (call, recall, skip, finish, transfer)."""
    _clerk(request, code, tongban_staff)
    if action not in ACTIONS:
        raise ApiError(404, "not_found", "no such action")
    category = body.category if body else None

    def work(conn: Connection) -> dict[str, Any]:
        hall, now = _hall(request, conn, code), now_of(request)
        if action == "call":
            return call_next(conn, hall, window, now)
        if action == "recall":
            return recall(conn, hall, window, now)
        if action == "skip":
            return skip(conn, hall, window, now)
        if action == "finish":
            return finish(conn, hall, window, now)
        if not category:
            raise QueueError("validation_failed", "转号需要选择类别", 422)
        return transfer(conn, hall, window, category, now)

    return dict(_run(request, work))
