"""The ops console (docs/fleet.md §6): server-rendered pages at /ops/ for operations staff,
regional operators and hall staff. `mount(app)` adds its routes and the answers of its
checks (login -> 303 or 401, role -> 403) to central's app."""

from __future__ import annotations

from fastapi import FastAPI

from central.console.web import (
    Forbidden,
    LoginNeeded,
    Missing,
    Refused,
    on_forbidden,
    on_login_needed,
    on_missing,
    on_refused,
)


def mount(app: FastAPI) -> None:
    from central.console import pages, pages_admin, pages_applications, pages_evaluations

    app.include_router(pages.router)
    app.include_router(pages_admin.router)
    app.include_router(pages_evaluations.router)
    app.include_router(pages_applications.router)
    app.add_exception_handler(LoginNeeded, on_login_needed)
    app.add_exception_handler(Forbidden, on_forbidden)
    app.add_exception_handler(Missing, on_missing)
    app.add_exception_handler(Refused, on_refused)
