"""The HTTP endpoints of API v1, one module per area; `include_routes` mounts them."""

from __future__ import annotations

from fastapi import FastAPI

from central.routes import (
    applications,
    booking,
    catalogue,
    codes,
    context,
    evaluations,
    evidence,
    fleet,
    fleet_config,
    hall_pages,
    print_log,
    proofs,
    queue,
    sealed,
    terminals,
    tracking,
    updates,
)

PREFIX = "/api/v1"


def include_routes(app: FastAPI) -> None:
    # Each area straight onto the app (not through an intermediate router): one level
    # of included routers less to match on every request.
    for module in (
        fleet,  # first: the heartbeat is the busiest route (one per terminal a minute)
        terminals,
        catalogue,
        context,
        applications,
        evaluations,
        proofs,
        print_log,
        codes,
        sealed,
        booking,
        queue,
        fleet_config,
        evidence,
    ):
        app.include_router(module.router, prefix=PREFIX)
    app.include_router(tracking.api_router, prefix=PREFIX)
    # The public tracking page (/t/{number}, the receipt's QR) outside the API's prefix.
    app.include_router(tracking.router)
    # The hall's pages (display, window, ticket) live outside the API's prefix.
    app.include_router(hall_pages.router)
    # The ops console's pages (/ops/, central.console), with its login and role answers.
    from central.console import mount as mount_console

    mount_console(app)
    # The TUF repository (docs/fleet.md §4): static files, unsigned, outside the API.
    app.include_router(updates.router)
