"""Device status as data, modelled on XFS4IoT.

A status says what state the device is in, what its supplies are, and, for a fault, what
kind of action clears it. The kiosk derives service availability from it; screens pick the
words. Codes here are stable identifiers, never UI text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DeviceState(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    NO_DEVICE = "no_device"
    HARDWARE_ERROR = "hardware_error"
    USER_ERROR = "user_error"
    BUSY = "busy"


class SupplyLevel(StrEnum):
    FULL = "full"
    LOW = "low"
    OUT = "out"
    JAMMED = "jammed"
    UNKNOWN = "unknown"


class FaultAction(StrEnum):
    NONE = "none"
    RETRY = "retry"
    CLEAR_BY_STAFF = "clear_by_staff"
    MAINTENANCE = "maintenance"
    WAIT = "wait"


@dataclass(frozen=True)
class DeviceStatus:
    state: DeviceState
    action: FaultAction = FaultAction.NONE
    supplies: dict[str, SupplyLevel] = field(default_factory=dict)
    # Stable machine code of the last fault (an ErrorCode value), "" when healthy.
    fault: str = ""
    # Technician-facing detail (port, errno ...). Never shown to citizens, never contains PII.
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.state is DeviceState.ONLINE and not any(
            level in (SupplyLevel.OUT, SupplyLevel.JAMMED) for level in self.supplies.values()
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "action": self.action.value,
            "supplies": {k: v.value for k, v in self.supplies.items()},
            "fault": self.fault,
            "detail": self.detail,
            "ready": self.ready,
        }


ONLINE = DeviceStatus(DeviceState.ONLINE)
