"""A restart the terminal asks for itself: a new configuration or software version takes
effect by starting the process again (docs/fleet.md §3, §4).

Whoever needs a restart calls ``request_restart(reason)``; nothing stops at once. The app
honours the request between sessions only (``due(state)``: no citizen, no staff or
technician screen open), stops its window and exits with ``EXIT_RESTART`` (75), which
systemd (``RestartForceExitStatus=75``) and the demo's supervisor answer by starting the
kiosk again. One process runs one terminal, so the request is process-wide.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.state import KioskState

log = logging.getLogger(__name__)

EXIT_RESTART = 75   # EX_TEMPFAIL: "start me again", distinct from a crash (1) or a stop (0)

_lock = threading.Lock()
_reason: str | None = None
_listeners: list[Callable[[str], None]] = []


def request_restart(reason: str) -> None:
    """Ask for a restart between sessions. ``reason`` is a stable code for the log
    (``config_trial``, ``update_switch``...); the first reason asked for is kept."""
    global _reason
    with _lock:
        first = _reason is None
        if first:
            _reason = reason
        listeners = list(_listeners)
    if not first:
        return
    log.info("restart requested: %s", reason)
    for listener in listeners:
        try:
            listener(reason)
        except Exception:
            log.exception("restart listener failed")


def requested() -> str | None:
    """The reason of the pending request, None when no restart was asked for."""
    with _lock:
        return _reason


def subscribe(listener: Callable[[str], None]) -> None:
    """listener(reason) is called (on the requesting thread, must not block) when a restart
    is first requested: the app pulls its redraw trigger instead of polling."""
    with _lock:
        _listeners.append(listener)


def unsubscribe(listener: Callable[[str], None]) -> None:
    with _lock:
        if listener in _listeners:
            _listeners.remove(listener)


def due(state: KioskState) -> str | None:
    """The reason to restart now, or None: no request, or someone is being served (a
    citizen's session, staff mode, the technician's maintenance)."""
    reason = requested()
    if reason is None or state.serving:
        return None
    if state.staff.step != "closed" or state.technician.step != "closed":
        return None
    return reason


def clear() -> None:
    """Forget a pending request (a process that does not exit, such as a test run)."""
    global _reason
    with _lock:
        _reason = None
