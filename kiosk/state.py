"""The one snapshot screens read: ``KioskState``.

Built by ``Terminal.state()`` from in-memory values only (no device or network I/O), so the
UI thread can read it at every redraw. Frozen: a screen cannot change the terminal by
mistake; it sends intents instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from drivers.status import DeviceStatus
from kiosk.flows.base import FlowState
from kiosk.services import ServiceView
from kiosk.session import SessionSnapshot, SessionState


@dataclass(frozen=True)
class DeviceFault:
    """A device that is not ready: ``state`` is the DeviceState value (``supplies`` for an
    online device short of paper), ``fault`` the error code a user_error names (paper_out,
    cover_open: it says more than the state)."""

    device: str
    state: str
    fault: str
    since: float          # monotonic time the fault began (the UI waits a moment to show it)


@dataclass(frozen=True)
class MaintenanceState:
    """Central put the terminal in maintenance (docs/fleet.md §2): no new session starts;
    once nobody is served the screen shows 设备维护中 with the hall's ``phone``."""

    on: bool = False
    phone: str = ""
    note: str = ""


@dataclass(frozen=True)
class KioskState:
    session: SessionSnapshot
    flow: FlowState | None            # the running service's flow, while a citizen is served
    services: tuple[ServiceView, ...]
    devices: tuple[tuple[str, DeviceStatus], ...]
    faults: tuple[DeviceFault, ...]
    other_ways: frozenset[str]        # devices besides the ID reader that identify right now
    enrolled: bool
    staff: FlowState                  # staff mode ("closed" when nobody is in it)
    # the technician's maintenance mode ("closed" when nobody is in it)
    technician: FlowState = FlowState("technician", "closed", "")
    maintenance: MaintenanceState = MaintenanceState()   # central's 设备维护中 (kiosk/fleet)

    @property
    def serving(self) -> bool:
        return self.session.state is not SessionState.IDLE

    def service(self, service_id: str) -> ServiceView | None:
        return next((s for s in self.services if s.id == service_id), None)

    def banner(self, now: float, delay: float) -> tuple[DeviceFault, ...]:
        """Faults that lasted ``delay`` seconds (a reader is offline for a moment while it
        connects at start-up and after a replug)."""
        return tuple(f for f in self.faults if now - f.since >= delay)


def device_fault(device: str, status: DeviceStatus, since: float) -> DeviceFault:
    state = status.state.value if status.state.value != "online" else "supplies"
    return DeviceFault(device, state, status.fault or "", since)


class FaultClock:
    """When each device's current fault began (monotonic), for ``KioskState.faults``: a
    device that is ready again is forgotten, one still faulty keeps its first time."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._since: dict[str, float] = {}
        self._lock = threading.Lock()

    def faults(self, statuses: Mapping[str, DeviceStatus]) -> tuple[DeviceFault, ...]:
        now = self._clock()
        with self._lock:
            for name, status in statuses.items():
                if status.ready:
                    self._since.pop(name, None)
                else:
                    self._since.setdefault(name, now)
            since = dict(self._since)
        return tuple(device_fault(name, statuses[name], since[name]) for name in since)
