"""The FastAPI application. Stateless between requests: everything that matters for
correctness is in the database, so any number of processes can serve one database."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from central.db import Database
from central.handlers import install_error_handlers
from central.limits import Gate
from central.limits import document as document_limits
from central.livefeed import close_feed
from central.routes import include_routes
from central.settings import (
    Settings,
    default_db_url,
    default_demo,
    default_public_url,
    default_updates_dir,
    normalise_db_url,
)
from central.signing import SECURITY_SCHEMES

DESCRIPTION = """The reference central service the Tongban terminals (通办自助终端) talk to.
The contract is docs/central-api.md; this document is generated from the running app and
kept in central/openapi.json. Every endpoint except health, enrollment, document
verification and the code keys is signed (X-Terminal-Id, X-Timestamp, X-Nonce,
X-Signature)."""


def create_app(db_url: str, settings: Settings | None = None) -> FastAPI:
    """The app for `db_url` (migrated already: `kiosk-central migrate`). Without `settings`
    (tests, the OpenAPI document) the demo's rules apply; `kiosk-central serve` passes its own."""
    url = normalise_db_url(db_url)
    settings = settings or Settings(db_url=url, demo=True, updates_dir=default_updates_dir(url))
    db = Database(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Everything built so far lives as long as the process: keep it out of the cyclic
        # GC's full collections, whose pauses otherwise show in the latency tail.
        gc.collect()
        gc.freeze()
        yield
        close_feed(app.state)
        db.close()

    app = FastAPI(
        title="Tongban central API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.state.db = db  # the request path: db.run(work, ...)
    app.state.engine = db.engine  # ORM sessions: enrollment, operations, tests
    app.state.sessions = db.sessions
    install_error_handlers(app)
    include_routes(app)
    # Body limits (413), the unsigned routes' rate limit (429) and the access log.
    app.add_middleware(Gate, db=db, routes=app.routes)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def dispose(app: FastAPI) -> None:
    """Close the app's database connections (tests that ran it without its lifespan)."""
    close_feed(app.state)
    app.state.db.close()


def _operation_id(route: APIRoute) -> str:
    return route.name


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document plus the four signature header schemes (the signed routes name
    them, all four in one requirement, through `SIGNED_OPERATION`)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schema.setdefault("components", {})["securitySchemes"] = {
            scheme: {"type": "apiKey", "in": "header", "name": header, "description": text}
            for scheme, (header, text) in SECURITY_SCHEMES.items()
        }
        document_limits(schema)
        app.openapi_schema = schema
    return app.openapi_schema


def app_from_env() -> FastAPI:
    """uvicorn factory (`central.app:app_from_env`) for `kiosk-central serve --workers N`."""
    url = normalise_db_url(default_db_url())
    settings = Settings(
        db_url=url,
        public_base_url=default_public_url(),
        demo=default_demo(url),
        updates_dir=default_updates_dir(url),
    )
    return create_app(url, settings)
