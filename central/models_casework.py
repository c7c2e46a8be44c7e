"""After the application (issue 14): 多地联办 sub-cases, evidence pages, 好差评 evaluations
and their rectification cases. The contract is docs/casework.md. Times are naive UTC,
dates are Beijing dates.

Evidence pages are citizens' documents (an authorization letter, a purchase contract):
central keeps them for the case, shows them only through audited views, and nothing here
is logged.
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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from central.models import Base


class ApplicationPart(Base):
    """One department's sub-case of a 多地联办 application (status 受理 → 办理 → 办结)."""

    __tablename__ = "application_parts"
    __table_args__ = (UniqueConstraint("application_id", "seq", name="uq_application_parts_seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(6))
    department: Mapped[str] = mapped_column(String(100))
    task: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ApplicationEvidence(Base):
    """One page a terminal photographed for an application (授权委托书 or a material).

    Keyed by what the terminal knows when it sends it (its id and the local receipt), so a
    page may arrive before or after its application."""

    __tablename__ = "application_evidence"
    __table_args__ = (
        UniqueConstraint("terminal_id", "local_receipt", "page", name="uq_application_evidence_page"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminals.terminal_id"))
    local_receipt: Mapped[str] = mapped_column(String(64))
    page: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))          # authorization | material
    material_code: Mapped[str | None] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class Evaluation(Base):
    """One 好差评 of one service handling (一次一评: handling_id is UNIQUE)."""

    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("terminal_id", "idempotency_key", name="uq_evaluations_terminal_key"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handling_id: Mapped[str] = mapped_column(String(36), unique=True)
    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminals.terminal_id"))
    idempotency_key: Mapped[str] = mapped_column(String(36))
    request_hash: Mapped[str] = mapped_column(String(64))
    hall_name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    service_id: Mapped[str] = mapped_column(String(40))
    item_code: Mapped[str | None] = mapped_column(String(40))
    item_name: Mapped[str | None] = mapped_column(String(100))
    application_number: Mapped[str | None] = mapped_column(String(32), index=True)
    local_receipt: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer)            # 5 非常满意 … 1 非常不满意
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    handled_at: Mapped[datetime] = mapped_column(DateTime)
    rated_at: Mapped[datetime] = mapped_column(DateTime)
    received_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class RectificationCase(Base):
    """A 差评's rectification case: 待回访 → 整改中 → 已整改, or 申诉复核."""

    __tablename__ = "rectification_cases"
    __table_args__ = (Index("ix_rectification_cases_state_due", "state", "rectify_due"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), unique=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    state: Mapped[str] = mapped_column(String(8))
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    visit_due: Mapped[date] = mapped_column(Date)
    rectify_due: Mapped[date] = mapped_column(Date)
    due_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class RectificationEvent(Base):
    """One step of a case (opened, visit, rectified, appeal, uphold, overturn)."""

    __tablename__ = "rectification_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("rectification_cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    action: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(8))          # the state after the action
    actor: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(500))


class RectificationRule(Base):
    """A region's deadlines in working days (the city's and province's apply below them)."""

    __tablename__ = "rectification_rules"
    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    visit_workdays: Mapped[int] = mapped_column(Integer)
    rectify_workdays: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
