"""好差评's rectification cases (docs/casework.md §8): a 不满意 / 非常不满意 opens a case with
a return-visit and a rectification deadline in working days; staff move it along
(`visit`, `rectified`, `appeal`, `uphold`, `overturn`), each step an event row and an
audit entry in one transaction.

Deadlines count the State Council calendar's working days (central.calendar). Where the
way crosses a year the calendar does not know, Monday to Friday stand in for working days
and the case says `due_estimated`, rather than no deadline at all.

Two actions on one case at once: each takes the write lock first (SQLite's BEGIN
IMMEDIATE, PostgreSQL's SELECT ... FOR UPDATE on the case row), so the second reads the
state the first left and is refused with `bad_transition` if its move no longer applies.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select, update

from central import audit
from central.calendar import DEMO_SOURCE, Calendar, load_calendar
from central.db import write_transaction
from central.models_casework import (
    Evaluation,
    RectificationCase,
    RectificationEvent,
    RectificationRule,
)
from central.timeutil import to_beijing, utcnow

cases_t = cast(Table, RectificationCase.__table__)
events_t = cast(Table, RectificationEvent.__table__)
rules_t = cast(Table, RectificationRule.__table__)
evals_t = cast(Table, Evaluation.__table__)

STATES = ("待回访", "整改中", "已整改", "申诉复核")
OPENED = "待回访"
# action -> (the states it may start from, the state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "visit": (frozenset({"待回访"}), "整改中"),
    "rectified": (frozenset({"整改中"}), "已整改"),
    "appeal": (frozenset({"待回访", "整改中", "已整改"}), "申诉复核"),
    "uphold": (frozenset({"申诉复核"}), "整改中"),
    "overturn": (frozenset({"申诉复核"}), "已整改"),
}
ACTION_NAMES = {
    "opened": "立案", "visit": "已回访", "rectified": "已整改", "appeal": "申诉复核",
    "uphold": "维持差评", "overturn": "撤销差评",
}  # fmt: skip
REASON_NAMES = {
    "attitude": "服务态度不好", "slow": "办理时间长", "unclear": "告知不清楚",
    "many_visits": "多次跑动", "materials": "材料要求多", "device": "设备不好用",
    "result": "对结果不满意", "other": "其他",
}  # fmt: skip
DEFAULT_VISIT_DAYS = 1
DEFAULT_RECTIFY_DAYS = 15
MAX_WORKDAYS = 250
NOTE_MAX = 500
_REGION = re.compile(r"[0-9]{6}")
_PREFIX = re.compile(r"[0-9]{2,12}")  # a filter: a region code, or a console user's prefix
_CASE = re.compile(r"ZG[0-9]{14}")


class RectificationError(Exception):
    """A refused request; `reason` is the stable code (bad_transition, not_found, invalid)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def region_prefix(code: str) -> str:
    """What a region's descendants share (140500 -> 1405, 140000 -> 14), as the console's
    region check (central.console.auth.region_prefix, not imported: no web stack here)."""
    prefix = code
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix


def check_region(code: str) -> str:
    if not _REGION.fullmatch(code):
        raise RectificationError("invalid", f"a region code is 6 digits, e.g. 140500 (not {code!r})")
    return code


def _under(region: str) -> str:
    """The prefix the cases of `region` and the regions under it share."""
    if not _PREFIX.fullmatch(region):
        raise RectificationError("invalid", f"--region must be a region code, e.g. 140500 (not {region!r})")
    return region_prefix(region)


# --- rules and deadlines -----------------------------------------------------------------


def rule_for(conn: Connection, region_code: str) -> tuple[int, int]:
    """(visit, rectify) working days: the region's rule, else its city's (first 4 digits +
    00), else its province's (first 2 + 0000), else 1 and 15."""
    chain = [region_code, region_code[:4] + "00", region_code[:2] + "0000"]
    rows = {
        r.region_code: (r.visit_workdays, r.rectify_workdays)
        for r in conn.execute(
            select(rules_t.c.region_code, rules_t.c.visit_workdays, rules_t.c.rectify_workdays)
            .where(rules_t.c.region_code.in_(chain))
        )
    }  # fmt: skip
    for code in chain:
        if code in rows:
            return rows[code]
    return DEFAULT_VISIT_DAYS, DEFAULT_RECTIFY_DAYS


def set_rule(conn: Connection, region_code: str, visit: int, rectify: int, now: datetime,
             actor: str = "cli") -> dict[str, Any]:  # fmt: skip
    """Upsert a region's rule (cases already open keep their deadlines)."""
    check_region(region_code)
    for name, value in (("--visit-days", visit), ("--rectify-days", rectify)):
        if not 1 <= value <= MAX_WORKDAYS:
            raise RectificationError("invalid", f"{name} must be 1 to {MAX_WORKDAYS} working days")
    if visit > rectify:
        raise RectificationError("invalid", "--visit-days cannot exceed --rectify-days")
    values = {"visit_workdays": visit, "rectify_workdays": rectify, "updated_at": now}
    with write_transaction(conn):
        known = conn.execute(
            select(rules_t.c.region_code).where(rules_t.c.region_code == region_code)
        ).first()
        if known is None:
            conn.execute(insert(rules_t).values(region_code=region_code, **values))
        else:
            conn.execute(update(rules_t).where(rules_t.c.region_code == region_code).values(**values))
        audit.record(conn, actor, "rectification_rule", region_code,
                     {"visit_workdays": visit, "rectify_workdays": rectify}, at=now)  # fmt: skip
    return {"region_code": region_code, "visit_workdays": visit, "rectify_workdays": rectify}


def plus_workdays(calendar: Calendar, day: date, n: int) -> tuple[date, bool]:
    """(the date n working days after `day`, whether it is estimated): the calendar's
    answer, else the same walk with Monday–Friday for the days of unknown years; a way
    through a demo year (weekends only) is estimated too."""
    exact = calendar.plus_workdays(day, n)
    if exact is not None:
        # A demo year (weekends only, `seed --demo`) is no State Council notice either.
        years = range(day.year, exact.year + 1)
        guessed = any(calendar.source(date(y, 1, 1)) == DEMO_SOURCE for y in years)
        return exact, guessed
    current, left = day, n
    while left:
        current += timedelta(days=1)
        working = calendar.is_working(current)
        left -= int(current.isoweekday() <= 5 if working is None else working)
    return current, True


def deadlines(conn: Connection, region_code: str, received: date) -> tuple[date, date, bool]:
    """(visit_due, rectify_due, due_estimated) for a case received on `received` (Beijing)."""
    visit_n, rectify_n = rule_for(conn, region_code)
    calendar = load_calendar(conn, range(received.year, received.year + 2))
    visit_due, visit_guess = plus_workdays(calendar, received, visit_n)
    rectify_due, rectify_guess = plus_workdays(calendar, received, rectify_n)
    return visit_due, rectify_due, visit_guess or rectify_guess


# --- opening and acting ------------------------------------------------------------------


def open_case(conn: Connection, evaluation_id: int, region_code: str, now: datetime) -> str:
    """Open the case of a 差评 inside the caller's transaction; its case number."""
    received = to_beijing(now).date()
    visit_due, rectify_due, estimated = deadlines(conn, region_code, received)
    case_id = conn.execute(
        insert(cases_t).returning(cases_t.c.id),
        {"evaluation_id": evaluation_id, "region_code": region_code, "state": OPENED,
         "opened_at": now, "visit_due": visit_due, "rectify_due": rectify_due,
         "due_estimated": estimated, "updated_at": now},
    ).scalar_one()  # fmt: skip
    number = f"ZG{received:%Y%m%d}{case_id:06d}"
    conn.execute(update(cases_t).where(cases_t.c.id == case_id).values(case_number=number))
    note = f"回访期限 {visit_due}，整改期限 {rectify_due}" + ("（估算）" if estimated else "")
    conn.execute(
        insert(events_t).values(case_id=case_id, at=now, action="opened", state=OPENED,
                                actor="系统", note=note)
    )  # fmt: skip
    return number


def act(conn: Connection, case_number: str, action: str, note: str, actor: str,
        now: datetime) -> dict[str, Any]:  # fmt: skip
    """Do `action` on a case (`conn` autocommit: this opens the write transaction); the
    case afterwards. RectificationError: unknown action or case, empty note, or a move
    the case's state does not allow (`bad_transition`)."""
    if action not in TRANSITIONS:
        raise RectificationError("invalid", f"ACTION must be one of {', '.join(TRANSITIONS)}")
    note, actor = note.strip(), actor.strip()
    if not note or len(note) > NOTE_MAX:
        raise RectificationError("invalid", f"--note must be 1 to {NOTE_MAX} characters")
    if not actor or len(actor) > 40:
        raise RectificationError("invalid", "--actor must be 1 to 40 characters")
    sources, target = TRANSITIONS[action]
    with write_transaction(conn):
        query = select(cases_t.c.id, cases_t.c.state).where(cases_t.c.case_number == case_number)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = conn.execute(query).first()
        if row is None:
            raise RectificationError("not_found", f"no rectification case {case_number[:40]}")
        if row.state not in sources:
            raise RectificationError(
                "bad_transition", f"{action} is not possible for a case in state {row.state}"
            )
        conn.execute(update(cases_t).where(cases_t.c.id == row.id).values(state=target, updated_at=now))
        conn.execute(insert(events_t).values(case_id=row.id, at=now, action=action, state=target,
                                             actor=actor, note=note))  # fmt: skip
        audit.record(conn, actor, f"rectification_{action}", case_number,
                     {"from": row.state, "to": target}, at=now)  # fmt: skip
    found = case_detail(conn, case_number, to_beijing(now).date())
    assert found is not None
    return found


# --- reading -----------------------------------------------------------------------------


def beijing_today() -> date:
    return to_beijing(utcnow()).date()


def is_overdue(state: str, visit_due: date, rectify_due: date, today: date) -> bool:
    """待回访 past its visit deadline, or 待回访 / 整改中 past the rectification deadline."""
    if state == "待回访" and today > visit_due:
        return True
    return state in ("待回访", "整改中") and today > rectify_due


def _case_query() -> Any:
    return select(
        cases_t.c.id, cases_t.c.case_number, cases_t.c.state, cases_t.c.opened_at,
        cases_t.c.visit_due, cases_t.c.rectify_due, cases_t.c.due_estimated, cases_t.c.region_code,
        evals_t.c.level, evals_t.c.reasons, evals_t.c.comment, evals_t.c.item_name,
        evals_t.c.item_code, evals_t.c.service_id, evals_t.c.application_number,
        evals_t.c.hall_name, evals_t.c.handled_at, evals_t.c.rated_at,
    ).join(evals_t, evals_t.c.id == cases_t.c.evaluation_id)  # fmt: skip


def _as_json(row: Any, today: date) -> dict[str, Any]:
    from central.schemas import LEVEL_NAMES

    return {
        "case_number": row.case_number,
        "state": row.state,
        "level": row.level,
        "level_name": LEVEL_NAMES[row.level],
        "reasons": list(row.reasons or []),
        "comment": row.comment,
        "item_name": row.item_name,
        "service_id": row.service_id,
        "application_number": row.application_number,
        "hall": row.hall_name,
        "region_code": row.region_code,
        "opened_at": to_beijing(row.opened_at).isoformat(timespec="seconds"),
        "visit_due": row.visit_due.isoformat(),
        "rectify_due": row.rectify_due.isoformat(),
        "due_estimated": bool(row.due_estimated),
        "overdue": is_overdue(row.state, row.visit_due, row.rectify_due, today),
    }


def list_cases(conn: Connection, region: str | None = None, state: str | None = None,
               overdue: bool = False, today: date | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """The cases (newest first) under `region` (its prefix), in `state`, only overdue ones."""
    today = today or beijing_today()
    query = _case_query().order_by(cases_t.c.id.desc())
    if region is not None:
        query = query.where(cases_t.c.region_code.startswith(_under(region)))
    if state is not None:
        if state not in STATES:
            raise RectificationError("invalid", f"--state must be one of {', '.join(STATES)}")
        query = query.where(cases_t.c.state == state)
    rows = [_as_json(row, today) for row in conn.execute(query)]
    return [r for r in rows if r["overdue"]] if overdue else rows


def case_detail(conn: Connection, case_number: str, today: date | None = None) -> dict[str, Any] | None:
    """One case with its evaluation and events, or None."""
    if not _CASE.fullmatch(case_number):
        return None
    row = conn.execute(_case_query().where(cases_t.c.case_number == case_number)).first()
    if row is None:
        return None
    found = _as_json(row, today or beijing_today())
    found.update(item_code=row.item_code, handled_at=to_beijing(row.handled_at).isoformat(timespec="seconds"),
                 rated_at=to_beijing(row.rated_at).isoformat(timespec="seconds"))  # fmt: skip
    found["events"] = [
        {"at": to_beijing(e.at).isoformat(timespec="seconds"), "action": e.action,
         "state": e.state, "actor": e.actor, "note": e.note}
        for e in conn.execute(select(events_t).where(events_t.c.case_id == row.id).order_by(events_t.c.id))
    ]  # fmt: skip
    found["actions"] = [a for a, (sources, _) in TRANSITIONS.items() if row.state in sources]
    return found


def report(conn: Connection, region: str | None = None, date_from: date | None = None,
           date_to: date | None = None, today: date | None = None) -> dict[str, Any]:  # fmt: skip
    """The figures of the evaluations received (Beijing dates `date_from`..`date_to`, both
    included) under `region`: by level, the satisfaction rate (levels 3–5 over all), their
    cases by state and how many are overdue."""
    from sqlalchemy import func

    today = today or beijing_today()
    where = []
    if region is not None:
        where.append(evals_t.c.region_code.startswith(_under(region)))
    if date_from is not None:
        where.append(evals_t.c.received_at >= _utc_midnight(date_from))
    if date_to is not None:
        where.append(evals_t.c.received_at < _utc_midnight(date_to + timedelta(days=1)))
    by_level = {str(level): 0 for level in (5, 4, 3, 2, 1)}
    levels = select(evals_t.c.level, func.count()).where(*where).group_by(evals_t.c.level)
    for level, count in conn.execute(levels):
        by_level[str(level)] = int(count)
    total = sum(by_level.values())
    satisfied = sum(by_level[k] for k in ("5", "4", "3"))
    cases = {state: 0 for state in STATES}
    overdue = 0
    query = (
        select(cases_t.c.state, cases_t.c.visit_due, cases_t.c.rectify_due)
        .join(evals_t, evals_t.c.id == cases_t.c.evaluation_id)
        .where(*where)
    )
    for row in conn.execute(query):
        cases[row.state] = cases.get(row.state, 0) + 1
        overdue += is_overdue(row.state, row.visit_due, row.rectify_due, today)
    return {
        "total": total,
        "by_level": by_level,
        "satisfaction_rate": round(satisfied / total, 4) if total else None,
        "cases": cases,
        "overdue": overdue,
    }


def _utc_midnight(day: date) -> datetime:
    """The naive UTC moment a Beijing day starts (00:00 +08:00)."""
    return datetime(day.year, day.month, day.day) - timedelta(hours=8)
