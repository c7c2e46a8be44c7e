"""An issued document (证明, 证照打印件) as the A4 layout takes it.

The same shape as central's JSON for an issued document; ``from_mapping`` converts that JSON
(or a pydantic model's ``model_dump()``). The holder is the citizen's own identity, printed in
full on their own certificate, and kept out of ``repr`` so a logged object does not leak it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Holder:
    name: str = field(repr=False)
    id_number: str = field(repr=False)


@dataclass(frozen=True)
class DocumentField:
    label: str
    value: str


@dataclass(frozen=True)
class DocumentTable:
    """A table that may run over several pages (its header row is repeated on each)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        if not self.columns:
            raise ValueError("a document table needs at least one column")
        for n, row in enumerate(self.rows, 1):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"table row {n} has {len(row)} cells for {len(self.columns)} columns"
                )


@dataclass(frozen=True)
class IssuedDocumentData:
    document_number: str
    verification_code: str
    verify_url: str
    kind: str
    proof_code: str
    title: str
    issuer: str
    issued_at: dt.datetime
    holder: Holder
    valid_until: dt.date | None = None
    fields: tuple[DocumentField, ...] = ()
    paragraphs: tuple[str, ...] = ()
    table: DocumentTable | None = None
    notes: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> IssuedDocumentData:
        """From central's JSON shape; dates may be ISO strings or date/datetime objects.
        Raises ValueError (or KeyError for a missing key) on a wrong shape."""
        table = data.get("table")
        return cls(
            document_number=str(data["document_number"]),
            verification_code=str(data["verification_code"]),
            verify_url=str(data["verify_url"]),
            kind=str(data["kind"]),
            proof_code=str(data["proof_code"]),
            title=str(data["title"]),
            issuer=str(data["issuer"]),
            issued_at=_datetime(data["issued_at"]),
            valid_until=_date(data.get("valid_until")),
            holder=Holder(name=str(data["holder"]["name"]),
                          id_number=str(data["holder"]["id_number"])),
            fields=tuple(DocumentField(str(f["label"]), str(f["value"]))
                         for f in data.get("fields") or ()),
            paragraphs=tuple(str(p) for p in data.get("paragraphs") or ()),
            table=None if table is None else DocumentTable(
                title=str(table.get("title", "")),
                columns=tuple(str(c) for c in table["columns"]),
                rows=tuple(_row(r) for r in table.get("rows") or ()),
            ),
            notes=tuple(str(n) for n in data.get("notes") or ()),
        )


def _row(row: Sequence[Any]) -> tuple[str, ...]:
    return tuple("" if cell is None else str(cell) for cell in row)


def _datetime(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise ValueError(f"issued_at must be a datetime or an ISO string, got {type(value).__name__}")
    if value.tzinfo is None:  # printed as the hall's time: the instant must be known
        raise ValueError("issued_at must carry its offset (ISO 8601 such as 2026-11-23T09:30:00+08:00)")
    return value


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise ValueError(f"valid_until must be a date or an ISO string, got {type(value).__name__}")
