"""The console's configuration, release, hall and audit pages.

* Configuration versions (admin; regional for the region, hall and terminal layers of
  their region): list, diff two versions, publish one (central.config_docs).
* Releases and rollouts (admin only): start a rollout, each wave's progress, pause /
  resume / abort (central.updates.rollouts).
* Halls: a hall's print log and links to its queue pages (hall staff: their hall only).
* The audit log (admin).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Connection, Table, select
from sqlalchemy.orm import Session

from central.console import sources
from central.console.auth import Viewer
from central.console.present import ROLLOUT_STATES
from central.console.web import (
    Forbidden,
    Missing,
    Refused,
    admin,
    now_of,
    posted,
    render,
    run,
    see_other,
    tx_run,
    viewer,
)
from central.models import Terminal
from central.models_fleet import AuditEntry
from central.models_hall import Hall, HallSite
from central.printlog import LogQuery, entries

router = APIRouter(prefix="/ops", include_in_schema=False)
halls_t: Table = Hall.__table__  # type: ignore[assignment]
sites_t: Table = HallSite.__table__  # type: ignore[assignment]
terminals_t: Table = Terminal.__table__  # type: ignore[assignment]
audit_t: Table = AuditEntry.__table__  # type: ignore[assignment]
SCOPES = {"all": "全部", "profile": "类型", "region": "区域", "hall": "大厅", "terminal": "终端"}
ROLLOUT_ACTIONS = {"pause": "暂停", "resume": "继续", "abort": "中止"}


def _layer_region(conn: Connection, scope: str, key: str) -> str | None:
    """The region a configuration layer belongs to (None: the whole fleet's)."""
    if scope == "region":
        return key
    if scope == "hall":
        return conn.execute(
            select(halls_t.c.region_code).where(halls_t.c.code == key)
        ).scalar_one_or_none()
    if scope == "terminal":
        return conn.execute(
            select(terminals_t.c.region_code).where(terminals_t.c.terminal_id == key)
        ).scalar_one_or_none()
    return None


def _sees_layer(conn: Connection, who: Viewer, scope: str, key: str) -> bool:
    if who.role == "admin":
        return True
    region = _layer_region(conn, scope, key)
    return region is not None and who.sees_region(region)


def _config_operator(request: Request) -> Viewer:
    who = viewer(request)
    if who.role not in ("admin", "regional"):
        raise Forbidden()
    return who


@router.get("/config")
async def config_page(
    request: Request, who: Annotated[Viewer, Depends(_config_operator)]
) -> Response:
    def work(conn: Connection) -> list[dict[str, Any]]:
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for doc in sources.list_documents(conn):
            scope, key = str(doc["scope"]), str(doc.get("key") or doc.get("scope_key") or "")
            if _sees_layer(conn, who, scope, key):
                groups.setdefault((scope, key), []).append(doc)
        return [
            {"scope": s, "scope_name": SCOPES.get(s, s), "key": k,
             "versions": sorted(v, key=lambda d: -int(d["version"]))}
            for (s, k), v in sorted(groups.items())
        ]  # fmt: skip

    return render(request, "config.html", title="配置版本", layers=run(request, work))


@router.get("/config/diff")
async def config_diff(
    request: Request,
    who: Annotated[Viewer, Depends(_config_operator)],
    scope: str,
    a: int,
    b: int,
    key: str = "",
) -> Response:
    def work(conn: Connection) -> list[str]:
        if not _sees_layer(conn, who, scope, key):
            raise Forbidden("该配置层不在您的区域 (outside your region)")
        try:
            return sources.config_diff(conn, scope, key, a, b)
        except sources.ConfigNotFound as err:
            raise Missing(f"没有该版本 (no such version): {err}") from None

    lines = run(request, work)
    return render(request, "config_diff.html", title="配置差异", scope=scope, key=key, a=a, b=b,
                  lines=lines)  # fmt: skip


@router.post("/config/publish")
async def config_publish(
    request: Request,
    form: Annotated[dict[str, str], Depends(posted)],
    who: Annotated[Viewer, Depends(_config_operator)],
) -> Response:
    scope, key, version = form.get("scope", ""), form.get("key", ""), form.get("version", "")
    if scope not in SCOPES or not version.isdigit():
        raise Missing("没有该配置版本 (no such layer or version)")
    now = now_of(request)

    def work(conn: Connection) -> None:
        if not _sees_layer(conn, who, scope, key):
            raise Forbidden("该配置层不在您的区域 (outside your region)")
        # central.config_docs checks the document again and writes the audit entry.
        sources.config_publish(conn, scope, key, int(version), who.name, now)

    try:
        tx_run(request, work)
    except sources.ConfigNotFound as err:
        raise Missing(f"没有该配置版本 (no such version): {err}") from None
    except sources.ConfigInvalid as err:
        problems = "; ".join(getattr(err, "problems", []) or [str(err)])
        raise Refused(f"配置未通过校验，不能发布 (config_invalid): {problems}") from None
    return see_other("/ops/config")


@router.get("/releases")
async def releases_page(request: Request, who: Annotated[Viewer, Depends(admin)]) -> Response:
    def work(conn: Connection) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return sources.list_releases(conn), sources.list_rollouts(conn)

    releases, rollouts = run(request, work)
    return render(request, "releases.html", title="版本发布", releases=releases,
                  rollouts=rollouts, states=ROLLOUT_STATES)  # fmt: skip


def _refused(err: Exception) -> Exception:
    """An UpdatesError as the page's answer: an unknown rollout is 404, the rest 422."""
    reason = getattr(err, "reason", "")
    if reason == "unknown_rollout":
        return Missing(f"没有该发布批次 (unknown_rollout): {err}")
    return Refused(f"无法执行 ({reason}): {err}")


@router.post("/rollouts")
async def rollout_start(
    request: Request,
    form: Annotated[dict[str, str], Depends(posted)],
    who: Annotated[Viewer, Depends(admin)],
) -> Response:
    """Start a rollout (central.updates checks the waves, threshold and scope and writes
    the audit entry in this transaction)."""
    try:
        threshold = float(form.get("threshold", "0.1"))
    except ValueError:
        raise Refused("失败阈值应为 0 到 1 之间的小数 (threshold)") from None
    scope = {k: form[k].strip() for k in ("region", "hall") if form.get(k, "").strip()}
    waves = form.get("waves", "5,30,100").replace("，", ",").replace(" ", "")
    version, now = form.get("version", ""), now_of(request)
    try:
        rollout_id = tx_run(
            request, sources.start_rollout, version, waves, threshold, scope, who.name, now
        )
    except sources.UpdatesError as err:
        raise _refused(err) from None
    return see_other(f"/ops/rollouts/{rollout_id}")


@router.get("/rollouts/{rollout_id}")
async def rollout_page(
    request: Request, rollout_id: int, who: Annotated[Viewer, Depends(admin)]
) -> Response:
    try:
        status = run(request, sources.rollout_status, rollout_id)
    except sources.UpdatesError as err:
        raise _refused(err) from None
    return render(request, "rollout.html", title=f"发布 #{rollout_id}", r=status,
                  states=ROLLOUT_STATES, actions=ROLLOUT_ACTIONS)  # fmt: skip


@router.post("/rollouts/{rollout_id}/{action}")
async def rollout_action(
    request: Request,
    rollout_id: int,
    action: str,
    form: Annotated[dict[str, str], Depends(posted)],
    who: Annotated[Viewer, Depends(admin)],
) -> Response:
    """Pause, resume or abort (central.updates writes the audit entry)."""
    if action not in ROLLOUT_ACTIONS:
        raise Missing(f"未知操作 {action!r}")
    reason, now = form.get("reason", "").strip()[:200] or f"console: {who.name}", now_of(request)
    try:
        tx_run(request, sources.rollout_action, action, rollout_id, who.name, reason, now)
    except sources.UpdatesError as err:
        raise _refused(err) from None
    return see_other(f"/ops/rollouts/{rollout_id}")


def _visible_halls(conn: Connection, who: Viewer) -> list[Any]:
    rows = conn.execute(
        select(halls_t.c.code, halls_t.c.name, halls_t.c.region_code, halls_t.c.phone)
        .order_by(halls_t.c.region_code, halls_t.c.code)
    ).all()  # fmt: skip
    return [r for r in rows if who.sees_hall(r.code, r.region_code)]


@router.get("/halls")
async def halls_page(request: Request, who: Annotated[Viewer, Depends(viewer)]) -> Response:
    return render(request, "halls.html", title="大厅", halls=run(request, _visible_halls, who))


def _terminal_names(conn: Connection, code: str, name: str) -> list[str]:
    """The hall names terminals of this hall enrolled with: its own, and each site (a bank
    branch, a station without windows) whose first hall it is — as central.fleet places a
    site's terminals."""
    sites = conn.execute(
        select(sites_t.c.site_name, sites_t.c.hall_code).order_by(sites_t.c.position)
    ).all()
    first: dict[str, str] = {}
    for site, hall_code in sites:
        first.setdefault(site, hall_code)
    return [name, *sorted(site for site, hall_code in first.items() if hall_code == code)]


@router.get("/halls/{code}")
async def hall_page(
    request: Request, code: str, who: Annotated[Viewer, Depends(viewer)]
) -> Response:
    """A hall's print log (newest 200) and its queue pages."""

    def work(conn: Connection) -> tuple[Any, list[dict[str, Any]]]:
        hall = conn.execute(select(halls_t).where(halls_t.c.code == code)).first()
        if hall is None:
            raise Missing(f"没有大厅 {code} (unknown hall)")
        if not who.sees_hall(hall.code, hall.region_code):
            raise Forbidden("该大厅不在您的权限范围 (not your hall)")
        rows: list[dict[str, Any]] = []
        with Session(bind=conn) as session:
            for name in _terminal_names(conn, hall.code, hall.name):
                rows += [dict(r._mapping) for r in entries(session, LogQuery(hall=name, limit=200))]
        rows.sort(key=lambda r: (r["at"], r["seq"]), reverse=True)
        return hall, rows[:200]

    hall, log = run(request, work)
    return render(request, "hall.html", title=hall.name, hall=hall, log=log)


@router.get("/audit")
async def audit_page(
    request: Request, who: Annotated[Viewer, Depends(admin)], actor: str = "", action: str = ""
) -> Response:
    def work(conn: Connection) -> list[Any]:
        stmt = select(audit_t).order_by(audit_t.c.id.desc()).limit(300)
        if actor:
            stmt = stmt.where(audit_t.c.actor == actor)
        if action:
            stmt = stmt.where(audit_t.c.action == action)
        return list(conn.execute(stmt).all())

    return render(request, "audit.html", title="审计日志", rows=run(request, work),
                  actor=actor, action=action)  # fmt: skip
