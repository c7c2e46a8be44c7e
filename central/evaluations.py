"""好差评 received from terminals (docs/casework.md §8): stored exactly once per
(terminal, Idempotency-Key) and once per service handling (一次一评), and a 差评 (levels
1–2) opens its rectification case in the same transaction.

What central keeps is what the terminal sent plus what central knows itself: the hall and
region of the signing terminal, the item's name in the current catalogue, the application
number only when it names an application central has. Nothing personal: the application's
number is the most an evaluation carries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from central.catalogue import snapshot_of
from central.db import write_transaction
from central.errors import ApiError, validation_failed
from central.idempotency import body_hash, check_replay
from central.models import Application
from central.models_casework import Evaluation, RectificationCase
from central.rectification import open_case
from central.schemas import EvaluationIn, EvaluationOut
from central.signing import SignedBy
from central.timeutil import to_db, utcnow

evals_t = cast(Table, Evaluation.__table__)
cases_t = cast(Table, RectificationCase.__table__)
apps_t = cast(Table, Application.__table__)

LOW_LEVELS = (1, 2)  # 不满意, 非常不满意: reasons required, a rectification case opened

_STORED = (
    select(evals_t.c.id, evals_t.c.request_hash, cases_t.c.case_number)
    .select_from(evals_t)
    .outerjoin(cases_t, cases_t.c.evaluation_id == evals_t.c.id)
)
_BY_KEY = _STORED.where(
    evals_t.c.terminal_id == bindparam("terminal_id"),
    evals_t.c.idempotency_key == bindparam("key"),
)
_BY_HANDLING = _STORED.where(evals_t.c.handling_id == bindparam("handling_id"))
_APP_EXISTS = select(apps_t.c.id).where(apps_t.c.number == bindparam("number"))


def duplicate() -> ApiError:
    return ApiError(409, "duplicate", "this service handling has been evaluated already (一次一评)")


def check(body: EvaluationIn) -> None:
    """Reasons belong to the two lowest levels, which need at least one."""
    if body.level in LOW_LEVELS and not body.reasons:
        raise validation_failed({"reasons": "required"}, "levels 1 and 2 need at least one reason")
    if body.level not in LOW_LEVELS and body.reasons:
        raise validation_failed({"reasons": "not_allowed"}, "only levels 1 and 2 take reasons")


def _existing(conn: Connection, terminal: SignedBy, key: str, body: EvaluationIn,
              digest: str) -> EvaluationOut | None:  # fmt: skip
    """The stored answer when this request (by key, or by handling) was seen before: a
    replay (200); another body with the key is 409 idempotency_conflict, another
    evaluation of the handling 409 duplicate."""
    row = conn.execute(_BY_KEY, {"terminal_id": terminal.terminal_id, "key": key}).first()
    if row is not None:
        check_replay(row.request_hash, digest)
        return EvaluationOut(evaluation_id=row.id, case_number=row.case_number)
    row = conn.execute(_BY_HANDLING, {"handling_id": body.handling_id}).first()
    if row is not None:
        if row.request_hash != digest:
            raise duplicate()
        return EvaluationOut(evaluation_id=row.id, case_number=row.case_number)
    return None


def _row(conn: Connection, terminal: SignedBy, key: str, body: EvaluationIn, digest: str,
         now: datetime) -> dict[str, Any]:  # fmt: skip
    item_name = None
    if body.item_code is not None:
        snapshot = snapshot_of(conn, terminal.catalogue)
        item = snapshot.item(body.item_code) if snapshot is not None else None
        item_name = item.name if item is not None else None
    number = body.application_number
    if number is not None and conn.execute(_APP_EXISTS, {"number": number}).first() is None:
        number = None
    return {
        "handling_id": body.handling_id,
        "terminal_id": terminal.terminal_id,
        "idempotency_key": key,
        "request_hash": digest,
        "hall_name": terminal.hall_name,
        "region_code": terminal.region_code,
        "service_id": body.service_id,
        "item_code": body.item_code,
        "item_name": item_name,
        "application_number": number,
        "local_receipt": body.local_receipt,
        "level": body.level,
        "reasons": list(dict.fromkeys(body.reasons)),
        "comment": body.comment,
        "handled_at": to_db(body.handled_at),
        "rated_at": to_db(body.rated_at),
        "received_at": now,
    }


def submit_evaluation(conn: Connection, terminal: SignedBy, key: str, body: EvaluationIn,
                      now: datetime | None = None) -> tuple[EvaluationOut, bool]:  # fmt: skip
    """Store `body` once: (the answer, whether it is new). `conn` is autocommit; one write
    transaction stores the evaluation and, for a 差评, opens its case. Of two concurrent
    requests for one key or one handling the UNIQUE constraints let one win; the other
    answers from the winner's row (or 409 if it differs)."""
    digest = body_hash(body)
    found = _existing(conn, terminal, key, body, digest)
    if found is not None:
        return found, False
    check(body)
    now = now or utcnow()
    values = _row(conn, terminal, key, body, digest, now)
    try:
        with write_transaction(conn):
            evaluation_id = conn.execute(insert(evals_t).returning(evals_t.c.id), values).scalar_one()
            case_number = None
            if body.level in LOW_LEVELS:
                case_number = open_case(conn, evaluation_id, terminal.region_code, now)
    except IntegrityError:
        found = _existing(conn, terminal, key, body, digest)
        if found is None:
            raise
        return found, False
    return EvaluationOut(evaluation_id=evaluation_id, case_number=case_number), True
