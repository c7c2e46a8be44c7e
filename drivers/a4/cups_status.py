"""CUPS queue attributes -> DeviceStatus, by tables.

A queue's condition is in three printer attributes: ``printer-state`` (3 idle,
4 processing, 5 stopped), ``printer-state-reasons`` (RFC 8011 keywords with an optional
``-error`` / ``-warning`` / ``-report`` severity suffix, which we strip) and
``printer-is-accepting-jobs``. Each known reason maps to one effect; when several are
present the most severe effect (the first in REASONS order) names the state and fault,
and the paper supply is the worst paper level any reason reports. An effect names a fault
code; its state and action come from the drivers' one table (drivers.device.FAULTS)
unless the reason means something else (a paused queue waits for staff).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum

from ..device import FAULTS
from ..errors import ErrorCode
from ..status import DeviceState, DeviceStatus, FaultAction, SupplyLevel

PAPER = "paper"
SEVERITY_SUFFIXES = ("-error", "-warning", "-report")
# A network printer shows connecting-to-device for a moment at the start of every job;
# only when it lasts this long is the printer treated as unreachable.
CONNECTING_GRACE = 20.0


class PrinterState(IntEnum):
    IDLE = 3
    PROCESSING = 4
    STOPPED = 5


class JobState(IntEnum):
    PENDING = 3
    HELD = 4
    PROCESSING = 5
    STOPPED = 6
    CANCELED = 7
    ABORTED = 8
    COMPLETED = 9


JOB_ACTIVE = (JobState.PENDING, JobState.PROCESSING)
JOB_ENDED = (JobState.CANCELED, JobState.ABORTED, JobState.COMPLETED)


@dataclass(frozen=True)
class Effect:
    fault: ErrorCode | None = None  # None: not a fault (the printer still prints)
    paper: SupplyLevel | None = None
    # (state, action) when they differ from what FAULTS says for the fault
    override: tuple[DeviceState, FaultAction] | None = None

    @property
    def state_action(self) -> tuple[DeviceState, FaultAction]:
        if self.override is not None:
            return self.override
        if self.fault is None:
            return DeviceState.ONLINE, FaultAction.NONE
        return FAULTS[self.fault]


_PAPER_OUT = Effect(ErrorCode.PAPER_OUT, SupplyLevel.OUT)
_COVER_OPEN = Effect(ErrorCode.COVER_OPEN)
_OFFLINE = Effect(ErrorCode.PRINTER_OFFLINE)
# Stopped by staff (cupsdisable / cupsreject) or by cupsd after a backend failure: nothing
# recovers it by itself.
_PAUSED = Effect(ErrorCode.PRINTER_OFFLINE,
                 override=(DeviceState.OFFLINE, FaultAction.CLEAR_BY_STAFF))
# A reason we do not know, reported with -error severity.
_UNKNOWN_ERROR = Effect(ErrorCode.DEVICE_ERROR)

# Most severe first: the first present reason names the state and the fault.
REASONS: dict[str, Effect] = {
    "media-jam": Effect(ErrorCode.PAPER_JAM, SupplyLevel.JAMMED),
    "media-empty": _PAPER_OUT,
    "media-needed": _PAPER_OUT,
    "door-open": _COVER_OPEN,
    "cover-open": _COVER_OPEN,
    "offline": _OFFLINE,
    "shutdown": _OFFLINE,
    "connecting-to-device": _OFFLINE,  # only after CONNECTING_GRACE (see classify)
    "paused": _PAUSED,
    "media-low": Effect(None, SupplyLevel.LOW),
}
_ORDER = {name: index for index, name in enumerate(REASONS)}
_PAPER_RANK = {SupplyLevel.JAMMED: 3, SupplyLevel.OUT: 2, SupplyLevel.LOW: 1}
NOT_ACCEPTING = "not-accepting-jobs"  # our pseudo-reason for printer-is-accepting-jobs false


def base_reason(keyword: str) -> str:
    """``media-empty-error`` -> ``media-empty``."""
    for suffix in SEVERITY_SUFFIXES:
        if keyword.endswith(suffix):
            return keyword[: -len(suffix)]
    return keyword


def reasons_of(attributes: Mapping[str, object]) -> list[str]:
    """The reason keywords as reported, without "none"."""
    raw = attributes.get("printer-state-reasons", [])
    values: Iterable[object] = [raw] if isinstance(raw, str) else raw  # type: ignore[assignment]
    return [str(value) for value in values if str(value) != "none"]


def classify(
    attributes: Mapping[str, object], queue: str, connecting_for: float = 0.0
) -> DeviceStatus:
    """The status a queue's attributes describe.

    ``connecting_for``: how long (s) connecting-to-device has been reported without a break;
    the caller tracks it across polls.
    """
    reasons = reasons_of(attributes)
    effects: list[tuple[int, Effect]] = []
    for keyword in reasons:
        name = base_reason(keyword)
        effect = REASONS.get(name)
        if name == "connecting-to-device" and connecting_for < CONNECTING_GRACE:
            continue
        if effect is not None:
            effects.append((_ORDER[name], effect))
        elif keyword.endswith("-error"):
            effects.append((len(REASONS), _UNKNOWN_ERROR))
    state = attributes.get("printer-state")
    if state == PrinterState.STOPPED and "paused" not in map(base_reason, reasons):
        effects.append((_ORDER["paused"], _PAUSED))
    accepting = attributes.get("printer-is-accepting-jobs", True)
    if accepting is False:
        effects.append((_ORDER["paused"], _PAUSED))

    supplies: dict[str, SupplyLevel] = {}
    paper = max(
        (effect.paper for _, effect in effects if effect.paper is not None),
        key=lambda level: _PAPER_RANK[level], default=SupplyLevel.FULL,
    )
    supplies[PAPER] = paper
    detail = describe(attributes, queue, reasons, accepting)
    faults = sorted((item for item in effects if item[1].fault is not None), key=lambda i: i[0])
    if not faults:
        return DeviceStatus(DeviceState.ONLINE, supplies=supplies, detail=detail)
    effect = faults[0][1]
    fault = effect.fault.value if effect.fault is not None else ""
    state, action = effect.state_action
    return DeviceStatus(state, action, supplies, fault, detail)


def describe(
    attributes: Mapping[str, object], queue: str, reasons: list[str], accepting: object
) -> str:
    """Technician detail: queue, state, reasons (no job titles, no user names)."""
    state = attributes.get("printer-state")
    try:
        state_name = PrinterState(state).name.lower()  # type: ignore[arg-type]
    except ValueError:
        state_name = str(state)
    parts = [f"queue {queue}: {state_name}", f"reasons={','.join(reasons) or 'none'}"]
    if accepting is False:
        parts.append(NOT_ACCEPTING)
    return " ".join(parts)


def fault_code(status: DeviceStatus, default: ErrorCode = ErrorCode.JOB_FAILED) -> ErrorCode:
    """The ErrorCode a job failure should carry given the printer's status."""
    try:
        return ErrorCode(status.fault) if status.fault else default
    except ValueError:
        return default
