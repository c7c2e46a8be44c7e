"""A code scanned outside a running flow goes to the service it belongs to: started when the
terminal is idle, or that service's running flow (queue_desk's appointment codes,
progress_desk's receipts). Kept here so both hand codes over by the same rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.session import SessionState

if TYPE_CHECKING:
    from kiosk.terminal import Terminal


def flow_intent(terminal: Terminal, service: str, intent: str) -> Any | None:
    """The running ``service`` flow's ``intent`` method, the service started first when the
    terminal is idle. None: the code is only described (CodeNotice), as before: the service
    not offered or not available, another service running, the technician in, maintenance."""
    if terminal.technician.is_in:
        return None
    snap = terminal.session.snapshot()
    if snap.state is SessionState.IDLE:
        if not terminal.choose_service(service):
            return None
    elif snap.service_id != service or snap.state is not SessionState.ACTIVE:
        return None
    return getattr(terminal.flow, intent, None)
