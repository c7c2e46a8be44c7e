"""Submitting applications exactly once, numbering them, and their first timeline.

Exactly-once rests on the database, not on this process: (terminal_id, idempotency_key)
is UNIQUE, so of two concurrent submissions with one key (two workers, two hosts) one
insert wins and the other gets an IntegrityError and answers with the winner's row.
The application number derives from the row's id, which the database hands out.

Submission is the busiest write, so it is SQLAlchemy Core with prebuilt statements: the
checks read on an autocommit connection, then one transaction does an INSERT ... RETURNING,
one UPDATE for the number, one multi-row INSERT of the timeline (and, for 多地联办, one of
its parts); the answer is built from the values written, not read back.

How it goes on from there (docs/casework.md §3): central.custody (全程网办, 异地代收's chain
of custody), central.joint (多地联办's parts), central.application_advance (the CLI's
advance), central.applications_mine (a citizen's own applications).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, RowMapping, Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.application_advance import advance
from central.application_checks import (
    agent_errors,
    delivery_errors,
    evidence_errors,
    materials_with_pages,
)
from central.application_view import OUT_COLUMNS, build_out, find, out_of_row
from central.applications_mine import mine, pending_of
from central.casework_mode import application_mode
from central.catalogue import held_types, holder_licences
from central.custody import (
    REMOTE_STEPS,
    STEPS,
    custody_received,
    remote,
    submission_note,
)
from central.db import transaction
from central.errors import validation_failed
from central.forms import form_errors, material_errors
from central.idempotency import body_hash, check_replay
from central.joint import insert_parts, part_rows, split_events
from central.models import Application, ApplicationEvent, Company, Region
from central.schemas import ApplicationIn, ApplicationOut, Item, Mode
from central.signing import SignedBy
from central.timeutil import BEIJING, to_beijing, to_db, utcnow
from central.tracking import tracking_secret

__all__ = [
    "REMOTE_STEPS", "STEPS", "advance", "applicant_of", "find", "mine", "pending_of", "submit",
]

_apps = cast(Table, Application.__table__)
_events = cast(Table, ApplicationEvent.__table__)
_BY_KEY = select(*OUT_COLUMNS).where(
    _apps.c.terminal_id == bindparam("terminal_id"),
    _apps.c.idempotency_key == bindparam("key"),
)
_APPLICANT = select(_apps.c.applicant_name, _apps.c.applicant_id_number).where(
    _apps.c.number == bindparam("number")
)
_INSERT = insert(_apps).returning(_apps.c.id)
_SET_NUMBER = update(_apps).where(_apps.c.id == bindparam("app_id")).values(number=bindparam("no"))
_REPRESENTATIVE = select(Company.representative_id_number).where(Company.uscc == bindparam("uscc"))
_REGION_NAME = select(Region.name).where(Region.code == bindparam("code"))
_REGION_NAMES = select(Region.code, Region.name).where(
    Region.code.in_(bindparam("codes", expanding=True))
)


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
    public_url: str | None = None,
) -> tuple[ApplicationOut, bool]:
    """Store `body` once per (terminal, key): (the application, whether it is new).

    `conn` is an autocommit connection: the checks read without a transaction, and one
    explicit transaction stores the application. `public_url`: central's public base, for
    the tracking URL (null without one).
    """
    digest = request_hash(body)
    keys = {"terminal_id": terminal.terminal_id, "key": key}
    existing = conn.execute(_BY_KEY, keys).mappings().first()
    if existing is not None:
        return _replay(conn, existing, digest, public_url), False
    if item is None:
        raise validation_failed(
            {"item_code": "unknown_item"}, "no such item in the current catalogue"
        )
    mode = application_mode(item, terminal.region_code)
    _validate(conn, body, item, mode)

    now = utcnow()
    secret = tracking_secret(conn, now)  # read (once per process) before the transaction
    events = _initial_events(conn, terminal, item, body, mode, now)
    app_events = [e for e in events if e["part"] is None]
    values = _row(terminal, key, digest, body, version, item, now, mode, app_events[-1]["step"])
    try:
        with transaction(conn) as tx:
            app_id = tx.execute(_INSERT, values).scalar_one()  # the UNIQUE key is checked here
            number = f"{terminal.region_code}{to_beijing(now):%Y%m%d}{app_id:06d}"
            tx.execute(_SET_NUMBER, {"app_id": app_id, "no": number})
            # One multi-row INSERT (an executemany would be a round trip per row).
            tx.execute(insert(_events).values([{"application_id": app_id, **e} for e in events]))
            parts = part_rows(app_id, item.joint, now) if mode == "多地联办" else []
            insert_parts(tx, parts)
    except IntegrityError:
        # The winner has committed (our INSERT waited for it), so this read sees it.
        winner = conn.execute(_BY_KEY, keys).mappings().first()
        if winner is None:  # not a key collision: a real fault
            raise
        return _replay(conn, winner, digest, public_url), False
    codes = [p["region_code"] for p in parts]
    names = dict(conn.execute(_REGION_NAMES, {"codes": codes}).all()) if codes else {}
    named = [{**p, "region_name": names.get(p["region_code"], p["region_code"])} for p in parts]
    return build_out({**values, "number": number}, events, named, secret, public_url), True


def applicant_of(conn: Connection, number: str) -> tuple[str, str] | None:
    """(name, id_number) of the application's applicant (the principal when 代办), or None."""
    row = conn.execute(_APPLICANT, {"number": number}).first()
    return (row.applicant_name, row.applicant_id_number) if row is not None else None


def _replay(
    conn: Connection, row: RowMapping, digest: str, public_url: str | None
) -> ApplicationOut:
    check_replay(row["request_hash"], digest)
    return out_of_row(conn, row, public_url)


def _validate(conn: Connection, body: ApplicationIn, item: Item, mode: Mode) -> None:
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
        errors.update(material_errors(item.materials, materials_with_pages(body, item), held))
    errors.update(agent_errors(body, item))
    errors.update(delivery_errors(body, mode))
    errors.update(evidence_errors(body, item))
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
    mode: Mode,
    status: str,
) -> dict[str, Any]:
    delivery = None
    if body.delivery is not None:
        delivery = {
            "method": body.delivery.method,
            "address": body.delivery.address if body.delivery.method == "post" else None,
            "pickup_hall": terminal.hall_name if body.delivery.method == "pickup" else None,
        }
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
        "agent_id_number": body.agent.id_number if body.agent else None,
        "region_received": terminal.region_code,
        "region_handling": item.handling_region_code,
        "status": status,
        "mode": mode,
        "delivery": delivery,
        "parts_total": len(item.joint) if mode == "多地联办" else 0,
        "evidence": [e.model_dump() for e in body.evidence],
        "form": dict(body.form),
        "materials": [m.model_dump() for m in body.materials],
        "local_receipt": body.local_receipt,
        "next_steps": _next_steps(item, terminal.region_code, mode, body),
        "submitted_at": to_db(body.submitted_at),
        "received_at": now,
    }


def _next_steps(item: Item, region_received: str, mode: Mode, body: ApplicationIn) -> str:
    when = "即时办结" if item.promised_days == 0 else f"承诺{item.promised_days}个工作日内办结"
    text = f"{when}，结果将通过短信通知。"
    if mode == "多地联办":
        text = f"由{len(item.joint)}个部门联合办理，{text}"
    elif remote(region_received, item.handling_region_code):
        # 焦作市住房公积金管理中心 names its city already; 城区分局 does not
        who = item.department if item.department.startswith(item.region_name) else item.region_name + item.department
        text = f"由{who}办理，{text}"
    if mode == "异地代收" and body.delivery is not None:
        if body.delivery.method == "post":
            text += "办理结果将邮寄到您填写的地址。"
        else:
            text += "办结后请到本大厅领取结果。"
    elif item.visits:
        text += f"办结后请到{item.where_to_go}领取结果（到现场1次）。"
    return text


def _region_name(conn: Connection | Session, code: str) -> str:
    return conn.scalar(_REGION_NAME, {"code": code}) or code


def _event(step: str, at: datetime, note: str, actor: str | None = None) -> dict[str, Any]:
    return {"step": step, "at": at, "note": note, "actor": actor, "hashes": None,
            "tracking_number": None, "part": None}


def _initial_events(
    conn: Connection,
    terminal: SignedBy,
    item: Item,
    body: ApplicationIn,
    mode: Mode,
    now: datetime,
) -> list[dict[str, Any]]:
    """申请, then per mode (docs/casework.md §3): 异地代收's 收件; 多地联办's 受理 and its
    parts' 受理; else 代收 (handled in another region) and 受理 (一证通办)."""
    events = [_event("申请", to_db(body.submitted_at), submission_note(terminal.hall_name))]
    if mode == "异地代收":
        evidence = [e.model_dump() for e in body.evidence]
        events.append(custody_received(terminal.hall_name, evidence, now))
        return events
    if mode == "多地联办":
        return events + split_events(item.department, item.joint, now)
    if remote(terminal.region_code, item.handling_region_code):
        received = _region_name(conn, terminal.region_code)
        events.append(_event("代收", now, f"{received}异地代收"))
    if item.one_id:
        events.append(_event("受理", now, "一证通办自动受理"))
    return events
