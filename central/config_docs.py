"""Remote configuration documents (docs/fleet.md §3): versioned layers per scope, published
one version at a time, merged into each terminal's effective configuration.

Scopes, weakest first: ``all`` (key ""), ``profile`` (hall | bank | community), ``region``
(the 6-digit code), ``hall`` (a hall code; a terminal's is the first of
``central.halls.terminal_halls`` for the hall name it enrolled with), ``terminal`` (its id).
A layer's *current* version is the one published last; publishing an older version again
makes it current again (the operator's way back). The effective document is the deep merge
of the current version of every layer that applies, weakest first; its version is ``cfg-``
and the first 12 hex of the SHA-256 of its canonical JSON.

``effective_version`` runs on every heartbeat (hundreds a second): one statement of five
index probes on ``ix_config_documents_layer`` (which documents are current, with the
SHA-256 of each body), and the version string, a function of those hashes in order, is kept
per worker. With nothing published the statement finds nothing and that is all it costs.

Writes take an autocommit connection (the request path's, the CLI's) and open their own
transaction; a connection already in a transaction is used as it is (the caller commits).
Every put and publish writes the audit log in the same transaction.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError

from central.audit import record
from central.config_check import ConfigInvalid, check_document
from central.db import write_transaction
from central.models import Terminal
from central.models_fleet import ConfigDocument
from central.models_hall import Hall, HallSite

__all__ = ["ConfigInvalid", "ConfigNotFound", "UnknownTerminal", "SCOPES", "put_draft", "publish",
           "list_documents", "diff", "effective", "effective_version", "version_of"]

SCOPES = ("all", "profile", "region", "hall", "terminal")   # weakest first
PROFILES = ("hall", "bank", "community")

_docs = cast(Table, ConfigDocument.__table__)
_terminals = cast(Table, Terminal.__table__)
_halls = cast(Table, Hall.__table__)
_sites = cast(Table, HallSite.__table__)


class ConfigNotFound(LookupError):
    """No such version of that layer (``not_found``)."""


class UnknownTerminal(LookupError):
    """No terminal with that id (``unknown_terminal``)."""


def canonical(document: Any) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def version_of(document: dict[str, Any]) -> str:
    return "cfg-" + hashlib.sha256(canonical(document)).hexdigest()[:12]


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; anything else (a value, a list) in ``over`` replaces."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


# -- the layers that apply to a terminal (one statement) ---------------------------------------
def _of_terminal(column: Any) -> Any:
    return select(column).where(_terminals.c.terminal_id == bindparam("tid")).scalar_subquery()


_HALL_NAME = _of_terminal(_terminals.c.hall_name)
# central.halls.terminal_halls' first hall: the hall of that name, else the site's first.
_HALL_KEY = func.coalesce(
    select(_halls.c.code).where(_halls.c.name == _HALL_NAME).scalar_subquery(),
    select(_sites.c.hall_code).where(_sites.c.site_name == _HALL_NAME)
    .order_by(_sites.c.position).limit(1).scalar_subquery(),
)
_KEYS: dict[str, Any] = {
    "all": literal(""),
    "profile": _of_terminal(_terminals.c.profile),
    "region": _of_terminal(_terminals.c.region_code),
    "hall": _HALL_KEY,
    "terminal": bindparam("tid"),
}


def _current(scope: str, key: Any) -> Any:
    return (
        select(_docs.c.id, _docs.c.scope, _docs.c.body_hash)
        .where(_docs.c.scope == scope, _docs.c.scope_key == key, _docs.c.published_at.is_not(None))
        .order_by(_docs.c.published_at.desc())
        .limit(1)
        .subquery()
    )


_CURRENT_LAYERS = union_all(*(select(_current(s, k)) for s, k in _KEYS.items()))
# The version of a merge, by the SHA-256 of each layer's body in order: the merged document
# is a function of those bodies alone, whatever database or row ids they came from.
_versions: dict[tuple[str, ...], str] = {}


def _current_layers(conn: Connection, terminal_id: str) -> list[Any]:
    rows = conn.execute(_CURRENT_LAYERS, {"tid": terminal_id}).all()
    return sorted(rows, key=lambda r: SCOPES.index(r.scope))


def _documents(conn: Connection, ids: tuple[int, ...]) -> list[Any]:
    rows = {r.id: r for r in conn.execute(select(_docs).where(_docs.c.id.in_(ids)))}
    return [rows[i] for i in ids]


def effective_version(conn: Connection, terminal_id: str) -> str | None:
    """The effective version central has for the terminal, or None (no layer applies)."""
    layers = _current_layers(conn, terminal_id)
    if not layers:
        return None
    hashes = tuple(row.body_hash for row in layers)
    known = _versions.get(hashes)
    if known is None:
        known = _merged(_documents(conn, tuple(row.id for row in layers)))[0]
        if len(_versions) > 4096:
            _versions.clear()
        _versions[hashes] = known
    return known


def _merged(rows: list[Any]) -> tuple[str, dict[str, Any]]:
    document: dict[str, Any] = {}
    for row in rows:
        document = deep_merge(document, row.body)
    return version_of(document), document


def effective(conn: Connection, terminal_id: str) -> dict[str, Any] | None:
    """The ``GET /terminals/config`` body: version, merged document, the layers in it."""
    layers = _current_layers(conn, terminal_id)
    if not layers:
        return None
    rows = _documents(conn, tuple(row.id for row in layers))
    version, document = _merged(rows)
    layers = [{"scope": r.scope, "key": r.scope_key, "version": r.version} for r in rows]
    return {"version": version, "document": document, "layers": layers}


def require_terminal(conn: Connection, terminal_id: str) -> None:
    found = conn.scalar(select(_terminals.c.id).where(_terminals.c.terminal_id == terminal_id))
    if found is None:
        raise UnknownTerminal(terminal_id)


# -- writing -----------------------------------------------------------------------------------
@contextmanager
def _writing(conn: Connection) -> Iterator[None]:
    """A write transaction of its own, or the caller's when one is open (the console and
    the CLI call these functions inside their own)."""
    if conn.in_transaction():
        yield
        return
    with write_transaction(conn):
        yield


def check_scope(conn: Connection, scope: str, key: str | None) -> str:
    """The layer's key, checked: a layer nobody could ever match is refused."""
    key = (key or "").strip()
    problem = None
    if scope not in SCOPES:
        problem = f"scope: must be one of {', '.join(SCOPES)}"
    elif scope == "all":
        problem = "key: the all scope has no key" if key else None
    elif not key:
        problem = f"key: the {scope} scope needs --key"
    elif scope == "profile" and key not in PROFILES:
        problem = f"key: a profile is one of {', '.join(PROFILES)}"
    elif scope == "region" and not (len(key) == 6 and key.isdigit()):
        problem = "key: a region is a 6-digit code such as 140500"
    elif scope == "hall" and conn.scalar(select(_halls.c.code).where(_halls.c.code == key)) is None:
        problem = f"key: no hall with code {key[:40]!r} (kiosk-central hall list)"
    elif scope == "terminal" and conn.scalar(
            select(_terminals.c.id).where(_terminals.c.terminal_id == key)) is None:
        problem = f"key: no terminal {key[:40]!r}"
    if problem:
        raise ConfigInvalid([problem], "bad_scope")
    return key


def put_draft(conn: Connection, scope: str, key: str | None, body: Any, note: str, actor: str,
              now: datetime) -> int:
    """Store ``body`` as the layer's next version, unpublished; its number. Raises
    ConfigInvalid (every problem) when the document or the scope is not acceptable."""
    key = check_scope(conn, scope, key)
    check_document(body)
    for attempt in range(5):
        try:
            with _writing(conn):
                latest = conn.scalar(select(func.max(_docs.c.version)).where(
                    _docs.c.scope == scope, _docs.c.scope_key == key))
                version = int(latest or 0) + 1
                conn.execute(insert(_docs).values(
                    scope=scope, scope_key=key, version=version, body=body,
                    body_hash=hashlib.sha256(canonical(body)).hexdigest(), note=note[:200],
                    created_by=actor[:40], created_at=now))
                record(conn, actor, "config_put", f"{scope}:{key}",
                       {"version": version, "note": note[:200]}, at=now)
            return version
        except IntegrityError:   # another writer took that number first (PostgreSQL)
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def publish(conn: Connection, scope: str, key: str | None, version: int, actor: str,
            now: datetime) -> dict[str, Any]:
    """Make ``version`` the layer's current one (checked again: the schema may be newer
    than the draft). Its published time is after every other version's of the layer, so
    the order of publishing decides even within one clock tick."""
    key = check_scope(conn, scope, key)
    with _writing(conn):
        row = conn.execute(select(_docs).where(
            _docs.c.scope == scope, _docs.c.scope_key == key, _docs.c.version == version)).first()
        if row is None:
            raise ConfigNotFound(f"no version {version} of {scope}:{key}")
        check_document(row.body)
        last = conn.scalar(select(func.max(_docs.c.published_at)).where(
            _docs.c.scope == scope, _docs.c.scope_key == key))
        at = max(now, last + timedelta(microseconds=1)) if last is not None else now
        conn.execute(update(_docs).where(_docs.c.id == row.id)
                     .values(published_at=at, published_by=actor[:40]))
        record(conn, actor, "config_publish", f"{scope}:{key}", {"version": version}, at=now)
    return {"scope": scope, "key": key, "version": version, "published_at": at.isoformat()}


# -- reading -----------------------------------------------------------------------------------
def list_documents(conn: Connection, scope: str | None = None,
                   key: str | None = None) -> list[dict[str, Any]]:
    """Every version (newest first within a layer), with ``current`` marking each layer's."""
    query = select(_docs).order_by(_docs.c.scope, _docs.c.scope_key, _docs.c.version.desc())
    if scope is not None:
        query = query.where(_docs.c.scope == scope)
    if key is not None:
        query = query.where(_docs.c.scope_key == key)
    rows = conn.execute(query).all()
    current: dict[tuple[str, str], tuple[datetime, int]] = {}
    for r in rows:
        if r.published_at is not None:
            mark = (r.published_at, r.id)
            current[(r.scope, r.scope_key)] = max(current.get((r.scope, r.scope_key), mark), mark)
    out = []
    for r in sorted(rows, key=lambda r: (SCOPES.index(r.scope) if r.scope in SCOPES else 9,
                                         r.scope_key, -r.version)):
        latest = current.get((r.scope, r.scope_key))
        out.append({
            "scope": r.scope, "key": r.scope_key, "version": r.version, "note": r.note,
            "created_by": r.created_by, "created_at": r.created_at.isoformat(),
            "published_at": r.published_at.isoformat() if r.published_at else None,
            "published_by": r.published_by, "current": latest is not None and latest[1] == r.id,
            "sha256": r.body_hash, "document": r.body,
        })
    return out


def diff(conn: Connection, scope: str, key: str | None, a: int, b: int) -> list[str]:
    """Unified diff lines from version ``a`` to ``b`` of a layer (sorted, indented JSON)."""
    key = (key or "").strip()
    texts = []
    for version in (a, b):
        body = conn.scalar(select(_docs.c.body).where(
            _docs.c.scope == scope, _docs.c.scope_key == key, _docs.c.version == version))
        if body is None:
            raise ConfigNotFound(f"no version {version} of {scope}:{key}")
        texts.append(json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True).splitlines())
    name = f"{scope}:{key}" if key else scope
    return list(difflib.unified_diff(texts[0], texts[1], f"{name} v{a}", f"{name} v{b}",
                                     lineterm=""))
