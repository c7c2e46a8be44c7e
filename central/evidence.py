"""Evidence pages (docs/casework.md §5): the 授权委托书 of a 代办 and the paper materials of
异地代收, photographed at the terminal and delivered sealed through its outbox, one page
per request.

A page is keyed by what the terminal knows when it sends it — its id, the application's
local receipt and the page number — so it may arrive before its application (the outbox
delivers rows in parallel) or after it; the two meet on (terminal_id, local_receipt).
Storing is idempotent: the same page again (same SHA-256) is answered as stored, a
different page under a taken key is 409 `duplicate` (a page once received never changes:
its hash is in the chain of custody).

Pages are citizens' documents: nothing here logs them, and they are read back only for an
audited view (`page_content` by the CLI and the ops console, each writing `evidence.view`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, select
from sqlalchemy.exc import IntegrityError

from central.audit import record
from central.db import transaction
from central.errors import ApiError, validation_failed
from central.models import Application
from central.models_casework import ApplicationEvidence
from central.schemas import EvidenceAck, EvidenceIn
from central.timeutil import to_db

# The largest page central takes (the JPEG's own bytes; central.limits sizes the route's
# body limits so a page of this size fits, base64-encoded and sealed).
PAGE_LIMIT = 4 * 1024 * 1024
JPEG_MAGIC = b"\xff\xd8\xff"
VIEW_ACTION = "evidence.view"

_pages = cast(Table, ApplicationEvidence.__table__)
_apps = cast(Table, Application.__table__)


@dataclass(frozen=True)
class StoredPage:
    """A received page as the console and the CLI list it (never its bytes)."""

    page: int
    kind: str
    material_code: str | None
    sha256: str
    size: int
    received_at: datetime


def decode_page(body: EvidenceIn) -> bytes:
    """The page's JPEG bytes, checked: base64, size, SHA-256, JPEG magic."""
    try:
        data = base64.b64decode(body.jpeg_base64, validate=True)
    except (binascii.Error, ValueError):
        raise validation_failed({"jpeg_base64": "not_base64"}) from None
    if len(data) > PAGE_LIMIT:
        raise ApiError(413, "payload_too_large", f"a page is at most {PAGE_LIMIT} bytes")
    if hashlib.sha256(data).hexdigest() != body.sha256:
        raise validation_failed({"sha256": "hash_mismatch"}, "sha256 is not the page's hash")
    if not data.startswith(JPEG_MAGIC):
        raise validation_failed({"jpeg_base64": "not_jpeg"}, "the page is not a JPEG")
    return data


def _existing(conn: Connection, terminal_id: str, receipt: str, page: int) -> str | None:
    found = conn.execute(
        select(_pages.c.sha256).where(
            _pages.c.terminal_id == terminal_id,
            _pages.c.local_receipt == receipt,
            _pages.c.page == page,
        )
    ).scalar()
    return str(found) if found is not None else None


def _settled(stored: str, body: EvidenceIn) -> EvidenceAck:
    if stored != body.sha256:
        raise ApiError(
            409, "duplicate", f"page {body.page} of {body.local_receipt} is stored with another hash"
        )
    return EvidenceAck(local_receipt=body.local_receipt, page=body.page, sha256=stored)


def store_page(
    conn: Connection, terminal_id: str, body: EvidenceIn, now: datetime
) -> tuple[EvidenceAck, bool]:
    """Store one page (True) or answer the one stored under its key (False); 409
    `duplicate` when that one has another hash. Concurrent deliveries of one page: the
    UNIQUE key lets one insert win, the other reads the winner's row."""
    data = decode_page(body)
    stored = _existing(conn, terminal_id, body.local_receipt, body.page)
    if stored is not None:
        return _settled(stored, body), False
    try:   # one statement on the autocommit connection
        conn.execute(
            _pages.insert().values(
                terminal_id=terminal_id,
                local_receipt=body.local_receipt,
                page=body.page,
                kind=body.kind,
                material_code=body.material_code,
                sha256=body.sha256,
                size=len(data),
                content=data,
                received_at=to_db(now),
            )
        )
    except IntegrityError:
        stored = _existing(conn, terminal_id, body.local_receipt, body.page)
        if stored is None:
            raise
        return _settled(stored, body), False
    finally:
        del data
    return EvidenceAck(local_receipt=body.local_receipt, page=body.page, sha256=body.sha256), True


def application_key(conn: Connection, number: str) -> tuple[str, str] | None:
    """(terminal_id, local_receipt) of application `number`: where its pages are kept."""
    row = conn.execute(
        select(_apps.c.terminal_id, _apps.c.local_receipt).where(_apps.c.number == number)
    ).first()
    return (str(row[0]), str(row[1])) if row is not None else None


def pages_of(conn: Connection, number: str) -> list[StoredPage]:
    """The pages received for application `number`, in page order (no bytes)."""
    key = application_key(conn, number)
    if key is None:
        return []
    rows = conn.execute(
        select(
            _pages.c.page,
            _pages.c.kind,
            _pages.c.material_code,
            _pages.c.sha256,
            _pages.c.size,
            _pages.c.received_at,
        )
        .where(_pages.c.terminal_id == key[0], _pages.c.local_receipt == key[1])
        .order_by(_pages.c.page)
    )
    return [StoredPage(*row) for row in rows]


def page_content(
    conn: Connection, number: str, page: int, actor: str, channel: str, now: datetime
) -> bytes | None:
    """Page `page` of application `number` (None when there is no such page), with its
    `evidence.view` audit entry written in the same transaction: a view that happened
    always has its entry. `channel` says where it was viewed (`cli`, `console`)."""
    key = application_key(conn, number)
    if key is None:
        return None
    with transaction(conn):
        row = conn.execute(
            select(_pages.c.content, _pages.c.sha256).where(
                _pages.c.terminal_id == key[0],
                _pages.c.local_receipt == key[1],
                _pages.c.page == page,
            )
        ).first()
        if row is None:
            return None
        detail: dict[str, Any] = {"page": page, "sha256": row[1], "via": channel}
        record(conn, actor, VIEW_ACTION, number, detail, at=to_db(now))
        return bytes(row[0])
