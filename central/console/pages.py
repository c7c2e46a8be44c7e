"""The console's login and fleet pages: log in / out, the fleet overview (and its JSON for
the auto-refresh), a terminal's page, its remote operations and its pulled logs.

Each page asks for the session and the role it needs (central.console.web); a terminal of
another region is 403 for a regional user, as if it were any other forbidden page. Every
POST is CSRF-checked and writes the audit log in the action's own transaction.
"""

from __future__ import annotations

import hashlib
import json
from importlib.resources import files
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Connection, Table, select

from central import audit
from central.console import sources
from central.console.auth import LoggedIn, Viewer, log_in, log_out, login_allowed, session_of
from central.console.present import (
    COMMAND_STATES,
    COMMANDS,
    DEVICE_NAMES,
    overview,
    terminal_row,
)
from central.console.web import (
    COOKIE,
    Forbidden,
    Missing,
    Refused,
    json_answer,
    now_of,
    operator,
    posted,
    render,
    run,
    see_other,
    tx_run,
    viewer,
)
from central.models import Region

router = APIRouter(prefix="/ops", include_in_schema=False)
STATIC = files("central.console") / "static"
STATIC_TYPES = {"ops.css": "text/css; charset=utf-8", "ops.js": "text/javascript; charset=utf-8"}
regions_t: Table = Region.__table__  # type: ignore[assignment]
SESSION_COOKIE_S = 8 * 3600


@router.get("/static/{name}")
async def static(name: str) -> Response:
    if name not in STATIC_TYPES:
        return Response("not found", status_code=404)
    return Response((STATIC / name).read_bytes(), media_type=STATIC_TYPES[name],
                    headers={"Cache-Control": "max-age=300"})  # fmt: skip


@router.get("/login")
async def login_page(request: Request) -> Response:
    """The login form; someone with a live session goes on to their home page."""
    token = request.cookies.get(COOKIE)
    if token and run(request, session_of, token, now_of(request)) is not None:
        return see_other("/ops/")
    return render(request, "login.html", title="登录", message="", name="")


@router.post("/login")
async def login_submit(request: Request) -> Response:
    """No session (and so no CSRF token) yet: SameSite=Strict and the login rate limit
    guard this one form."""
    from urllib.parse import parse_qsl

    form = dict(parse_qsl((await request.body()).decode("utf-8", errors="replace")))
    name, password = form.get("name", "").strip()[:40], form.get("password", "")[:200]
    now = now_of(request)
    client = request.client.host if request.client else "-"
    wait = run(request, login_allowed, client, name, now)
    if wait is not None:
        message = f"登录尝试过多，请 {wait} 秒后再试 (rate limited)"
        return render(request, "login.html", 429, title="登录", message=message, name=name)
    found = run(request, log_in, name, password, now)
    if found is None:
        message = "用户名或密码不正确，或账号已停用"
        return render(request, "login.html", 401, title="登录", message=message, name=name)
    token, _session = found
    run(request, lambda conn: audit.record(conn, name, "ops_login", name, {}, at=now))
    answer = see_other("/ops/")
    answer.set_cookie(
        COOKIE, token, max_age=SESSION_COOKIE_S, path="/ops", httponly=True,
        samesite="strict", secure=request.url.scheme == "https",
    )  # fmt: skip
    return answer


@router.post("/logout")
async def logout(request: Request, form: Annotated[dict[str, str], Depends(posted)]) -> Response:
    session: LoggedIn = request.state.ops
    run(request, log_out, session)
    answer = see_other("/ops/login")
    answer.delete_cookie(COOKIE, path="/ops")
    return answer


@router.get("")
@router.get("/")
async def home(who: Annotated[Viewer, Depends(viewer)]) -> Response:
    if who.role == "hall_staff":
        return see_other(f"/ops/halls/{who.hall_code}")
    return see_other("/ops/fleet")


def _region_names(conn: Connection) -> dict[str, str]:
    return {r.code: r.name for r in conn.execute(select(regions_t.c.code, regions_t.c.name))}


def _fleet(request: Request, who: Viewer) -> dict[str, Any]:
    now = now_of(request)

    def work(conn: Connection) -> dict[str, Any]:
        rows = [r for r in sources.fleet_list(conn, now) if who.sees_region(r.get("region"))]
        return overview(rows, _region_names(conn))

    result: dict[str, Any] = run(request, work)
    return result


@router.get("/fleet")
async def fleet_page(request: Request, who: Annotated[Viewer, Depends(operator)]) -> Response:
    return render(request, "fleet.html", title="终端总览", fleet=_fleet(request, who))


@router.get("/api/fleet")
async def fleet_api(request: Request, who: Annotated[Viewer, Depends(operator)]) -> Response:
    return json_answer(_fleet(request, who))


def _terminal(request: Request, who: Viewer, terminal_id: str) -> dict[str, Any]:
    """The terminal's detail, 404 when unknown, 403 when outside the viewer's region."""
    now = now_of(request)
    try:
        detail = run(request, sources.terminal_detail, terminal_id, now)
    except sources.UnknownTerminal:
        raise Missing(f"没有终端 {terminal_id} (unknown terminal)") from None
    if not who.sees_region(detail.get("region")):
        raise Forbidden("该终端不在您的区域 (outside your region)")
    return dict(detail)


@router.get("/terminals/{terminal_id}")
async def terminal_page(
    request: Request, terminal_id: str, who: Annotated[Viewer, Depends(operator)]
) -> Response:
    detail = _terminal(request, who, terminal_id)
    commands = detail.get("commands") or []
    queued = request.query_params.get("queued", "")
    return render(
        request, "terminal.html", title=f"终端 {terminal_id}", t=detail, commands=commands,
        device_names=DEVICE_NAMES, command_names=COMMANDS, command_states=COMMAND_STATES,
        request_queued=queued if queued.isdigit() else "", stamp=_stamp(detail),
    )  # fmt: skip


def _stamp(detail: dict[str, Any]) -> str:
    """What the terminal page shows, in 16 hex: the page reloads itself when it changes
    (a new health digest, a command's state, online or not)."""
    history = detail.get("history") or [{}]
    seen = (
        history[0].get("digest"),
        detail.get("online"),
        detail.get("maintenance"),
        [(c["id"], c["state"]) for c in detail.get("commands") or []],
    )
    return hashlib.sha256(json.dumps(seen, default=str).encode()).hexdigest()[:16]


@router.get("/api/terminals/{terminal_id}")
async def terminal_api(
    request: Request, terminal_id: str, who: Annotated[Viewer, Depends(operator)]
) -> Response:
    """The terminal's row as the overview shows it, and the page's stamp (its refresh)."""
    detail = _terminal(request, who, terminal_id)
    return json_answer({**terminal_row(detail), "stamp": _stamp(detail)})


@router.post("/terminals/{terminal_id}/commands")
async def terminal_command(
    request: Request,
    terminal_id: str,
    form: Annotated[dict[str, str], Depends(posted)],
    who: Annotated[Viewer, Depends(operator)],
) -> Response:
    """Queue a remote operation (central.fleet_commands checks it, gives maintenance_on the
    hall's phone and writes the audit entry in this transaction)."""
    _terminal(request, who, terminal_id)
    kind = form.get("kind", "")
    if kind not in COMMANDS:
        raise Refused(f"未知操作 {kind!r} (unknown command)")
    args: dict[str, Any] = {}
    if kind == "pull_log":
        hours = form.get("hours", "2").strip()
        args["hours"] = int(hours) if hours.isdigit() else hours
    elif kind == "maintenance_on" and form.get("note", "").strip():
        args["note"] = form["note"].strip()
    now = now_of(request)
    try:
        command_id = tx_run(request, sources.queue_command, terminal_id, kind, args, who.name, now)
    except sources.CommandInvalid as err:
        raise Refused(f"操作参数不正确 (invalid): {err}") from None
    return see_other(f"/ops/terminals/{terminal_id}?queued={command_id}")


@router.get("/terminals/{terminal_id}/commands/{command_id}/log")
async def pulled_log(
    request: Request, terminal_id: str, command_id: int, who: Annotated[Viewer, Depends(operator)]
) -> Response:
    """A pulled (masked) log; each view is written to the audit log."""
    _terminal(request, who, terminal_id)
    now = now_of(request)

    def work(conn: Connection) -> dict[str, Any] | None:
        command = sources.command_detail(conn, command_id)
        if command is None or command["terminal_id"] != terminal_id or command.get("log") is None:
            return None
        detail = {"command_id": command_id, "bytes": len(command["log"].encode("utf-8"))}
        audit.record(conn, who.name, "log_view", terminal_id, detail, at=now)
        return command

    command = tx_run(request, work)
    if command is None:
        raise Missing("该命令没有日志 (no log)")
    return render(request, "log.html", title=f"终端 {terminal_id} 日志 #{command_id}",
                  terminal_id=terminal_id, command_id=command_id, text=command["log"],
                  finished_at=command.get("finished_at"))  # fmt: skip
