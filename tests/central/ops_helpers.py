"""Helpers of the ops console tests: users made through central.console.auth (as the CLI
does), logging in through the login form, the CSRF token read from a page."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from central.console.auth import add_user
from central.db import transaction
from central.timeutil import utcnow

PASSWORD = "console-pass-1"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def make_user(
    app: FastAPI, name: str, role: str, region: str | None = None, hall: str | None = None
) -> None:
    def work(conn: Any) -> None:
        with transaction(conn):
            add_user(conn, name, role, PASSWORD, utcnow(), region, hall)

    app.state.db.run(work)


def log_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Log `client` in; the session's CSRF token."""
    answer = client.post(
        "/ops/login", data={"name": name, "password": password}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(client)


def csrf_of(client: TestClient) -> str:
    page = client.get("/ops/halls")
    assert page.status_code == 200, page.text
    found = _CSRF.search(page.text)
    assert found, "no CSRF token on the page"
    return found.group(1)


def audit_rows(app: FastAPI, action: str | None = None) -> list[Any]:
    from sqlalchemy import select

    from central.models_fleet import AuditEntry

    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    with app.state.sessions() as session:
        return list(session.scalars(stmt))


def ops_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route of the app under /ops, however the routers
    were included (FastAPI keeps an included router as one entry holding its routes)."""
    found: list[tuple[str, str]] = []

    def walk(routes: Any, prefix: str) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes, prefix + route.include_context.prefix)
            elif isinstance(getattr(route, "path", None), str):
                for method in sorted(getattr(route, "methods", None) or ()):
                    found.append((method, prefix + route.path))

    walk(app.routes, "")
    return sorted({(m, p) for m, p in found if p.startswith("/ops") and m != "HEAD"})
