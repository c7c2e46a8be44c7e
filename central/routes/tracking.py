"""办件查询 outside the terminal's own session (docs/casework.md §4).

* `GET /t/{number}?c=CHECK`: the public page the receipt's QR opens on a phone (HTML,
  Chinese, server-rendered with Jinja2's autoescape, a CSP without inline code, no-store),
  and `GET /t/{number}.json?c=CHECK`, the same as `PublicApplicationOut`. An unknown
  number and a wrong check code answer the very same 404. Both count in the shared rate
  windows per client address (central.limits.RATE_LIMITS: 30 a minute, 429 beyond).
* `GET /api/v1/applications/{number}/public?check=CHECK` (signed): the terminal's lookup
  without identifying. An old receipt's QR (`TONGBAN-APP:{number}`) carries no check, so
  `check` may be left out; such look-ups count per terminal, 30 an hour.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import Connection

from central.errors import ApiError, not_found
from central.routes.common import NOT_FOUND, SIGNED, with_connection
from central.routes.queue import now_of
from central.schemas import ErrorBody, PublicApplicationOut
from central.signing import SIGNED_OPERATION, SignedTerminal
from central.timeutil import BEIJING
from central.tracking_public import public_of

router = APIRouter(include_in_schema=False)        # /t/...: outside the API's prefix
api_router = APIRouter(tags=["signed"])            # mounted under /api/v1
WEB = files("central") / "web"
STATIC = {"track.css": "text/css; charset=utf-8"}
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    # The URL holds the check code: never sent on as a Referer.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "frame-ancestors 'none'; form-action 'none'; base-uri 'none'",
}
NOT_FOUND_DETAIL = "no such application, or the check code is not its code"
# Look-ups without a check code (old receipts), per terminal and hour.
UNCHECKED_PER_HOUR = 30
UNCHECKED_ROUTE = "GET /applications/{number}/public (no check)"

MODE_WORDS = {
    "全程网办": "全程网办：在线受理、审批，结果按约定方式送达",
    "异地代收": "异地代收：本地大厅收件，材料寄递至办理地受理",
    "多地联办": "多地联办：一次提交，由多地部门分别办理，全部办结即办结",
}
PART_WORDS = "子件"

env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(WEB)),
    autoescape=True,                 # every {{ }} escaped: item names and notes
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _beijing(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


env.filters["beijing"] = _beijing


@router.get("/t/static/{name}")
async def track_static(name: str) -> Response:
    if name not in STATIC:
        return Response("not found", status_code=404, headers=HEADERS)
    return Response((WEB / name).read_bytes(), media_type=STATIC[name],
                    headers={"Cache-Control": "max-age=300"})  # fmt: skip


def _lookup(request: Request, number: str, check: str) -> PublicApplicationOut | None:
    now = now_of(request)
    found: PublicApplicationOut | None = with_connection(request, public_of, number, check, now)
    return found


def _page(view: PublicApplicationOut | None) -> HTMLResponse:
    if view is None:
        text = env.get_template("track.html").render(view=None, title="未找到办件")
        return HTMLResponse(text, status_code=404, headers=HEADERS)
    parts = {p.seq: p for p in view.parts}
    text = env.get_template("track.html").render(
        view=view,
        title=f"{view.item_name} · 办件进度",
        mode_words=MODE_WORDS.get(view.mode, view.mode),
        parts=parts,
        part_words=PART_WORDS,
        done=view.status in ("办结", "送达", "归档"),
    )
    return HTMLResponse(text, headers=HEADERS)


# Registered first: /t/{number} would otherwise take "123.json" as a number.
@router.get("/t/{number}.json")
async def track_json(
    number: str, request: Request, c: Annotated[str, Query(max_length=64)] = ""
) -> JSONResponse:
    view = _lookup(request, number, c)
    if view is None:
        return JSONResponse(
            {"error": "not_found", "detail": NOT_FOUND_DETAIL}, status_code=404, headers=HEADERS
        )
    return JSONResponse(view.model_dump(mode="json"), headers=HEADERS)


@router.get("/t/{number}")
async def track_page(
    number: str, request: Request, c: Annotated[str, Query(max_length=64)] = ""
) -> HTMLResponse:
    """The receipt QR's page: the application's progress, the applicant masked."""
    return _page(_lookup(request, number, c))


def _count_unchecked(conn: Connection, terminal_id: str, now: datetime) -> None:
    """429 `rate_limited` past UNCHECKED_PER_HOUR look-ups without a check this hour."""
    from central.limits import count_request  # limits imports the routes, which import us

    aware = now if now.tzinfo else now.replace(tzinfo=UTC)
    epoch = int(aware.timestamp())
    window_start = epoch - epoch % 3600
    count = count_request(conn, f"terminal:{terminal_id}", UNCHECKED_ROUTE, window_start)
    if count > UNCHECKED_PER_HOUR:
        retry = window_start + 3600 - epoch
        raise ApiError(
            429,
            "rate_limited",
            f"over {UNCHECKED_PER_HOUR} look-ups without a check code an hour; "
            f"retry in {retry} s",
        )


_RATE: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorBody, "description": "rate_limited: over 30 look-ups without `check` "
          "by this terminal in this hour"},
}  # fmt: skip


@api_router.get(
    "/applications/{application_number}/public",
    openapi_extra=SIGNED_OPERATION,
    response_model=PublicApplicationOut,
    responses={**NOT_FOUND, **_RATE, **SIGNED},
)
async def public_application(
    application_number: str,
    request: Request,
    terminal: SignedTerminal,
    check: Annotated[str | None, Query(max_length=16)] = None,
) -> PublicApplicationOut:
    """An application's status and timeline for the terminal's 办件查询 without identifying:
    nothing personal but the masked applicant. A wrong `check` is 404 like an unknown
    number; without `check` (an old receipt) the look-up counts in the terminal's hourly
    window."""
    now = now_of(request)

    def work(conn: Connection) -> PublicApplicationOut | None:
        if check is None:
            _count_unchecked(conn, terminal.terminal_id, now)
        return public_of(conn, application_number, check, now)

    view = with_connection(request, work)
    if view is None:
        raise not_found(NOT_FOUND_DETAIL)
    return view
