"""Submitting applications exactly once, numbering them, and their timeline.

Exactly-once rests on the database, not on this process: (terminal_id, idempotency_key)
is UNIQUE, so of two concurrent submissions with one key (two workers, two hosts) one
insert wins and the other gets an IntegrityError and answers with the winner's row.
The application number derives from the row's id, which the database hands out.

Submission is the busiest write, so it is SQLAlchemy Core with prebuilt statements: the
checks read on an autocommit connection, then one transaction does an INSERT ... RETURNING,
one UPDATE for the number and one multi-row INSERT of the timeline; the answer is built
from the values written, not read back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    RowMapping,
    Table,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.catalogue import held_types, holder_licences
from central.db import transaction
from central.errors import validation_failed
from central.forms import form_errors, material_errors
from central.idempotency import body_hash, check_replay
from central.models import Application, ApplicationEvent, Company, Region
from central.schemas import ApplicationIn, ApplicationOut, Item, TimelineStep
from central.signing import SignedBy
from central.timeutil import BEIJING, to_beijing, to_db, utcnow

STEPS = ("申请", "受理", "办理", "办结", "送达", "归档")
REMOTE_STEPS = ("申请", "代收", "受理", "流转", "办理", "办结", "送达", "归档")

_apps = cast(Table, Application.__table__)
_events = cast(Table, ApplicationEvent.__table__)
_OUT_COLUMNS = (
    _apps.c.id,
    _apps.c.number,
    _apps.c.request_hash,
    _apps.c.local_receipt,
    _apps.c.status,
    _apps.c.item_code,
    _apps.c.item_name,
    _apps.c.region_received,
    _apps.c.region_handling,
    _apps.c.next_steps,
)
_BY_KEY = select(*_OUT_COLUMNS).where(
    _apps.c.terminal_id == bindparam("terminal_id"),
    _apps.c.idempotency_key == bindparam("key"),
)
_BY_NUMBER = select(*_OUT_COLUMNS).where(_apps.c.number == bindparam("number"))
_EVENTS = (
    select(_events.c.step, _events.c.at, _events.c.note)
    .where(_events.c.application_id == bindparam("app_id"))
    .order_by(_events.c.id)
)
_INSERT = insert(_apps).returning(_apps.c.id)
_SET_NUMBER = update(_apps).where(_apps.c.id == bindparam("app_id")).values(number=bindparam("no"))
_REPRESENTATIVE = select(Company.representative_id_number).where(Company.uscc == bindparam("uscc"))
_REGION_NAME = select(Region.name).where(Region.code == bindparam("code"))


def remote(region_received: str, region_handling: str) -> bool:
    return region_received != region_handling


def steps_for(app: Application) -> tuple[str, ...]:
    """异地 (handled in another region than received): 代收 after 申请, 流转 before 办理."""
    return REMOTE_STEPS if remote(app.region_received, app.region_handling) else STEPS


def request_hash(body: ApplicationIn) -> str:
    """Hash of the request as parsed, so the same content in other whitespace is the same."""
    return body_hash(body)


def submit(
    conn: Connection,
    terminal: SignedBy,
    key: str,
    body: ApplicationIn,
    version: str,
    item: Item | None,
) -> tuple[ApplicationOut, bool]:
    """Store `body` once per (terminal, key): (the application, whether it is new).

    `conn` is an autocommit connection: the checks read without a transaction, and one
    explicit transaction stores the application.
    """
    digest = request_hash(body)
    keys = {"terminal_id": terminal.terminal_id, "key": key}
    existing = conn.execute(_BY_KEY, keys).mappings().first()
    if existing is not None:
        return _replay(conn, existing, digest), False
    if item is None:
        raise validation_failed(
            {"item_code": "unknown_item"}, "no such item in the current catalogue"
        )
    _validate(conn, body, item)

    now = utcnow()
    events = _initial_events(conn, terminal, item, body.submitted_at, now)
    values = _row(terminal, key, digest, body, version, item, now, status=events[-1]["step"])
    try:
        with transaction(conn) as tx:
            app_id = tx.execute(_INSERT, values).scalar_one()  # the UNIQUE key is checked here
            number = f"{terminal.region_code}{to_beijing(now):%Y%m%d}{app_id:06d}"
            tx.execute(_SET_NUMBER, {"app_id": app_id, "no": number})
            # One multi-row INSERT (an executemany would be a round trip per row).
            tx.execute(insert(_events).values([{"application_id": app_id, **e} for e in events]))
    except IntegrityError:
        # The winner has committed (our INSERT waited for it), so this read sees it.
        winner = conn.execute(_BY_KEY, keys).mappings().first()
        if winner is None:  # not a key collision: a real fault
            raise
        return _replay(conn, winner, digest), False
    return _out({**values, "number": number}, events), True


def find(conn: Connection, number: str) -> ApplicationOut | None:
    row = conn.execute(_BY_NUMBER, {"number": number}).mappings().first()
    return _out_of_row(conn, row) if row is not None else None


def _replay(conn: Connection, row: RowMapping, digest: str) -> ApplicationOut:
    check_replay(row["request_hash"], digest)
    return _out_of_row(conn, row)


def _out_of_row(conn: Connection, row: RowMapping) -> ApplicationOut:
    events = [dict(e) for e in conn.execute(_EVENTS, {"app_id": row["id"]}).mappings()]
    return _out(dict(row), events)


def _out(app: dict[str, Any], events: list[dict[str, Any]]) -> ApplicationOut:
    return ApplicationOut(
        application_number=str(app["number"]),
        local_receipt=app["local_receipt"],
        status=app["status"],
        item_code=app["item_code"],
        item_name=app["item_name"],
        region_received=app["region_received"],
        region_handling=app["region_handling"],
        timeline=[
            TimelineStep(step=e["step"], at=to_beijing(e["at"]), note=e["note"]) for e in events
        ],
        next_steps=app["next_steps"],
    )


def _validate(conn: Connection, body: ApplicationIn, item: Item) -> None:
    errors: dict[str, str] = {}
    if body.applicant.kind != item.applicant_kind:
        errors["applicant.kind"] = f"must_be_{item.applicant_kind}"
    holder: tuple[str, str] | None = ("person", body.applicant.id_number)
    if item.applicant_kind == "company":
        holder = None  # whose licences count is known only for a known company
        representative = (
            conn.scalar(_REPRESENTATIVE, {"uscc": body.company.uscc}) if body.company else None
        )
        if body.company is None:
            errors["company"] = "required"
        elif representative is None:
            errors["company.uscc"] = "unknown_company"
        elif representative != body.applicant.id_number:
            errors["applicant.id_number"] = "not_representative"
        else:
            holder = ("company", body.company.uscc)
    elif body.company is not None:
        errors["company"] = "not_allowed"
    errors.update(form_errors(item.fields, body.form))
    if holder is not None:
        held = held_types(holder_licences(conn, *holder), datetime.now(BEIJING).date())
        errors.update(material_errors(item.materials, body.materials, held))
    if errors:
        raise validation_failed(errors)


def _row(
    terminal: SignedBy,
    key: str,
    digest: str,
    body: ApplicationIn,
    version: str,
    item: Item,
    now: datetime,
    status: str,
) -> dict[str, Any]:
    return {
        "terminal_id": terminal.terminal_id,
        "idempotency_key": key,
        "request_hash": digest,
        "item_code": item.code,
        "item_name": item.name,
        "department": item.department,
        "catalogue_version": version,
        "applicant_kind": body.applicant.kind,
        "applicant_id_number": body.applicant.id_number,
        "applicant_name": body.applicant.name,
        "company_uscc": body.company.uscc if body.company else None,
        "company_name": body.company.name if body.company else None,
        "agent": body.agent.model_dump() if body.agent else None,
        "region_received": terminal.region_code,
        "region_handling": item.handling_region_code,
        "status": status,
        "form": dict(body.form),
        "materials": [m.model_dump() for m in body.materials],
        "local_receipt": body.local_receipt,
        "next_steps": _next_steps(item, terminal.region_code),
        "submitted_at": to_db(body.submitted_at),
        "received_at": now,
    }


def _next_steps(item: Item, region_received: str) -> str:
    when = "即时办结" if item.promised_days == 0 else f"承诺{item.promised_days}个工作日内办结"
    text = f"{when}，结果将通过短信通知。"
    if remote(region_received, item.handling_region_code):
        text = f"由{item.region_name}{item.department}办理，{text}"
    if item.visits:
        text += f"办结后请到{item.where_to_go}领取结果（到现场1次）。"
    return text


def _region_name(conn: Connection | Session, code: str) -> str:
    return conn.scalar(_REGION_NAME, {"code": code}) or code


def _initial_events(
    conn: Connection, terminal: SignedBy, item: Item, submitted_at: datetime, now: datetime
) -> list[dict[str, Any]]:
    events = [
        {"step": "申请", "at": to_db(submitted_at), "note": f"自助终端提交（{terminal.hall_name}）"}
    ]
    if remote(terminal.region_code, item.handling_region_code):
        received = _region_name(conn, terminal.region_code)
        events.append({"step": "代收", "at": now, "note": f"{received}异地代收"})
    if item.one_id:
        events.append({"step": "受理", "at": now, "note": "一证通办自动受理"})
    return events


def advance(session: Session, app: Application) -> str:
    """Move `app` one step along its timeline (an ops tool for the demo); the new status."""
    steps = steps_for(app)
    position = steps.index(app.status)
    if position + 1 >= len(steps):
        raise ValueError(f"application {app.number} is already {app.status}")
    step = steps[position + 1]
    note = _advance_note(session, app, step)
    app.events.append(ApplicationEvent(step=step, at=utcnow(), note=note))
    app.status = step
    session.commit()
    return step


def _advance_note(session: Session, app: Application, step: str) -> str:
    notes = {
        "受理": "窗口受理",
        "流转": f"材料流转至{_region_name(session, app.region_handling)}",
        "办理": f"{app.department}办理中",
        "办结": "审批办结",
        "送达": "结果已送达，短信已通知",
        "归档": "已归档",
    }
    return notes.get(step, step)
