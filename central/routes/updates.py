"""The TUF repository, served (docs/fleet.md §4): `GET /updates/metadata/{file}` and
`GET /updates/targets/{file}`. Unsigned and static: the terminal's TUF client verifies every
byte against the root it trusts, so these routes only have to hand out files, and never
anything outside the repository (file names are matched whole; no path can be formed).

A request for timestamp.json with less than half its life left re-signs it first (under the
repository's lock, in a worker thread), so a central whose `updates refresh` timer stopped
still serves fresh metadata while anyone asks.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from central.timeutil import utcnow
from central.updates.repository import RepoPaths, refresh, timestamp_due

router = APIRouter(prefix="/updates", include_in_schema=False)
METADATA = re.compile(r"^(?:[1-9][0-9]{0,8}\.root|root|timestamp|snapshot|targets)\.json$")
TARGET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+\-]{0,119}$")
# Metadata changes by the minute (timestamp) and must never be cached by a proxy for long;
# a target's name carries its version, its content never changes.
NO_STORE = {"Cache-Control": "no-cache"}


def _paths(request: Request) -> RepoPaths | None:
    updates_dir = request.app.state.settings.updates_dir
    return RepoPaths(Path(updates_dir)) if updates_dir else None


def _missing(what: str) -> Response:
    return JSONResponse({"error": "not_found", "detail": f"no {what}"}, status_code=404)


@router.get("/metadata/{file}")
async def update_metadata(file: str, request: Request) -> Response:
    paths = _paths(request)
    if paths is None or not METADATA.fullmatch(file):
        return _missing("such metadata")
    if file == "timestamp.json" and timestamp_due(paths, utcnow()):
        await run_in_threadpool(refresh, paths, utcnow(), force=False)
    path = paths.metadata / file
    if not path.is_file():
        return _missing(f"metadata {file}")
    return FileResponse(path, media_type="application/json", headers=NO_STORE)


@router.get("/targets/{file}")
async def update_target(file: str, request: Request) -> Response:
    paths = _paths(request)
    if paths is None or not TARGET.fullmatch(file) or ".." in file:
        return _missing("such target")
    path = paths.targets / file
    if not path.is_file():
        return _missing(f"target {file}")
    media = "application/gzip" if file.endswith((".tar.gz", ".tgz")) else "application/octet-stream"
    return FileResponse(path, media_type=media)
