"""What the 办件查询 screens show of central's applications: plain values, times already the
hall's wall time, nothing a screen has to compute. Kept apart from the flow so the flow reads
as steps and the screens as layout.

An identified citizen's view (``AppView`` from a ``MineApplication``) carries the 查询码,
the role (申请人 / 代办人), the 代办 and delivery lines, what they must still do and the
tracking numbers of posted steps; the anonymous view (from a ``PublicApplication``) has
only what central's public answer has: status, mode, the masked applicant and the timeline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk import hall_time
from kiosk.central_api.models import MineApplication, Part, PublicApplication, TimelineStep

# The statuses after which nothing is left to do (docs/casework.md §4 "pending").
FINISHED = frozenset({"办结", "送达", "归档"})


@dataclass(frozen=True)
class StepView:
    step: str                    # central's step (申请 收件 形式审查 寄递 …)
    at: str                      # 12月06日 09:30 in the hall's zone, "" when not yet
    note: str
    actor: str
    tracking_number: str         # "" unless posted (and never in the anonymous view)
    part: str                    # the 联办 sub-case's region and department, "" otherwise


@dataclass(frozen=True)
class PartView:
    seq: int
    where: str                   # 焦作市 市场监督管理局
    task: str
    status: str


@dataclass(frozen=True)
class AppView:
    number: str
    item_name: str
    status: str
    mode: str
    submitted: str               # the hall's wall time, "" when central did not say
    applicant: str               # masked (张*)
    role: str                    # applicant | agent | "" (anonymous)
    check_code: str              # "" in the anonymous view
    agent: str                   # 代办人 张* （子女，授权委托书） or ""
    delivery: str                # 邮寄至 … / 本大厅自取 / ""
    todo: str
    next_steps: str
    timeline: tuple[StepView, ...]
    parts: tuple[PartView, ...]
    identified: bool

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


AUTHORITY_TEXT = {"letter": "授权委托书", "present": "本人到场"}


def _when(at: dt.datetime | None, zone: dt.tzinfo) -> str:
    return hall_time.minutes_text(at, zone) if at is not None else ""


def _steps(timeline: list[TimelineStep], parts: list[Part], zone: dt.tzinfo,
           with_tracking: bool) -> tuple[StepView, ...]:
    names = {p.seq: f"{p.region_name} {p.department}" for p in parts}
    return tuple(
        StepView(step=s.step, at=_when(s.at, zone), note=s.note, actor=s.actor or "",
                 tracking_number=(s.tracking_number or "") if with_tracking else "",
                 part=names.get(s.part, "") if s.part is not None else "")
        for s in timeline
    )


def _parts(parts: list[Part]) -> tuple[PartView, ...]:
    return tuple(PartView(p.seq, f"{p.region_name} {p.department}", p.task, p.status)
                 for p in sorted(parts, key=lambda p: p.seq))


def mine_view(app: MineApplication, zone: dt.tzinfo) -> AppView:
    """One of the identified citizen's applications, everything central gave them."""
    agent = ""
    if app.agent is not None:
        how = AUTHORITY_TEXT.get(app.agent.authority, app.agent.authority)
        agent = f"{app.agent.name_masked}（{app.agent.relation}，{how}）"
    delivery = ""
    if app.delivery is not None:
        if app.delivery.method == "post":
            delivery = f"邮寄送达：{app.delivery.address_masked or ''}".rstrip("：")
        else:
            delivery = f"到{app.delivery.pickup_hall or '受理大厅'}自取"
    return AppView(
        number=app.application_number, item_name=app.item_name, status=app.status,
        mode=app.mode, submitted=_when(app.submitted_at, zone),
        applicant=app.applicant_masked, role=app.role, check_code=app.check_code,
        agent=agent, delivery=delivery, todo=app.todo, next_steps=app.next_steps,
        timeline=_steps(app.timeline, app.parts, zone, with_tracking=True),
        parts=_parts(app.parts), identified=True,
    )


def public_view(app: PublicApplication, zone: dt.tzinfo) -> AppView:
    """The anonymous answer: status and timeline only, the applicant masked."""
    return AppView(
        number=app.application_number, item_name=app.item_name, status=app.status,
        mode=app.mode, submitted=_when(app.submitted_at, zone),
        applicant=app.applicant_masked, role="", check_code="", agent="", delivery="",
        todo="", next_steps=app.next_steps,
        timeline=_steps(app.timeline, app.parts, zone, with_tracking=False),
        parts=_parts(app.parts), identified=False,
    )
