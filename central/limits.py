"""The gate in front of every route (issue 10 §4): request bodies limited per route, a
per-client rate limit on the unsigned routes, and a masked access log.

* Body limits: a Content-Length over the route's limit is answered 413 before anything is
  read; a body without one (chunked) is read only up to the limit, then 413. Bodies are
  small (the largest, an application, is a form of at most 60 short fields), so the gate
  reads the body itself and hands the app what it read.
* Rate limit: per client address, per unsigned route, per fixed window, counted in the
  database (`rate_limit_windows`, one atomic INSERT ... ON CONFLICT DO UPDATE ... RETURNING
  on PostgreSQL and SQLite), so every worker behind the load balancer shares one count.
  Over the limit: 429 `rate_limited` with Retry-After (the seconds left in the window).
* Access log (logger `central.access`): method, route template (never the raw path: the
  verification code of /documents/{verification_code} is a bearer secret), status,
  duration, client. No query string, no body, no header.

Behind a reverse proxy the client is the proxy unless uvicorn is told to trust its
X-Forwarded-For (`--forwarded-allow-ips`); see docs/central-api.md.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import re
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from starlette.routing import BaseRoute, Route

from central.db import Database
from central.evidence import PAGE_LIMIT as EVIDENCE_PAGE_LIMIT
from central.models import RateLimitWindow
from central.routes import PREFIX

log = logging.getLogger("central.access")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KIB = 1024
# The body limit of any route not listed (GETs carry no body at all).
DEFAULT_BODY_LIMIT = 16 * KIB
BODY_LIMITS: dict[tuple[str, str], int] = {
    ("POST", f"{PREFIX}/terminals/enroll"): 2 * KIB,  # unsigned: a code, a key, a hostname
    ("POST", f"{PREFIX}/applications"): 256 * KIB,
    ("POST", f"{PREFIX}/print-log"): 64 * KIB,
    # Sealed (central.sealing): the same bodies encrypted and base64-encoded (4/3 and a bit).
    ("POST", f"{PREFIX}/applications/sealed"): 384 * KIB,
    ("POST", f"{PREFIX}/print-log/sealed"): 96 * KIB,
    # A pulled log (docs/fleet.md §2): at most 2 MiB of masked log, as JSON.
    ("POST", f"{PREFIX}/terminals/commands/{{command_id}}/result"): 4 * 1024 * KIB,
    # An evidence page (docs/casework.md §5): a JPEG of at most 4 MiB (EVIDENCE_PAGE_LIMIT,
    # checked once decoded), base64 in JSON (4/3), and sealed (4/3 again: 7.1 MiB), with
    # room to spare; both paths take the sealed form.
    ("POST", f"{PREFIX}/applications/evidence"): EVIDENCE_PAGE_LIMIT * 2,
    ("POST", f"{PREFIX}/applications/evidence/sealed"): EVIDENCE_PAGE_LIMIT * 2,
}


@dataclass(frozen=True)
class RateLimit:
    requests: int  # at most this many per client ...
    window_s: int  # ... in each window of this many seconds


# The unsigned routes (health excepted: load balancers poll it) and their limits per client.
RATE_LIMITS: dict[tuple[str, str], RateLimit] = {
    ("GET", f"{PREFIX}/documents/{{verification_code}}"): RateLimit(60, 60),
    # A hall's rollout enrolls its terminals from one address: room for that.
    ("POST", f"{PREFIX}/terminals/enroll"): RateLimit(30, 60),
    ("GET", f"{PREFIX}/keys/codes"): RateLimit(60, 60),
    ("GET", f"{PREFIX}/keys/outbox"): RateLimit(60, 60),
    # A hall's window clerks log in from their counters: a password guesser gets 20 a minute.
    ("POST", "/hall/{code}/login"): RateLimit(20, 60),
    # The public tracking page and its JSON (/t/{number}.json matches this template too):
    # a number guesser gets 30 a minute, and each guess needs the check code as well.
    ("GET", "/t/{number}"): RateLimit(30, 60),
}
_PARAM = re.compile(r"\{[a-z_]+\}")


def _pattern(template: str) -> re.Pattern[str]:
    parts = _PARAM.split(template)
    return re.compile("[^/]+".join(re.escape(p) for p in parts) + r"\Z")


_RATE_ROUTES = [(method, template, _pattern(template)) for method, template in RATE_LIMITS]
_BODY_ROUTES = [(m, t, _pattern(t)) for m, t in BODY_LIMITS if "{" in t]  # templated paths


def body_limit(method: str, path: str) -> tuple[str | None, int]:
    """The route template a body limit is set for (None: the default) and the limit."""
    if (method, path) in BODY_LIMITS:
        return path, BODY_LIMITS[(method, path)]
    for route_method, template, pattern in _BODY_ROUTES:
        if method == route_method and pattern.match(path):
            return template, BODY_LIMITS[(method, template)]
    return None, DEFAULT_BODY_LIMIT


# One request in this many also deletes windows that have ended (like central.signing's
# nonce purge: cheap, stateless, shared by every worker).
PURGE_EVERY = 64

_windows = cast(Table, RateLimitWindow.__table__)


def count_request(conn: Connection, client: str, route: str, window_start: int) -> int:
    """Count one request of `client` on `route` in the window starting at `window_start`
    (epoch seconds) and answer the window's count so far, this request included. One
    statement, atomic on both back ends: concurrent workers never lose a count."""
    values = {"client": client, "route": route, "window_start": window_start, "count": 1}
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(_windows).values(values)
    upsert = stmt.on_conflict_do_update(
        index_elements=[_windows.c.client, _windows.c.route, _windows.c.window_start],
        set_={"count": _windows.c.count + 1},
    ).returning(_windows.c.count)
    count = int(conn.execute(upsert).scalar_one())
    if secrets.randbelow(PURGE_EVERY) == 0:
        ended = (_windows.c.route == route) & (_windows.c.window_start < window_start)
        conn.execute(delete(_windows).where(ended))
    return count


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return cast(bytes, value)
    return None


async def _answer(
    send: Send, status: int, error: str, detail: str, headers: list[tuple[bytes, bytes]]
) -> None:
    body = json.dumps({"error": error, "detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Gate:
    """ASGI middleware: body limits, rate limits and the access log (module docstring)."""

    def __init__(self, app: ASGIApp, db: Database, routes: Sequence[BaseRoute] = ()) -> None:
        self.app = app
        self.db = db
        self.routes = routes  # the app's, to name a request's route template in the log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self._handle(scope, receive, sending)
        except BaseException:
            status = status or 500  # central.handlers answers it
            raise
        finally:
            self._log(scope, status, time.perf_counter() - started)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"]
        limited = self._rate_route(method, path)
        # For the log, also of a request refused here (these paths are their templates).
        body_route, limit_bytes = body_limit(method, path)
        if limited is not None:
            scope["tongban.route"] = limited[0]
        elif body_route is not None:
            scope["tongban.route"] = body_route
        too_large = [(b"connection", b"close")]
        detail = f"request body over {limit_bytes} bytes"
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _answer(send, 400, "bad_request", "bad Content-Length", too_large)
                return
            if int(declared) > limit_bytes:
                await _answer(send, 413, "payload_too_large", detail, too_large)
                return
        if limited is not None:
            template, limit = limited
            retry = self._over_limit(scope, template, limit)
            if retry is not None:
                await _answer(
                    send,
                    429,
                    "rate_limited",
                    f"too many requests from this client: at most {limit.requests} "
                    f"per {limit.window_s} s",
                    [(b"retry-after", str(retry).encode())],
                )
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit_bytes:  # stop reading: the rest is never taken in
                await _answer(send, 413, "payload_too_large", detail, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect

        await self.app(scope, replay, send)

    @staticmethod
    def _rate_route(method: str, path: str) -> tuple[str, RateLimit] | None:
        for route_method, template, pattern in _RATE_ROUTES:
            if method == route_method and pattern.match(path):
                return template, RATE_LIMITS[(method, template)]
        return None

    def _over_limit(self, scope: Scope, template: str, limit: RateLimit) -> int | None:
        """None within the limit, else the seconds until the client's window ends."""
        now = _now()
        window_start = int(now // limit.window_s) * limit.window_s
        route = f"{scope['method']} {template}"
        count = self.db.run(count_request, _client(scope), route, window_start)
        if count <= limit.requests:
            return None
        return max(1, math.ceil(window_start + limit.window_s - now))

    def _template(self, scope: Scope) -> str:
        """The route template of the request ("-" when no route matched): never the path
        itself, which may hold a verification code."""
        known = scope.get("tongban.route")
        if known:
            return str(known)
        # FastAPI (0.16x) keeps included routers nested: the route it matched, with its
        # prefix, is in its own scope entry; the flat list below is older FastAPI's.
        fastapi_scope = scope.get("fastapi")
        matched = (
            fastapi_scope.get("effective_route_context")
            if isinstance(fastapi_scope, dict)
            else None
        )
        matched_path = getattr(matched, "path", None)
        if isinstance(matched_path, str):
            return matched_path
        for route in self.routes:
            if isinstance(route, Route) and route.path_regex.match(scope["path"]):
                if route.methods is None or scope["method"] in route.methods:
                    return route.path
        return "-"

    def _log(self, scope: Scope, status: int, seconds: float) -> None:
        template = self._template(scope)
        level = logging.DEBUG if template == f"{PREFIX}/health" else logging.INFO
        log.log(
            level,
            "%s %s %s %.1fms client=%s",
            scope["method"],
            template,
            status or "-",
            seconds * 1000,
            _client(scope),
        )


def document(schema: dict[str, Any]) -> None:
    """Add the gate's answers to an OpenAPI document: 413 on every operation with a body,
    429 (with Retry-After) on the rate-limited ones."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            key = (method.upper(), path)
            if "requestBody" in operation:
                limit = BODY_LIMITS.get(key, DEFAULT_BODY_LIMIT)
                responses["413"] = {
                    "description": f"payload_too_large: the body is over {limit} bytes "
                    "(refused before it is read)",
                    "content": error,
                }
            if key in RATE_LIMITS:
                rate = RATE_LIMITS[key]
                responses["429"] = {
                    "description": f"rate_limited: over {rate.requests} requests from this "
                    f"client in {rate.window_s} s",
                    "headers": {
                        "Retry-After": {
                            "description": "seconds until the client's window ends",
                            "schema": {"type": "integer"},
                        }
                    },
                    "content": error,
                }


def serve_log_config(base: dict[str, Any]) -> dict[str, Any]:
    """uvicorn's logging configuration `base` (a dictConfig) plus central's loggers on
    stderr at INFO, so `kiosk-central serve` writes the access log and central's errors
    (uvicorn configures only its own loggers; Python would drop central's INFO lines)."""
    config = copy.deepcopy(base)
    config.setdefault("formatters", {})["central"] = {
        "format": "%(asctime)s %(levelname)s %(name)s: %(message)s"
    }
    config.setdefault("handlers", {})["central"] = {
        "class": "logging.StreamHandler",
        "formatter": "central",
        "stream": "ext://sys.stderr",
    }
    config.setdefault("loggers", {})["central"] = {
        "handlers": ["central"],
        "level": "INFO",
        "propagate": False,
    }
    return config


def _now() -> float:
    return time.time()


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "-"
