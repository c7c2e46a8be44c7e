"""Proofs (证明): which ones a person can have, issuing one as a document, and verifying
an issued document by its code.

An issued document is stored whole, exactly as answered (the terminal prints that), with
the SHA-256 of its canonical JSON: a verification shows what was issued, not what the
records say today. Issuing is exactly-once per (terminal, Idempotency-Key) like
applications (central.idempotency); the document number derives from the row id the
database hands out, so it is unique across processes.

The verification code is the document's bearer secret: 20 symbols from a 32-symbol
alphabet (100 bits from `secrets`), so guessing one is hopeless and the unsigned
verification endpoint needs no other protection.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import secrets
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, RowMapping, Table, bindparam, insert, select, update

from central.db import transaction
from central.document_schemas import (
    DOCUMENT_SCHEMAS,
    UNKNOWN_DOCUMENT,
    IssuedDocumentOut,
    PersonalKind,
    ProofIssueIn,
    ProofsAvailableOut,
    ProofSummary,
    VerifiedDocumentOut,
)
from central.errors import not_found
from central.idempotency import body_hash, check_replay, once
from central.models import IssuedDocument, Person, PersonProof, ProofType
from central.schemas import PersonContextIn
from central.signing import SignedBy
from central.timeutil import to_beijing, utcnow

# No 0/O, 1/I: read off paper and typed by a bank clerk.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 20  # 20 x 5 bits = 100 bits
_CODE_SHAPE = re.compile(rf"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
_SEPARATORS = re.compile(r"[\s\-]+")

_docs = cast(Table, IssuedDocument.__table__)
_PROOF_COLUMNS = (
    ProofType.code,
    ProofType.name,
    ProofType.description,
    ProofType.region_code,
    ProofType.number_prefix,
    ProofType.valid_months,
    ProofType.notes,
    ProofType.issuer.label("type_issuer"),
    PersonProof.issuer.label("person_issuer"),
    PersonProof.content,
    Person.name.label("person_name"),
)
_AVAILABLE = (
    select(*_PROOF_COLUMNS)
    .join(PersonProof, PersonProof.proof_code == ProofType.code)
    .join(Person, Person.id_number == PersonProof.id_number)
    .where(PersonProof.id_number == bindparam("id_number"))
    .order_by(ProofType.position)
)
_ONE_PROOF = _AVAILABLE.where(ProofType.code == bindparam("code"))
_BY_KEY = select(_docs.c.content, _docs.c.request_hash).where(
    _docs.c.terminal_id == bindparam("terminal_id"),
    _docs.c.idempotency_key == bindparam("key"),
)
_BY_CODE = select(_docs.c.content, _docs.c.terminal_id, _docs.c.content_sha256).where(
    _docs.c.verification_code == bindparam("code")
)
_INSERT = insert(_docs).returning(_docs.c.id)
_FINISH = (
    update(_docs)
    .where(_docs.c.id == bindparam("doc_id"))
    .values(number=bindparam("no"), content=bindparam("doc"), content_sha256=bindparam("sha"))
)


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str | None:
    """The code as stored, from one typed in any case with spaces or dashes; None when it
    cannot be one."""
    normal = _SEPARATORS.sub("", code).upper()
    return normal if _CODE_SHAPE.fullmatch(normal) else None


def content_sha256(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def mask_id_number(number: str) -> str:
    """1405**********123X: the house's masked form (kiosk/privacy.py does the same)."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str) -> str:
    """张*: one star whatever the length, so the mask does not tell how long the name is."""
    return name[:1] + "*" if name else ""


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (2026-11-30 + 3 = 2027-02-28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- available ------------------------------------------------------------------------


def available(conn: Connection, body: PersonContextIn) -> ProofsAvailableOut:
    """The proofs `body`'s person has; nothing for an unknown person or another name."""
    rows = conn.execute(_AVAILABLE, {"id_number": body.id_number}).all()
    return ProofsAvailableOut(
        proofs=[
            ProofSummary(
                code=row.code,
                name=row.name,
                issuer=row.person_issuer or row.type_issuer,
                description=row.description,
            )
            for row in rows
            if row.person_name == body.name
        ]
    )


# --- issue ----------------------------------------------------------------------------


def issue(
    conn: Connection, terminal: SignedBy, key: str, body: ProofIssueIn, base_url: str
) -> tuple[IssuedDocumentOut, bool]:
    """Issue `body.proof_code` to its person once per (terminal, key): (document, new).

    `conn` is an autocommit connection: the look-ups read without a transaction, and one
    explicit transaction stores the document."""
    digest = body_hash(body)
    keys = {"terminal_id": terminal.terminal_id, "key": key}

    def find() -> RowMapping | None:
        return conn.execute(_BY_KEY, keys).mappings().first()

    def replay(row: RowMapping) -> IssuedDocumentOut:
        check_replay(row["request_hash"], digest)
        return IssuedDocumentOut.model_validate(row["content"])

    def create() -> IssuedDocumentOut:
        proof = conn.execute(_ONE_PROOF, {"id_number": body.id_number, "code": body.proof_code})
        row = proof.mappings().first()
        if row is None or row["person_name"] != body.name:
            raise not_found(f"no proof {body.proof_code} for this person")
        return _store(conn, terminal, key, digest, body, row, base_url)

    # A second attempt only for a verification code that collided (2**-100 per pair).
    return once(find, replay, create, attempts=3)


def _store(
    conn: Connection,
    terminal: SignedBy,
    key: str,
    digest: str,
    body: ProofIssueIn,
    proof: RowMapping,
    base_url: str,
) -> IssuedDocumentOut:
    now = utcnow().replace(microsecond=0)
    code = new_verification_code()
    values: dict[str, Any] = {
        "number": None,
        "verification_code": code,
        "terminal_id": terminal.terminal_id,
        "idempotency_key": key,
        "request_hash": digest,
        "kind": "proof",
        "proof_code": body.proof_code,
        "holder_id_number": body.id_number,
        "issued_at": now,
        "content": {},
        "content_sha256": "",
    }
    with transaction(conn) as tx:
        doc_id = tx.execute(_INSERT, values).scalar_one()  # UNIQUE key and code checked here
        issued_at = to_beijing(now)
        number = f"{proof['region_code']}-{proof['number_prefix']}-{issued_at:%Y%m%d}-{doc_id:06d}"
        document = _render(proof, body, number, code, issued_at, base_url)
        content = document.model_dump(mode="json")
        tx.execute(
            _FINISH,
            {"doc_id": doc_id, "no": number, "doc": content, "sha": content_sha256(content)},
        )
    return document


def _render(
    proof: RowMapping,
    body: ProofIssueIn,
    number: str,
    code: str,
    issued_at: datetime,
    base_url: str,
) -> IssuedDocumentOut:
    values = {
        "{name}": body.name,
        "{id_number}": body.id_number,
        "{date}": f"{issued_at.year}年{issued_at.month}月{issued_at.day}日",
    }

    def fill(text: str) -> str:
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        return text

    content = proof["content"]
    table = content.get("table")
    months = proof["valid_months"]
    return IssuedDocumentOut.model_validate(
        {
            "document_number": number,
            "verification_code": code,
            "verify_url": f"{base_url.rstrip('/')}/api/v1/documents/{code}",
            "kind": "proof",
            "proof_code": proof["code"],
            "title": proof["name"],
            "issuer": proof["person_issuer"] or proof["type_issuer"],
            "issued_at": issued_at,
            "valid_until": add_months(issued_at.date(), months) if months else None,
            "holder": {"name": body.name, "id_number": body.id_number},
            "fields": [{"label": f["label"], "value": fill(f["value"])} for f in content["fields"]],
            "paragraphs": [fill(p) for p in content["paragraphs"]],
            "table": {
                "title": table["title"],
                "columns": table["columns"],
                "rows": [[fill(cell) for cell in row] for row in table["rows"]],
            }
            if table
            else None,
            "notes": list(proof["notes"]),
        }
    )


# --- verify ---------------------------------------------------------------------------


def mask(kind: PersonalKind, value: str) -> str:
    """`value` as the verification page shows a personal value of `kind`."""
    if kind == "name":
        return mask_name(value)
    if kind == "id_number":
        return mask_id_number(value)
    if kind == "address":  # the city, never the street
        return value[:3] + "****" if len(value) > 6 else "****"
    if kind == "phone":
        return value[:3] + "****" + value[-4:] if len(value) >= 11 else "****"
    if kind == "account":
        return "****" + value[-4:] if len(value) > 8 else "****"
    return "****"


def masked(document: dict[str, Any]) -> dict[str, Any]:
    """`document` as the public verification page shows it: by its type's schema
    (central.document_schemas), every personal field and table cell masked, the holder
    masked, and each of those personal values masked wherever else it appears (a paragraph
    that repeats the address). Labels and columns the schema does not know are masked whole."""
    schema = DOCUMENT_SCHEMAS.get(document["proof_code"], UNKNOWN_DOCUMENT)
    holder = document["holder"]
    personal: dict[str, str] = {}  # clear value -> masked

    def keep(kind: PersonalKind | None, value: str) -> str:
        if kind is None or not value:
            return value
        hidden = mask(kind, value)
        if len(value) >= 2:  # a one-character value ("女") is not looked for in the text
            personal[value] = hidden
        return hidden

    keep("id_number", holder["id_number"])
    keep("name", holder["name"])
    fields = [
        {"label": f["label"], "value": keep(schema.fields.get(f["label"], "hidden"), f["value"])}
        for f in document["fields"]
    ]
    table = document["table"]
    if table is not None:
        kinds = [schema.columns.get(column, "hidden") for column in table["columns"]]
        table = {
            **table,
            "rows": [
                [keep(k, cell) for k, cell in zip(kinds, row, strict=False)]
                for row in table["rows"]
            ],
        }
    # Longest first: an address that contains the name is replaced whole.
    replacements = sorted(personal.items(), key=lambda item: -len(item[0]))

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            for clear, hidden in replacements:
                value = value.replace(clear, hidden)
            return value
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        return value

    out = cast(dict[str, Any], scrub({**document, "fields": [], "table": None}))
    out["holder"] = {
        "name": mask_name(holder["name"]),
        "id_number": mask_id_number(holder["id_number"]),
    }
    out["fields"] = [{"label": scrub(f["label"]), "value": scrub(f["value"])} for f in fields]
    out["table"] = (
        None
        if table is None
        else {
            "title": scrub(table["title"]),
            "columns": scrub(table["columns"]),
            "rows": [[scrub(cell) for cell in row] for row in table["rows"]],
        }
    )
    return out


def find_by_code(conn: Connection, code: str) -> RowMapping | None:
    """The stored row (content, terminal_id, content_sha256) of a code as typed."""
    normal = normalise_code(code)
    if normal is None:
        return None
    return conn.execute(_BY_CODE, {"code": normal}).mappings().first()


def verify(conn: Connection, code: str) -> VerifiedDocumentOut:
    row = find_by_code(conn, code)
    if row is None:
        raise not_found("no document with this verification code")
    return VerifiedDocumentOut(
        valid=True,
        document=IssuedDocumentOut.model_validate(masked(row["content"])),
        issued_by_terminal=row["terminal_id"],
    )
