"""The one snapshot screens read: ``KioskState``.

Built by ``Terminal.state()`` from in-memory values only (no device or network I/O), so the
UI thread can read it at every redraw. Frozen: a screen cannot change the terminal by
mistake; it sends intents instead.
"""

from __future__ import annotations

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
