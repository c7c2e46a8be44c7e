"""好差评 from terminals: `POST /evaluations` (docs/casework.md §8)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from central.evaluations import submit_evaluation
from central.routes.applications import UUID_PATTERN
from central.routes.common import SIGNED, with_connection
from central.schemas import ErrorBody, EvaluationIn, EvaluationOut
from central.signing import SIGNED_OPERATION, SignedTerminal
from central.timeutil import utcnow

router = APIRouter(tags=["signed"])


@router.post(
    "/evaluations",
    openapi_extra=SIGNED_OPERATION,
    status_code=201,
    response_model=EvaluationOut,
    responses={
        200: {
            "model": EvaluationOut,
            "description": "The same evaluation again (same key, or same handling and body)",
        },
        409: {
            "model": ErrorBody,
            "description": "duplicate: the handling was rated already with another body "
            "(一次一评); idempotency_conflict: same key, different body",
        },
        **SIGNED,
    },
)
async def submit(
    body: EvaluationIn,
    request: Request,
    response: Response,
    terminal: SignedTerminal,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", pattern=UUID_PATTERN)],
) -> EvaluationOut:
    """One evaluation of one service handling; a 差评 (level 1–2) opens a rectification case."""
    clock: Callable[[], datetime] = getattr(request.app.state, "clock", utcnow)
    out, created = with_connection(
        request, submit_evaluation, terminal, idempotency_key.lower(), body, clock()
    )
    if not created:
        response.status_code = 200
    return out
