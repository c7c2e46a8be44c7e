"""The hall's day (issue 12): the calendar (holidays, 调休 make-up workdays, known years),
halls with their sites, queue categories, windows and sessions, slot counters, bookings and
suspensions, and the queue (series, offline blocks, tickets, events, window staff).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )
    op.create_table(
        "halls",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("min_advance_hours", sa.Integer(), nullable=False),
        sa.Column("max_workdays_ahead", sa.Integer(), nullable=False),
        sa.Column("cancel_before_minutes", sa.Integer(), nullable=False),
        sa.Column("no_show_limit", sa.Integer(), nullable=False),
        sa.Column("no_show_window_days", sa.Integer(), nullable=False),
        sa.Column("suspension_days", sa.Integer(), nullable=False),
        sa.Column("checkin_early_minutes", sa.Integer(), nullable=False),
        sa.Column("checkin_late_minutes", sa.Integer(), nullable=False),
        sa.Column("calling_order", sa.String(length=60), nullable=False),
        sa.Column("green_age", sa.Integer(), nullable=False),
        sa.Column("max_calls", sa.Integer(), nullable=False),
        sa.Column("offline_block_size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_halls")),
        sa.UniqueConstraint("name", name=op.f("uq_halls_name")),
    )
    op.create_table(
        "queue_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hall_code", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_events")),
    )
    with op.batch_alter_table("queue_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_queue_events_hall_code"), ["hall_code"], unique=False)

    op.create_table(
        "slot_counters",
        sa.Column("hall_code", sa.String(length=20), nullable=False),
        sa.Column("category_code", sa.String(length=2), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "booked >= 0 AND booked <= capacity", name=op.f("ck_slot_counters_within")
        ),
        sa.PrimaryKeyConstraint(
            "hall_code", "category_code", "starts_at", name=op.f("pk_slot_counters")
        ),
    )
    op.create_table(
        "booking_suspensions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id_number", sa.String(length=18), nullable=False),
        sa.Column("hall_code", sa.String(length=20), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("lifted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hall_code"], ["halls.code"], name=op.f("fk_booking_suspensions_hall_code_halls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_suspensions")),
    )
    with op.batch_alter_table("booking_suspensions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_booking_suspensions_person_id_number"),
            ["person_id_number"],
            unique=False,
        )

    op.create_table(
        "bookings",
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("hall_code", sa.String(length=20), nullable=False),
        sa.Column("category_code", sa.String(length=2), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("session", sa.String(length=8), nullable=False),
        sa.Column("person_id_number", sa.String(length=18), nullable=True),
        sa.Column("person_name", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("terminal_id", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_at", sa.DateTime(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_bookings_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["hall_code"], ["halls.code"], name=op.f("fk_bookings_hall_code_halls")
        ),
        sa.PrimaryKeyConstraint("appointment_id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_bookings_idempotency_key")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index("ix_bookings_hall_day", ["hall_code", "day"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_bookings_person_id_number"), ["person_id_number"], unique=False
        )
        batch_op.create_index(
            "uq_bookings_active_person_item_day",
            ["person_id_number", "item_code", "day"],
            unique=True,
            sqlite_where=sa.text("status = 'booked'"),
            postgresql_where=sa.text("status = 'booked'"),
        )

    op.create_table(
        "hall_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hall_code", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("days", sa.String(length=8), nullable=False),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("start", sa.String(length=5), nullable=False),
        sa.Column("end", sa.String(length=5), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hall_code"], ["halls.code"], name=op.f("fk_hall_sessions_hall_code_halls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hall_sessions")),
    )
    with op.batch_alter_table("hall_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hall_sessions_hall_code"), ["hall_code"], unique=False)

    op.create_table(
        "hall_sites",
        sa.Column("site_name", sa.String(length=100), nullable=False),
        sa.Column("hall_code", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hall_code"], ["halls.code"], name=op.f("fk_hall_sites_hall_code_halls")
        ),
        sa.PrimaryKeyConstraint("site_name", "hall_code", name=op.f("pk_hall_sites")),
    )
    op.create_table(
        "hall_staff",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hall_code", sa.String(length=20), nullable=False),
        sa.Column("login", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hall_code"], ["halls.code"], name=op.f("fk_hall_staff_hall_code_halls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hall_staff")),
        sa.UniqueConstraint("login", name=op.f("uq_hall_staff_login")),
    )
    op.create_table(
        "hall_windows",
        sa.Column("hall_code", sa.String(length=20), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hall_code"], ["halls.code"], name=op.f("fk_hall_windows_hall_code_halls")
        ),
        sa.PrimaryKeyConstraint("hall_code", "number", name=op.f("pk_hall_windows")),
    )
    op.create_table(
        "queue_blocks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("terminal_id", sa.String(length=16), nullable=False),
        sa.Column("hall_code", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category_code", sa.String(length=2), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hall_code"], ["halls.code"], name=op.f("fk_queue_blocks_hall_code_halls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_blocks")),
    )
    with op.batch_alter_table("queue_blocks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_queue_blocks_terminal_id"), ["terminal_id"], unique=False
        )

    op.create_table(
        "queue_categories",
        sa.Column("hall_code", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hall_code"], ["halls.code"], name=op.f("fk_queue_categories_hall_code_halls")
        ),
        sa.PrimaryKeyConstraint("hall_code", "code", name=op.f("pk_queue_categories")),
    )
    op.create_table(
        "queue_series",
        sa.Column("hall_code", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category_code", sa.String(length=2), nullable=False),
        sa.Column("next_number", sa.Integer(), nullable=False),
        sa.Column("next_offline", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hall_code"], ["halls.code"], name=op.f("fk_queue_series_hall_code_halls")
        ),
        sa.PrimaryKeyConstraint("hall_code", "day", "category_code", name=op.f("pk_queue_series")),
    )
    op.create_table(
        "queue_tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hall_code", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category_code", sa.String(length=2), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("terminal_id", sa.String(length=16), nullable=True),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("slot_starts_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("window_number", sa.Integer(), nullable=True),
        sa.Column("called_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("transferred_from", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_queue_tickets_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["hall_code"], ["halls.code"], name=op.f("fk_queue_tickets_hall_code_halls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_tickets")),
        sa.UniqueConstraint("hall_code", "day", "label", name="uq_queue_tickets_hall_day_label"),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_queue_tickets_idempotency_key")),
    )
    with op.batch_alter_table("queue_tickets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_queue_tickets_hall_day_status", ["hall_code", "day", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("queue_tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_tickets_hall_day_status")

    op.drop_table("queue_tickets")
    op.drop_table("queue_series")
    op.drop_table("queue_categories")
    with op.batch_alter_table("queue_blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_queue_blocks_terminal_id"))

    op.drop_table("queue_blocks")
    op.drop_table("hall_windows")
    op.drop_table("hall_staff")
    op.drop_table("hall_sites")
    with op.batch_alter_table("hall_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hall_sessions_hall_code"))

    op.drop_table("hall_sessions")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_bookings_active_person_item_day",
            sqlite_where=sa.text("status = 'booked'"),
            postgresql_where=sa.text("status = 'booked'"),
        )
        batch_op.drop_index(batch_op.f("ix_bookings_person_id_number"))
        batch_op.drop_index("ix_bookings_hall_day")

    op.drop_table("bookings")
    with op.batch_alter_table("booking_suspensions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_suspensions_person_id_number"))

    op.drop_table("booking_suspensions")
    op.drop_table("slot_counters")
    with op.batch_alter_table("queue_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_queue_events_hall_code"))

    op.drop_table("queue_events")
    op.drop_table("halls")
    op.drop_table("calendar_years")
    op.drop_table("calendar_days")
