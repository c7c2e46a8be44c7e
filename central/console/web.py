"""What the console's pages share: the Jinja2 environment (autoescape on), who is asking
(the session cookie, checked on every request against `ops_sessions`), the CSRF check of
every POST, role checks, and the answers when they fail:

* no valid session: a page -> 303 to /ops/login; a JSON path under /ops/api/ -> 401;
* a role that may not see it -> 403 (a page saying so, or JSON under /ops/api/);
* a POST without the session's CSRF token -> 403.

Nothing here keeps state in the process: every worker answers every request the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import Connection

from central.console import present
from central.console.auth import LoggedIn, Viewer, csrf_ok, session_of
from central.db import Database
from central.timeutil import BEIJING, to_beijing, utcnow

COOKIE = "tongban_ops"
LOGIN = "/ops/login"
API = "/ops/api/"
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # No inline script or style: what a page shows cannot run (ops.js is a file of ours).
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
}

env = jinja2.Environment(
    loader=jinja2.PackageLoader("central.console", "templates"),
    autoescape=True,  # every {{ }} escaped: names, notes and logs come from outside
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(value: datetime | str | None, fmt: str = "%m-%d %H:%M:%S") -> str:
    """A stored naive UTC time (or an ISO string with its offset) in Beijing time."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    if moment.tzinfo is None:
        moment = to_beijing(moment)
    return moment.astimezone(BEIJING).strftime(fmt)


def _short_json(value: Any, limit: int = 160) -> str:
    if value in (None, {}, ""):
        return ""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _duration(seconds: Any) -> str:
    if not isinstance(seconds, int | float):
        return "—"
    s = int(seconds)
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    return (f"{days} 天 " if days else "") + f"{hours} 小时 {s // 60} 分"


env.filters["when"] = _when
env.filters["duration"] = _duration
env.filters["short_json"] = _short_json
env.filters["faults"] = present.faults
env.filters["status"] = present.status_of
env.globals.update(
    update_states=present.UPDATE_STATES,
    device_states=present.DEVICE_STATES,
    supplies=present.SUPPLIES,
    fault_names=present.FAULTS,
)


class LoginNeeded(Exception):
    """No valid session: 303 to the login page (401 under /ops/api/)."""


class Forbidden(Exception):
    """A valid session whose role may not do this: 403."""

    def __init__(self, why: str = "您的角色无权访问此页面 (forbidden for your role)") -> None:
        super().__init__(why)
        self.why = why


class Refused(Exception):
    """A request that cannot be done as asked (a bad value, an invalid document): 422."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class Missing(Exception):
    """No such thing (a terminal, a rollout, a hall): 404."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def now_of(request: Request) -> datetime:
    """central's clock, naive UTC (tests may put their own on app.state.clock)."""
    clock: Callable[[], datetime] = getattr(request.app.state, "clock", utcnow)
    return clock()


def run(request: Request, work: Callable[..., Any], *args: Any) -> Any:
    """`work(connection, *args)` on the request path (central.db.Database.run)."""
    db: Database = request.app.state.db
    return db.run(work, *args)


def logged_in(request: Request) -> LoggedIn:
    """The request's session (FastAPI dependency); LoginNeeded without a live one."""
    token = request.cookies.get(COOKIE)
    found: LoggedIn | None = run(request, session_of, token, now_of(request))
    if found is None:
        raise LoginNeeded()
    request.state.ops = found
    return found


def viewer(request: Request) -> Viewer:
    return logged_in(request).viewer


def admin(request: Request) -> Viewer:
    who = viewer(request)
    if who.role != "admin":
        raise Forbidden("仅运维管理员可访问 (admin only)")
    return who


def operator(request: Request) -> Viewer:
    """admin or regional: the fleet's pages (hall staff see their hall only)."""
    who = viewer(request)
    if who.role not in ("admin", "regional"):
        raise Forbidden()
    return who


async def posted(request: Request) -> dict[str, str]:
    """The POSTed form (application/x-www-form-urlencoded, parsed with the standard
    library), after the session and its CSRF token are checked: 403 without the token."""
    session = logged_in(request)
    body = (await request.body()).decode("utf-8", errors="replace")
    form = dict(parse_qsl(body, keep_blank_values=True))
    if not csrf_ok(session, form.get("csrf")):
        raise Forbidden("表单已失效，请刷新页面后重试 (CSRF token missing or wrong)")
    return form


def render(request: Request, template: str, status: int = 200, /, **context: Any) -> HTMLResponse:
    session: LoggedIn | None = getattr(request.state, "ops", None)
    text = env.get_template(template).render(
        viewer=session.viewer if session else None,
        csrf=session.csrf if session else "",
        path=request.url.path,
        **context,
    )
    return HTMLResponse(text, status_code=status, headers=HEADERS)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=HEADERS)


def json_answer(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=HEADERS)


async def on_login_needed(request: Request, _exc: Exception) -> Response:
    if request.url.path.startswith(API):
        return json_answer({"error": "login_required", "detail": "log in at /ops/login"}, 401)
    return see_other(LOGIN)


async def on_forbidden(request: Request, exc: Exception) -> Response:
    why = exc.why if isinstance(exc, Forbidden) else "forbidden"
    if request.url.path.startswith(API):
        return json_answer({"error": "forbidden", "detail": why}, 403)
    return render(request, "error.html", 403, title="无权访问", message=why)


async def on_missing(request: Request, exc: Exception) -> Response:
    why = exc.why if isinstance(exc, Missing) else "not found"
    if request.url.path.startswith(API):
        return json_answer({"error": "not_found", "detail": why}, 404)
    return render(request, "error.html", 404, title="未找到", message=why)


async def on_refused(request: Request, exc: Exception) -> Response:
    why = exc.why if isinstance(exc, Refused) else "refused"
    if request.url.path.startswith(API):
        return json_answer({"error": "validation_failed", "detail": why}, 422)
    return render(request, "error.html", 422, title="无法执行", message=why)


def tx_run(request: Request, work: Callable[..., Any], *args: Any) -> Any:
    """`work(connection, *args)` inside one write transaction: the action and its audit
    row commit together or not at all (central.audit)."""
    from central.db import transaction

    def inside(conn: Connection) -> Any:
        with transaction(conn):
            return work(conn, *args)

    return run(request, inside)
