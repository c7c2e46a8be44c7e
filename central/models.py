"""The central's tables (SQLAlchemy 2 typed ORM). Alembic owns the schema: see migrations/.

Times are naive UTC (timeutil). JSON columns hold what is read and written whole (a
catalogue item's materials and fields, an application's form); everything that is looked up
or constrained is a column.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints, so migrations can refer to them on every back end.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Region(Base):
    """行政区划: names for the codes items, terminals and applications carry, down to 乡镇 and
    街道 (9-digit codes, GB/T 10114; 12 fit a 统计用区划代码)."""

    __tablename__ = "regions"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    parent_code: Mapped[str | None] = mapped_column(String(12))


class CatalogueVersion(Base):
    """A published catalogue. Versions are immutable: a change is a new version."""

    __tablename__ = "catalogue_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(32), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(DateTime)


class CatalogueItem(Base):
    """One 办事指南 entry of one catalogue version (the API's ITEM)."""

    __tablename__ = "catalogue_items"
    __table_args__ = (
        UniqueConstraint("version_id", "code", name="uq_catalogue_items_version_code"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalogue_versions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the published list
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(6))
    region_name: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(8))
    scope: Mapped[str] = mapped_column(String(8))
    modes: Mapped[list[Any]] = mapped_column()
    one_id: Mapped[bool] = mapped_column(Boolean)
    visits: Mapped[int] = mapped_column(Integer)
    legal_days: Mapped[int] = mapped_column(Integer)
    promised_days: Mapped[int] = mapped_column(Integer)
    fee: Mapped[str] = mapped_column(String(100))
    applicant_kind: Mapped[str] = mapped_column(String(8))
    conditions: Mapped[list[Any]] = mapped_column()
    materials: Mapped[list[Any]] = mapped_column()
    fields: Mapped[list[Any]] = mapped_column()
    where_to_go: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    handling_region_code: Mapped[str] = mapped_column(String(6))
    agent_allowed: Mapped[bool] = mapped_column(Boolean, server_default=true())
    joint: Mapped[list[Any]] = mapped_column(JSON, server_default="[]")   # 多地联办 parts


class Person(Base):
    __tablename__ = "persons"
    id_number: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    # As on the ID card, for what an electronic ID code resolves to; NULL when not on
    # record (no nation for 港澳台 residents). Gender and birth date come from the number.
    nation: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(100))


class Company(Base):
    __tablename__ = "companies"
    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    representative_id_number: Mapped[str] = mapped_column(String(18), index=True)


class Licence(Base):
    """An electronic licence (电子证照) or shared record, held by a person or a company."""

    __tablename__ = "licences"
    __table_args__ = (
        UniqueConstraint(
            "holder_kind", "holder_key", "type", "number", name="uq_licences_holder_number"
        ),
        Index("ix_licences_holder", "holder_kind", "holder_key"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    holder_kind: Mapped[str] = mapped_column(String(8))  # person | company
    holder_key: Mapped[str] = mapped_column(String(18))  # ID number | USCC
    type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(50))
    number: Mapped[str] = mapped_column(String(64))
    issuer: Mapped[str] = mapped_column(String(100))
    valid_until: Mapped[date | None] = mapped_column(Date)
    fields: Mapped[dict[str, Any]] = mapped_column()


class Terminal(Base):
    __tablename__ = "terminals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # "T-0001", derived from id once the row exists; NULL only inside the enrolling transaction.
    terminal_id: Mapped[str | None] = mapped_column(String(16), unique=True)
    public_key: Mapped[str] = mapped_column(String(64))  # base64 of the 32 raw Ed25519 bytes
    hall_name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(6))
    profile: Mapped[str] = mapped_column(String(16))
    hostname: Mapped[str] = mapped_column(String(100))
    enrolled_at: Mapped[datetime] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class EnrollmentCode(Base):
    """A one-time enrollment code; only its SHA-256 is kept."""

    __tablename__ = "enrollment_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hall_name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(6))
    profile: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    terminal_id: Mapped[str | None] = mapped_column(String(16))


class Nonce(Base):
    """Nonces seen per terminal; the primary key is what refuses a replay."""

    __tablename__ = "nonces"
    terminal_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class Application(Base):
    """A submitted application (办件). (terminal_id, idempotency_key) is what makes
    submissions exactly-once, across processes and retries."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("terminal_id", "idempotency_key", name="uq_applications_terminal_key"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # region + yyyymmdd + zero-padded id; NULL only inside the submitting transaction.
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminals.terminal_id"))
    idempotency_key: Mapped[str] = mapped_column(String(36))
    request_hash: Mapped[str] = mapped_column(String(64))
    item_code: Mapped[str] = mapped_column(String(40))
    item_name: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(100))
    catalogue_version: Mapped[str] = mapped_column(String(32))
    applicant_kind: Mapped[str] = mapped_column(String(8))
    applicant_id_number: Mapped[str] = mapped_column(String(18), index=True)
    applicant_name: Mapped[str] = mapped_column(String(50))
    company_uscc: Mapped[str | None] = mapped_column(String(18))
    company_name: Mapped[str | None] = mapped_column(String(100))
    agent: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The 代办人's ID number (also in `agent`), for `mine` to find what they filed.
    agent_id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    region_received: Mapped[str] = mapped_column(String(6))
    region_handling: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(8))
    # 全程网办 | 异地代收 | 多地联办 (docs/casework.md §2)
    mode: Mapped[str] = mapped_column(String(8), server_default="全程网办")
    # 异地代收: {"method": "post" | "pickup", "address": ..., "pickup_hall": ...}
    delivery: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    parts_total: Mapped[int] = mapped_column(Integer, server_default="0")   # 多地联办 sub-cases
    # The pages photographed for it: [{"page", "kind", "material_code", "sha256", "size"}]
    evidence: Mapped[list[Any] | None] = mapped_column(JSON)
    form: Mapped[dict[str, Any]] = mapped_column()
    materials: Mapped[list[Any]] = mapped_column()
    local_receipt: Mapped[str] = mapped_column(String(64))
    next_steps: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application",
        order_by="ApplicationEvent.id",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class ApplicationEvent(Base):
    """One timeline row (申请, 代收, 受理, 流转, 办理, 办结, 送达, 归档)."""

    __tablename__ = "application_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    step: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str] = mapped_column(String(200))
    # The chain of custody (docs/casework.md §3): who, the documents' SHA-256, the post.
    actor: Mapped[str | None] = mapped_column(String(100))
    hashes: Mapped[list[Any] | None] = mapped_column(JSON)
    tracking_number: Mapped[str | None] = mapped_column(String(40))
    part: Mapped[int | None] = mapped_column(Integer)   # a 多地联办 sub-case's seq
    application: Mapped[Application] = relationship(back_populates="events")


class ProofType(Base):
    """A kind of proof (证明) central can issue, e.g. 社会保险参保证明."""

    __tablename__ = "proof_types"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the offered list
    name: Mapped[str] = mapped_column(String(50))
    issuer: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6))  # the issuing authority's region
    number_prefix: Mapped[str] = mapped_column(String(8))  # "SB" in 140500-SB-20261123-000123
    valid_months: Mapped[int | None] = mapped_column(Integer)  # NULL: no end date printed
    notes: Mapped[list[Any]] = mapped_column()


class PersonProof(Base):
    """What a proof says for one person (the record behind it, from the departments'
    systems): fields, paragraphs and an optional table, with {name}, {id_number} and
    {date} filled in when it is issued."""

    __tablename__ = "person_proofs"
    __table_args__ = (
        UniqueConstraint("id_number", "proof_code", name="uq_person_proofs_holder_proof"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id_number: Mapped[str] = mapped_column(ForeignKey("persons.id_number"), index=True)
    proof_code: Mapped[str] = mapped_column(ForeignKey("proof_types.code"))
    issuer: Mapped[str | None] = mapped_column(String(100))  # NULL: the proof type's issuer
    content: Mapped[dict[str, Any]] = mapped_column()


class IssuedDocument(Base):
    """A document central issued, kept whole (as printed) with its content hash, so a
    verification code shows exactly what was issued. (terminal_id, idempotency_key) makes
    issuing exactly-once, like applications."""

    __tablename__ = "issued_documents"
    __table_args__ = (
        UniqueConstraint("terminal_id", "idempotency_key", name="uq_issued_documents_terminal_key"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # region-prefix-yyyymmdd-zero-padded id; NULL only inside the issuing transaction.
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    verification_code: Mapped[str] = mapped_column(String(32), unique=True)
    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminals.terminal_id"))
    idempotency_key: Mapped[str] = mapped_column(String(36))
    request_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    proof_code: Mapped[str] = mapped_column(String(32))
    holder_id_number: Mapped[str] = mapped_column(String(18), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    content: Mapped[dict[str, Any]] = mapped_column()  # the IssuedDocument body, clear
    content_sha256: Mapped[str] = mapped_column(String(64))


class PrintLogEntry(Base):
    """One finished print attempt a terminal reported (no clear personal data: a masked
    ID number and central's keyed hash of the number, under `print_log_lookup`). Kept per
    terminal with the terminal's hall, so hall staff can list what their terminals printed."""

    __tablename__ = "print_log_entries"
    __table_args__ = (
        UniqueConstraint(
            "terminal_id", "idempotency_key", name="uq_print_log_entries_terminal_key"
        ),
        Index("ix_print_log_entries_hall_at", "hall_name", "at"),
        Index("ix_print_log_entries_terminal_at", "terminal_id", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminals.terminal_id"))
    hall_name: Mapped[str] = mapped_column(String(100))  # the terminal's, when received
    idempotency_key: Mapped[str] = mapped_column(String(36))
    request_hash: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[str] = mapped_column(String(36), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime)  # naive UTC, for ordering and filters
    at_text: Mapped[str] = mapped_column(String(40))  # as the terminal sent it (its chain)
    doc_type: Mapped[str] = mapped_column(String(32))
    doc_number: Mapped[str] = mapped_column(String(64))
    printer: Mapped[str] = mapped_column(String(32))
    job_id: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(64))
    id_masked: Mapped[str] = mapped_column(String(32))
    id_hash: Mapped[str] = mapped_column(String(128), index=True)
    chain_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime)


class CodeSigningKey(Base):
    """An Ed25519 key central signs appointment codes with. The newest key not retired
    signs; every key not retired is published (GET /keys/codes) so terminals verify codes
    offline. The private half is here in the clear: the database is central's secret
    store anyway (it holds citizens' data), and every process must be able to sign."""

    __tablename__ = "code_signing_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kid: Mapped[str] = mapped_column(String(16), unique=True)
    public_key: Mapped[str] = mapped_column(String(64))  # base64 of the 32 raw bytes
    private_key: Mapped[str] = mapped_column(String(64))  # base64 of the 32 raw bytes
    created_at: Mapped[datetime] = mapped_column(DateTime)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)


class CentralSecret(Base):
    """A secret of central's own, made by the migration that needs it and never sent to a
    terminal: `print_log_lookup` keys the hash of ID numbers in print_log_entries (the
    terminals keep no hash they could be brute-forced from); `outbox_seal` is the X25519
    private key terminals seal their outbox to (central.sealing)."""

    __tablename__ = "central_secrets"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))  # base64
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Appointment(Base):
    """An appointment (预约) a signed code was issued for."""

    __tablename__ = "appointments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # YY + region + yyyymmdd + zero-padded id; NULL only inside the issuing transaction.
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    item_code: Mapped[str] = mapped_column(String(40))
    item_name: Mapped[str] = mapped_column(String(100))
    hall_name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(6))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    person_id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    kid: Mapped[str] = mapped_column(String(16))  # the key its code was signed with
    created_at: Mapped[datetime] = mapped_column(DateTime)


class IdentityToken(Base):
    """A short-lived, single-use electronic ID code (电子身份证 / 电子社保卡 QR). Only the
    SHA-256 of the token is kept. The terminal that redeemed it and its Idempotency-Key
    are remembered, so that terminal's retry gets the same answer and nobody else does."""

    __tablename__ = "identity_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # eid | essc
    id_number: Mapped[str] = mapped_column(ForeignKey("persons.id_number"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    used_by_terminal: Mapped[str | None] = mapped_column(String(16))
    used_key: Mapped[str | None] = mapped_column(String(36))


class RateLimitWindow(Base):
    """Requests one client made to one unsigned route in one fixed window (central.limits):
    the count every worker shares. Rows of ended windows are purged as requests come."""

    __tablename__ = "rate_limit_windows"
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    route: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True)  # epoch seconds
    count: Mapped[int] = mapped_column(Integer)


# The hall's day (issue 12) and the fleet (issue 13) live in their own modules; importing
# them here puts their tables on Base.metadata for Alembic and for every
# `from central.models import ...` user.
from central import models_casework, models_fleet, models_hall, models_queue  # noqa: E402,F401
