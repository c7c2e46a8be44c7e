"""Timelines of an application other than its 多地联办 parts (docs/casework.md §3): the
steps of 全程网办 and 异地代收's chain of custody, the events written at submission and the
next step of an advance.

异地代收 moves paper: the pages the terminal photographed go by post from the receiving
hall to the handling department. Every custody event names who holds the file (`actor`)
and carries the SHA-256 of every page, so each hand-over can be checked against what the
citizen handed in; `寄递` also carries the post's tracking number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

STEPS = ("申请", "受理", "办理", "办结", "送达", "归档")
REMOTE_STEPS = ("申请", "代收", "受理", "流转", "办理", "办结", "送达", "归档")
CUSTODY_STEPS = ("申请", "收件", "形式审查", "寄递", "属地受理", "办结", "送达")
JOINT_STEPS = ("申请", "受理", "办结", "送达", "归档")  # the parts run between 受理 and 办结
FINAL = ("办结", "送达", "归档")                    # not pending any more (§4)
_HALL_STEPS = ("形式审查", "寄递")                  # the receiving hall holds the file


class AdvanceError(Exception):
    """An advance refused: `reason` is the contract's code, `detail` says why in words."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class AppState:
    """What an advance needs of the locked application row (and its terminal's hall)."""

    id: int
    number: str
    mode: str
    status: str
    department: str
    region_received: str
    region_handling: str
    handling_name: str        # the handling region's name
    hall_name: str            # the receiving terminal's hall
    delivery: Mapping[str, Any] | None
    evidence: Sequence[Mapping[str, Any]]


def remote(region_received: str, region_handling: str) -> bool:
    return region_received != region_handling


def steps_of(state: AppState) -> tuple[str, ...]:
    if state.mode == "异地代收":
        return CUSTODY_STEPS
    if state.mode == "多地联办":
        return JOINT_STEPS
    return REMOTE_STEPS if remote(state.region_received, state.region_handling) else STEPS


def page_hashes(evidence: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every page's SHA-256, in page order (what each custody event carries)."""
    return [str(e["sha256"]) for e in sorted(evidence, key=lambda e: int(e["page"]))]


def submission_note(hall_name: str) -> str:
    return f"自助终端提交（{hall_name}）"


def custody_received(hall_name: str, evidence: Sequence[Mapping[str, Any]], at: datetime) -> dict[str, Any]:
    """异地代收's 收件, written with 申请 at submission."""
    pages = len(evidence)
    note = f"{hall_name}收件，材料{pages}页" if pages else f"{hall_name}收件（无纸质材料）"
    return {
        "step": "收件",
        "at": at,
        "note": note,
        "actor": hall_name,
        "hashes": page_hashes(evidence),
        "tracking_number": None,
        "part": None,
    }


def next_event(
    state: AppState, actor: str | None, tracking_number: str | None, now: datetime
) -> dict[str, Any]:
    """The event that moves `state` one step on (AdvanceError when it cannot)."""
    steps = steps_of(state)
    position = steps.index(state.status) if state.status in steps else -1
    if position < 0 or position + 1 >= len(steps):
        raise AdvanceError("final", f"application {state.number} is already {state.status}")
    step = steps[position + 1]
    custody = state.mode == "异地代收"
    posted = custody and (state.delivery or {}).get("method") == "post"
    takes_number = custody and (step == "寄递" or (step == "送达" and posted))
    if tracking_number and not takes_number:
        raise AdvanceError(
            "tracking_number_not_allowed", f"the step {step} of {state.number} is not posted"
        )
    if custody and step == "寄递" and not tracking_number:
        raise AdvanceError(
            "tracking_number_required",
            f"the step 寄递 of {state.number} needs the post's --tracking-number",
        )
    if custody:
        actor = actor or (state.hall_name if step in _HALL_STEPS else state.department)
    return {
        "step": step,
        "at": now,
        "note": _note(state, step, tracking_number),
        "actor": actor,
        "hashes": page_hashes(state.evidence) if custody else None,
        "tracking_number": tracking_number,
        "part": None,
    }


def _note(state: AppState, step: str, tracking_number: str | None) -> str:
    if state.mode == "异地代收":
        return _custody_note(state, step, tracking_number)
    notes = {
        "受理": "窗口受理",
        "流转": f"材料流转至{state.handling_name}",
        "办理": f"{state.department}办理中",
        "办结": "审批办结",
        "送达": "结果已送达，短信已通知",
        "归档": "已归档",
    }
    return notes.get(step, step)


def _custody_note(state: AppState, step: str, tracking_number: str | None) -> str:
    delivery = state.delivery or {}
    if step == "送达":
        if delivery.get("method") == "post":
            return f"结果已邮寄（单号{tracking_number}）" if tracking_number else "结果已邮寄"
        return f"结果已送达{delivery.get('pickup_hall') or state.hall_name}，请凭身份证领取"
    notes = {
        "形式审查": "材料形式审查通过",
        "寄递": f"材料寄往{state.handling_name}{state.department}（单号{tracking_number}）",
        "属地受理": f"{state.department}属地受理",
        "办结": "审批办结",
    }
    return notes.get(step, step)
