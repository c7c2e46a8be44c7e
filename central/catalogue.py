"""The catalogue as published, and who may use which item (一证通办 eligibility).

Which version is current is read from the database on every request (central.signing
reads it with the terminal, `LATEST_VERSION_ID`), so every process answers with a new
version the moment it is published. What a version contains is
immutable (central.seeding refuses to change a published version), so each process keeps
the parsed items of the versions it has seen, keyed by the database's (id, content hash):
a cache that cannot go stale, and that saves parsing ~20 items' JSON on every request.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, cast

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from central.ids import mask
from central.models import CatalogueItem, CatalogueVersion, Licence, Region
from central.schemas import CatalogueOut, Item, LicenceOut, RegionOut

# Materials central fetches itself; a paper material is handed in (scanned) by the applicant.
FETCHED_SOURCES = ("licence", "shared")
_KEEP_VERSIONS = 4


@dataclass(frozen=True)
class Snapshot:
    """One published catalogue version, parsed."""

    version: str
    items: tuple[Item, ...]
    by_code: dict[str, Item]
    document: bytes  # the GET /catalogue body, serialised once

    def item(self, code: str) -> Item | None:
        return self.by_code.get(code)


_snapshots: dict[tuple[int, str], Snapshot] = {}
_lock = threading.Lock()


_ITEMS = (
    select(CatalogueItem.__table__)
    .where(CatalogueItem.version_id == bindparam("version_id"))
    .order_by(CatalogueItem.position)
)
_REGIONS = select(Region.code, Region.name, Region.parent_code).order_by(Region.code)
_LICENCES = (
    select(
        Licence.type,
        Licence.name,
        Licence.number,
        Licence.issuer,
        Licence.valid_until,
        Licence.fields,
    )
    .where(Licence.holder_kind == bindparam("kind"), Licence.holder_key == bindparam("key"))
    .order_by(Licence.id)
)


@dataclass(frozen=True)
class CatalogueRef:
    """Which version is current: read once per request (central.signing reads it in the
    same round trip as the terminal)."""

    id: int
    version: str
    content_hash: str


# The latest version's id, to join into another query.
LATEST_VERSION_ID = (
    select(CatalogueVersion.id).order_by(CatalogueVersion.id.desc()).limit(1).scalar_subquery()
)


def snapshot_of(conn: Connection | Session, ref: CatalogueRef | None) -> Snapshot | None:
    """The parsed catalogue `ref` names, from this process's cache or the database."""
    if ref is None:
        return None
    key = (ref.id, ref.content_hash)
    snapshot = _snapshots.get(key)
    if snapshot is None:
        snapshot = _load(conn, ref.id, ref.version)
        with _lock:
            if len(_snapshots) >= _KEEP_VERSIONS:
                _snapshots.clear()
            _snapshots[key] = snapshot
    return snapshot


def _load(conn: Connection | Session, version_id: int, version: str) -> Snapshot:
    rows = conn.execute(_ITEMS, {"version_id": version_id}).mappings()
    items = tuple(
        Item.model_validate({k: v for k, v in row.items() if k in Item.model_fields})
        for row in rows
    )
    regions = [RegionOut(code=r.code, name=r.name, parent=r.parent_code)
               for r in conn.execute(_REGIONS)]
    document = CatalogueOut(version=version, items=list(items), regions=regions).model_dump_json()
    return Snapshot(version, items, {i.code: i for i in items}, document.encode("utf-8"))


def fetched_licence_types(item: Item) -> set[str]:
    """Licence types of the required materials central fetches itself (免提交)."""
    return {
        m.licence_type
        for m in item.materials
        if m.required and m.source in FETCHED_SOURCES and m.licence_type
    }


def eligible_items(items: Iterable[Item], kind: str, held: set[str]) -> list[str]:
    """一证通办 items of `kind` whose fetched materials the holder's licences all cover."""
    return [
        item.code
        for item in items
        if item.one_id and item.applicant_kind == kind and fetched_licence_types(item) <= held
    ]


class LicenceRow(Protocol):
    type: str
    name: str
    number: str
    issuer: str
    valid_until: date | None
    fields: dict[str, Any]


def holder_licences(
    conn: Connection | Session, holder_kind: str, holder_key: str
) -> Sequence[LicenceRow]:
    """The holder's licences, as rows (columns, not ORM objects: read on every context)."""
    rows = conn.execute(_LICENCES, {"kind": holder_kind, "key": holder_key}).all()
    return cast(Sequence[LicenceRow], rows)


def held_types(licences: Iterable[LicenceRow], today: date) -> set[str]:
    """Licence types that count today: an expired licence covers nothing."""
    return {lic.type for lic in licences if lic.valid_until is None or lic.valid_until >= today}


def licence_out(lic: LicenceRow) -> LicenceOut:
    return LicenceOut(
        type=lic.type,
        name=lic.name,
        number=mask(lic.number),
        issuer=lic.issuer,
        valid_until=lic.valid_until,
        fields={str(k): str(v) for k, v in lic.fields.items()},
    )
