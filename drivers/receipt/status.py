"""ESC/POS real-time status (DLE EOT n) as tables.

``10 04 n`` is answered at once, even while the printer is busy or offline, with one byte.
Bits 1 and 4 are always 1 and bits 0 and 7 always 0 (``b & 0x93 == 0x12``); anything else
is not a status byte. What each other bit means depends on ``n``; what a set of conditions
means for the kiosk is the CONDITION_FAULTS table (first match wins): a fault code, whose
state and action come from the drivers' one table (drivers.device.FAULTS).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Flag, IntEnum, auto

from ..device import FAULTS
from ..errors import DeviceError, DeviceUnavailable, ErrorCode, PrinterFault, ProtocolError
from ..status import DeviceState, DeviceStatus, FaultAction, SupplyLevel

FIXED_MASK = 0x93
FIXED_BITS = 0x12
DLE_EOT = b"\x10\x04"


class Condition(Flag):
    NONE = 0
    OFFLINE = auto()
    COVER_OPEN = auto()
    FEED_BUTTON = auto()          # paper is being fed by the feed button
    PAPER_STOPPED = auto()        # printing stopped by paper end
    ERROR = auto()                # an error occurred (the cause is in n = 3)
    CUTTER_ERROR = auto()
    UNRECOVERABLE = auto()
    AUTO_RECOVERABLE = auto()     # e.g. head too hot: clears by itself
    PAPER_NEAR_END = auto()
    PAPER_END = auto()


class Query(IntEnum):
    """The ``n`` of DLE EOT n."""

    PRINTER = 1
    OFFLINE_CAUSE = 2
    ERROR_CAUSE = 3
    PAPER = 4


ALL_QUERIES = (Query.PRINTER, Query.OFFLINE_CAUSE, Query.ERROR_CAUSE, Query.PAPER)
# While a job prints: paper and the causes that stop printing (cover, paper end, error).
JOB_QUERIES = (Query.PAPER, Query.OFFLINE_CAUSE)

STATUS_BITS: dict[int, tuple[tuple[int, Condition], ...]] = {
    Query.PRINTER: ((0x08, Condition.OFFLINE),),
    Query.OFFLINE_CAUSE: (
        (0x04, Condition.COVER_OPEN),
        (0x08, Condition.FEED_BUTTON),
        (0x20, Condition.PAPER_STOPPED),
        (0x40, Condition.ERROR),
    ),
    Query.ERROR_CAUSE: (
        (0x08, Condition.CUTTER_ERROR),
        (0x20, Condition.UNRECOVERABLE),
        (0x40, Condition.AUTO_RECOVERABLE),
    ),
    # Each paper sensor is reported in two bits; printers differ in setting one or both.
    Query.PAPER: ((0x0C, Condition.PAPER_NEAR_END), (0x60, Condition.PAPER_END)),
}


def query_bytes(n: int) -> bytes:
    if n not in STATUS_BITS:
        raise ValueError(f"DLE EOT {n} is not a status query this driver knows")
    return DLE_EOT + bytes([n])


def decode_status_byte(n: int, value: int) -> Condition:
    """The conditions reported by the answer ``value`` to DLE EOT ``n``."""
    if n not in STATUS_BITS:
        raise ValueError(f"DLE EOT {n} is not a status query this driver knows")
    if value & FIXED_MASK != FIXED_BITS:
        raise ProtocolError(
            f"garbled answer 0x{value:02x} to DLE EOT {n}", ErrorCode.FRAME_GARBLED
        )
    found = Condition.NONE
    for mask, condition in STATUS_BITS[n]:
        if value & mask:
            found |= condition
    return found


@dataclass(frozen=True)
class Fault:
    when: Condition               # any of these
    code: ErrorCode
    # (state, action) when they differ from what FAULTS says for the code
    effect: tuple[DeviceState, FaultAction] | None = None

    def status(self, supplies: dict[str, SupplyLevel], detail: str) -> DeviceStatus:
        state, action = self.effect or FAULTS[self.code]
        return DeviceStatus(state, action, supplies, self.code.value, detail)


CONDITION_FAULTS: tuple[Fault, ...] = (
    Fault(Condition.PAPER_END | Condition.PAPER_STOPPED, ErrorCode.PAPER_OUT),
    Fault(Condition.COVER_OPEN, ErrorCode.COVER_OPEN),
    Fault(Condition.CUTTER_ERROR, ErrorCode.CUTTER_ERROR),
    Fault(Condition.UNRECOVERABLE, ErrorCode.DEVICE_ERROR),
    # An error the printer clears by itself (the head cools down): wait, not a technician.
    Fault(Condition.AUTO_RECOVERABLE | Condition.ERROR, ErrorCode.DEVICE_ERROR,
          (DeviceState.OFFLINE, FaultAction.WAIT)),
    Fault(Condition.OFFLINE | Condition.FEED_BUTTON, ErrorCode.PRINTER_OFFLINE),
)

PAPER_SUPPLY: tuple[tuple[Condition, SupplyLevel], ...] = (
    (Condition.PAPER_END | Condition.PAPER_STOPPED, SupplyLevel.OUT),
    (Condition.PAPER_NEAR_END, SupplyLevel.LOW),
)

# Conditions that end a job that is printing. Not near end, and not an auto-recoverable
# error (the head too hot ...): printing resumes by itself after it.
STOPS_JOB = Condition.PAPER_END | Condition.PAPER_STOPPED | Condition.COVER_OPEN \
    | Condition.CUTTER_ERROR | Condition.UNRECOVERABLE


def paper_level(conditions: Condition) -> SupplyLevel:
    for when, level in PAPER_SUPPLY:
        if conditions & when:
            return level
    return SupplyLevel.FULL


def status_from_conditions(conditions: Condition, detail: str = "") -> DeviceStatus:
    supplies = {"paper": paper_level(conditions)}
    for fault in CONDITION_FAULTS:
        if conditions & fault.when:
            return fault.status(supplies, detail)
    return DeviceStatus(DeviceState.ONLINE, FaultAction.NONE, supplies, "", detail)


def error_for_status(status: DeviceStatus, what: str) -> DeviceError:
    """The exception for a printer that cannot take (or finish) a job in ``status``."""
    if status.state is DeviceState.NO_DEVICE:
        code = ErrorCode(status.fault) if status.fault in _CODES else ErrorCode.NO_DEVICE
        return DeviceUnavailable(f"{what}: {status.detail or 'printer not reachable'}", code)
    code = ErrorCode(status.fault) if status.fault in _CODES else ErrorCode.JOB_FAILED
    return PrinterFault(f"{what}: printer reports {code.value}", code)


_CODES = frozenset(code.value for code in ErrorCode)
