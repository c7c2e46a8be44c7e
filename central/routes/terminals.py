"""Health and enrollment: the two unsigned endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from central.enrollment import enroll
from central.models import CatalogueVersion
from central.routes.common import INVALID, with_connection, with_session
from central.schemas import EnrollIn, EnrollOut, ErrorBody, HealthOut
from central.timeutil import utcnow

router = APIRouter()


_VERSION = select(CatalogueVersion.version).order_by(CatalogueVersion.id.desc()).limit(1)


def _health(conn: Connection) -> HealthOut:
    return HealthOut(status="ok", catalogue_version=conn.scalar(_VERSION))


@router.get("/health", response_model=HealthOut, tags=["unsigned"])
async def health(request: Request) -> HealthOut:
    return with_connection(request, _health)


def _enroll(session: Session, body: EnrollIn) -> EnrollOut:
    terminal = enroll(session, body.code, body.public_key, body.hostname, utcnow())
    return EnrollOut(
        terminal_id=str(terminal.terminal_id),
        hall_name=terminal.hall_name,
        region_code=terminal.region_code,
        profile=terminal.profile,  # type: ignore[arg-type]  # checked when the code was issued
    )


@router.post(
    "/terminals/enroll",
    status_code=201,
    response_model=EnrollOut,
    tags=["unsigned"],
    responses={
        400: {
            "model": ErrorBody,
            "description": "enrollment_failed: unknown, used or expired code",
        },
        **INVALID,
    },
)
async def enroll_terminal(body: EnrollIn, request: Request) -> EnrollOut:
    """Redeem a one-time code (the credential) for a terminal id bound to `public_key`."""
    return with_session(request, _enroll, body)
