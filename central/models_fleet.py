"""Running the fleet (issue 13): terminal health, remote operations, configuration
documents, software releases and rollouts, the ops console's users, sessions and audit log.

The contract between central's parts and the terminal is docs/fleet.md. Everything workers
share lives in these tables (stateless workers on one database): a heartbeat written by one
worker, a command queued by the console on another, a rollout advanced by whichever worker
takes the heartbeat that ends a wave (a row lock on the rollout). Times are naive UTC.
Nothing here holds a citizen's personal data: a heartbeat carries device states, counts and
versions only, and a pulled log is the terminal's masked log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from central.models import Base


class TerminalHealth(Base):
    """The latest heartbeat of each terminal (one row, replaced by each heartbeat).

    No index but the primary key, and pages left 30 % free on PostgreSQL: the 333 updates
    a second of a 20,000-terminal fleet are then HOT updates (no index entries written,
    old versions pruned within the page). Readers scan it whole (20,000 rows)."""

    __tablename__ = "terminal_health"
    __table_args__ = ({"postgresql_with": {"fillfactor": 70}},)
    terminal_id: Mapped[str] = mapped_column(
        ForeignKey("terminals.terminal_id"), primary_key=True
    )
    received_at: Mapped[datetime] = mapped_column(DateTime)  # last_seen
    software_version: Mapped[str] = mapped_column(String(40))
    config_version: Mapped[str] = mapped_column(String(40))
    maintenance: Mapped[bool] = mapped_column(Boolean, default=False)
    session_active: Mapped[bool] = mapped_column(Boolean, default=False)
    faults: Mapped[int] = mapped_column(Integer, default=0)  # devices not ready
    supplies_low: Mapped[bool] = mapped_column(Boolean, default=False)
    outbox_depth: Mapped[int] = mapped_column(Integer, default=0)
    update_state: Mapped[str] = mapped_column(String(16), default="idle")
    digest: Mapped[str] = mapped_column(String(64))  # of what a history row keeps (below)
    body: Mapped[dict[str, Any]] = mapped_column()  # the heartbeat as received (HeartbeatIn)
    # When the last history row was written (its digest is `digest`; NULL: none yet): the
    # heartbeat's one upsert decides whether history is due without reading the history.
    history_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A command may be waiting (queued, or delivered and not acknowledged): set by
    # queue_command, cleared by a heartbeat that found none, so most heartbeats skip the
    # commands table altogether (central.fleet_commands).
    commands_pending: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class TerminalHealthHistory(Base):
    """A bounded history: a row when the digest (versions, device states and supplies,
    maintenance, update and config state) changed, else at most one an hour; rows older
    than the retention (14 days) are pruned."""

    __tablename__ = "terminal_health_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminals.terminal_id"))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    digest: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column()

    __table_args__ = (
        Index("ix_terminal_health_history_terminal", "terminal_id", "received_at"),
        Index("ix_terminal_health_history_received_at", "received_at"),
    )


class TerminalCommand(Base):
    """A remote operation for one terminal: queued, delivered on a heartbeat's answer,
    acknowledged by the next heartbeat, then done or failed with the terminal's result."""

    __tablename__ = "terminal_commands"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminals.terminal_id"))
    # maintenance_on | maintenance_off | reload_config | pull_log | doctor
    kind: Mapped[str] = mapped_column(String(20))
    args: Mapped[dict[str, Any]] = mapped_column()
    # queued | delivered | acked | done | failed | expired
    state: Mapped[str] = mapped_column(String(10), default="queued")
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    acked_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    result: Mapped[dict[str, Any] | None] = mapped_column()
    log_text: Mapped[str | None] = mapped_column(Text)  # pull_log: the masked log

    __table_args__ = (Index("ix_terminal_commands_pending", "terminal_id", "state"),)


class ConfigDocument(Base):
    """One version of a configuration layer. Scopes, weakest first: all (key ""), profile
    (hall|bank|community), region (6-digit code), hall (hall code), terminal (terminal id).
    A terminal's effective configuration merges the latest published version of each layer
    that applies to it, weakest first."""

    __tablename__ = "config_documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(10))
    scope_key: Mapped[str] = mapped_column(String(40), default="")
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per (scope, scope_key)
    body: Mapped[dict[str, Any]] = mapped_column()  # kiosk config sections (no [central])
    body_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_by: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        UniqueConstraint("scope", "scope_key", "version"),
        # The layers' latest published versions, looked up on every heartbeat
        # (central.config_docs.effective_version).
        Index("ix_config_documents_layer", "scope", "scope_key", "published_at"),
    )


class Release(Base):
    """A software release: one TUF target in the updates repository."""

    __tablename__ = "releases"
    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    target_name: Mapped[str] = mapped_column(String(120), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    length: Mapped[int] = mapped_column(Integer)
    lock_hash: Mapped[str] = mapped_column(String(64))  # of the bundle's locked dependencies
    notes: Mapped[str] = mapped_column(String(400), default="")
    published_by: Mapped[str] = mapped_column(String(40))
    published_at: Mapped[datetime] = mapped_column(DateTime)


class Rollout(Base):
    """A release going out in waves. `waves` are cumulative percentages of the terminals in
    scope, the first being the canary (e.g. [5, 30, 100]); a wave whose failures exceed
    `error_threshold` (a fraction of its terminals) pauses the rollout by itself."""

    __tablename__ = "rollouts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(ForeignKey("releases.version"))
    # running | paused | aborted | completed
    state: Mapped[str] = mapped_column(String(10), default="running")
    pause_reason: Mapped[str] = mapped_column(String(200), default="")
    scope: Mapped[dict[str, Any]] = mapped_column()  # {} all, or {"region": ..., "hall": ...}
    waves: Mapped[list[Any]] = mapped_column()
    error_threshold: Mapped[float] = mapped_column(Float, default=0.1)
    current_wave: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class RolloutTarget(Base):
    """One terminal of a rollout: its wave and how its update went."""

    __tablename__ = "rollout_targets"
    rollout_id: Mapped[int] = mapped_column(ForeignKey("rollouts.id"), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(
        ForeignKey("terminals.terminal_id"), primary_key=True
    )
    wave: Mapped[int] = mapped_column(Integer)
    # waiting | offered | installing | trial | committed | failed | skipped
    state: Mapped[str] = mapped_column(String(12), default="waiting")
    from_version: Mapped[str] = mapped_column(String(40), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_rollout_targets_terminal", "terminal_id"),)


class VersionPin(Base):
    """A terminal or a hall held at a version: no rollout offers it anything else."""

    __tablename__ = "version_pins"
    scope: Mapped[str] = mapped_column(String(10), primary_key=True)  # terminal | hall
    scope_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class FleetClock(Base):
    """The demo's clock offset for update windows (one row, id 1). Read only when central
    runs as the demo; production uses the real clock."""

    __tablename__ = "fleet_clock"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offset_seconds: Mapped[int] = mapped_column(Integer, default=0)


class OpsUser(Base):
    """A console user. Roles: admin (everything), regional (their region), hall_staff
    (their hall's print log and queue pages)."""

    __tablename__ = "ops_users"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # scrypt, as window staff
    role: Mapped[str] = mapped_column(String(12))
    region_code: Mapped[str | None] = mapped_column(String(12))
    hall_code: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class OpsSession(Base):
    """A console login: the cookie holds a random token, the table its SHA-256."""

    __tablename__ = "ops_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("ops_users.name"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class AuditEntry(Base):
    """Every console and CLI action that changes something, and every log view."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(40))  # console user, or "cli:<login>"
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(80), default="")
    detail: Mapped[dict[str, Any]] = mapped_column()
