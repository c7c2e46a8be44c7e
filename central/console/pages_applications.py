"""The console's application pages (docs/casework.md §5): find an application by its
number, see it as staff do (central.case_view: applicant and agent masked, the delivery
address masked, the chain of custody with its hashes shortened, 多地联办's parts, the
evidence pages by hash), and view one page.

A page's bytes are served only by `/ops/applications/{number}/evidence/{page}`, which
writes the `evidence.view` audit entry (the operator as actor) in the same transaction
as the read, and is never cached. A regional operator sees the applications received or
handled in their region only (403 otherwise, as for a terminal of another region).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Connection, Table, or_, select

from central.case_view import case_of
from central.console.auth import Viewer, region_prefix
from central.console.web import (
    HEADERS,
    Forbidden,
    Missing,
    now_of,
    operator,
    render,
    run,
    see_other,
)
from central.evidence import page_content
from central.models import Application

router = APIRouter(prefix="/ops", include_in_schema=False)
_apps = cast(Table, Application.__table__)
_NUMBER = re.compile(r"[0-9]{14,32}")
RECENT = 30
# A page's JPEG: shown as an image, never stored by the browser or a proxy.
IMAGE_HEADERS = {**HEADERS, "Content-Security-Policy": "default-src 'none'; "
                 "frame-ancestors 'none'", "Content-Disposition": "inline"}  # fmt: skip


def _sees(who: Viewer, region_received: str, region_handling: str) -> bool:
    return who.sees_region(region_received) or who.sees_region(region_handling)


def _recent(conn: Connection, who: Viewer) -> list[dict[str, Any]]:
    """The newest applications the viewer may see."""
    query = select(
        _apps.c.number, _apps.c.item_name, _apps.c.status, _apps.c.mode,
        _apps.c.region_received, _apps.c.region_handling, _apps.c.submitted_at,
    ).where(_apps.c.number.is_not(None))  # fmt: skip
    if who.role != "admin":
        prefix = region_prefix(who.region_code or "--") + "%"
        query = query.where(
            or_(_apps.c.region_received.like(prefix), _apps.c.region_handling.like(prefix))
        )
    rows = conn.execute(query.order_by(_apps.c.id.desc()).limit(RECENT)).mappings()
    return [dict(r) for r in rows]


@router.get("/applications")
async def applications_page(
    request: Request, who: Annotated[Viewer, Depends(operator)]
) -> Response:
    """Search by 办件编号 (a found one opens its page) and the newest applications."""
    number = request.query_params.get("number", "").strip()[:40]
    message = ""
    if number:
        if not _NUMBER.fullmatch(number):
            message = "办件编号为 14–32 位数字 (not an application number)"
        else:
            case = run(request, case_of, number)
            if case is None:
                message = f"没有办件 {number} (no such application)"
            elif not _sees(who, case["region_received"], case["region_handling"]):
                raise Forbidden("该办件不在您的区域 (outside your region)")
            else:
                return see_other(f"/ops/applications/{number}")
    status = 404 if message.startswith("没有") else (422 if message else 200)
    return render(request, "applications.html", status, title="办件查询", number=number,
                  message=message, rows=run(request, _recent, who))  # fmt: skip


def _case(request: Request, who: Viewer, number: str) -> dict[str, Any]:
    case = run(request, case_of, number) if _NUMBER.fullmatch(number) else None
    if case is None:
        raise Missing(f"没有办件 {number[:40]} (no such application)")
    if not _sees(who, case["region_received"], case["region_handling"]):
        raise Forbidden("该办件不在您的区域 (outside your region)")
    return cast(dict[str, Any], case)


@router.get("/applications/{number}")
async def application_page(
    request: Request, number: str, who: Annotated[Viewer, Depends(operator)]
) -> Response:
    case = _case(request, who, number)
    parts = {p["seq"]: p for p in case["parts"]}
    return render(request, "application.html", title=f"办件 {number}", case=case, parts=parts)


@router.get("/applications/{number}/evidence/{page}")
async def evidence_page(
    request: Request, number: str, page: int, who: Annotated[Viewer, Depends(operator)]
) -> Response:
    """One evidence page's JPEG; the view is written to the audit log with the page."""
    _case(request, who, number)
    data = run(request, page_content, number, page, who.name, "console", now_of(request))
    if data is None:
        raise Missing(f"办件 {number} 没有第 {page} 页材料 (no such page)")
    return Response(data, media_type="image/jpeg", headers=IMAGE_HEADERS)
