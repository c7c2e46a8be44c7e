"""What anyone holding a receipt may see of an application (docs/casework.md §4): its
item, status, mode, the applicant masked (`张*`), when it was filed, the timeline with who
acted and the 多地联办 sub-cases, and the next steps — nothing else. No ID number, no
address, no document hash, no post tracking number (a parcel's number finds its address).

The number alone is not enough: numbers are region + date + sequence and can be guessed,
so the public page and the terminal's lookup need its check code too (central.tracking).
An unknown number and a wrong code answer the same `None`, so they cannot be told apart.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Connection

from central import applications
from central.schemas import (
    ApplicationOut,
    PublicApplicationOut,
    PublicPart,
    PublicStep,
    TimelineStep,
)
from central.tracking import check_matches, tracking_secret

NUMBER = re.compile(r"[0-9]{14,32}")
CHECK = re.compile(r"[0-9A-Za-z]{1,16}")


def mask_name(name: str) -> str:
    """The first character and one star: 张三 -> 张*, 欧阳娜娜 -> 欧*."""
    name = name.strip()
    return f"{name[:1]}*" if name else "*"


def _note(step: TimelineStep) -> str:
    """The step's note without its post tracking number, should a note name it."""
    note = step.note
    if step.tracking_number:
        note = note.replace(step.tracking_number, "****")
    return note


def _step(step: TimelineStep) -> PublicStep:
    return PublicStep(step=step.step, at=step.at, note=_note(step), actor=step.actor, part=step.part)


def public_view(out: ApplicationOut, applicant_name: str) -> PublicApplicationOut:
    """The public part of `out` (the full answer) with the applicant's name masked."""
    submitted = out.submitted_at or (out.timeline[0].at if out.timeline else None)
    if submitted is None:   # every application has its 申请 step; a guard, not a case
        raise ValueError(f"application {out.application_number} has no timeline")
    return PublicApplicationOut(
        application_number=out.application_number,
        item_name=out.item_name,
        status=out.status,
        mode=out.mode,
        applicant_masked=mask_name(applicant_name),
        submitted_at=submitted,
        timeline=[_step(s) for s in out.timeline],
        parts=[
            PublicPart(
                seq=p.seq,
                region_name=p.region_name,
                department=p.department,
                task=p.task,
                status=p.status,
            )
            for p in out.parts
        ],
        next_steps=out.next_steps,
    )


def check_ok(conn: Connection, number: str, check: str, now: datetime) -> bool:
    """Whether `check` is `number`'s check code (constant time)."""
    if not NUMBER.fullmatch(number) or not CHECK.fullmatch(check.strip()):
        return False
    return check_matches(tracking_secret(conn, now), number, check)


def public_of(
    conn: Connection, number: str, check: str | None, now: datetime
) -> PublicApplicationOut | None:
    """The public view of application `number`; None when it is unknown or `check` is not
    its code. `check=None` skips the code (only the signed terminal route may: an old
    receipt's QR has none, and that route counts such look-ups per terminal)."""
    if not NUMBER.fullmatch(number):
        return None
    if check is not None and not check_ok(conn, number, check, now):
        return None
    out = applications.find(conn, number)
    if out is None:
        return None
    applicant = applications.applicant_of(conn, number)
    return public_view(out, applicant[0] if applicant else "")
