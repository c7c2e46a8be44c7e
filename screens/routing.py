"""From one ``KioskState`` to what is on the glass: which screen shows, the home tiles and
the hints, the fault banner, the clock, the countdown and the notice over the screen.

Everything here runs on the UI thread and reads the state it is given; nothing waits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.session import SessionState
from kiosk.state import DeviceFault, KioskState

from . import maintenance, words

if TYPE_CHECKING:
    from .kiosk_app import KioskApp

# A device must stay faulty this long before the banner shows: the reader reports
# "offline" for a moment while it connects at start-up and after a replug.
BANNER_DELAY_S = 1.5
STAFF_SCREENS = {"pin": "staff_pin", "checking": "staff_pin", "log": "staff_log"}


def target(app: KioskApp, state: KioskState) -> str:
    """The screen for the state: the session's step, the running service's screens package
    (kiosk/registry.py names it), or staff mode between citizens."""
    snap = state.session
    if snap.state is SessionState.WAITING_CARD:
        return "identity"
    if snap.state is SessionState.IDENTIFIED:
        return "identity_read"
    if snap.state is SessionState.ACTIVE:
        package = app.packages.get(snap.service_id or "")
        return str(package.screen_for(app.terminal.flow)) if package is not None else "home"
    if state.technician.step != "closed":   # the technician's maintenance, between citizens
        return maintenance.screen_for(app.terminal.technician)
    return STAFF_SCREENS.get(state.staff.step, "home")


def show(app: KioskApp, state: KioskState) -> None:
    name = target(app, state)
    if state.session.state is SessionState.IDLE:
        app.clear_identity()
    screen = app.screens[name]
    screen.show(state.session)
    show_flow = getattr(screen, "show_flow", None)
    if show_flow is not None:
        show_flow(app.terminal.flow)
    show_staff = getattr(screen, "show_staff", None)
    if show_staff is not None:
        show_staff(app.terminal.staff)
    show_technician = getattr(screen, "show_technician", None)
    if show_technician is not None:
        show_technician(app.terminal.technician)
    if app.manager.current != name:
        app.manager.current = name


def _fault_words(fault: DeviceFault) -> str:
    key = fault.state
    if key == "user_error" and fault.fault in words.DEVICE_STATE_WORDS:
        key = fault.fault  # "缺纸" says more than "需要工作人员处理"
    return words.device_banner(fault.device, key)


def chrome(app: KioskApp, state: KioskState, now: float) -> None:
    """The banner (faults that lasted), the home tiles and the ways to identify."""
    app.banner.message = "\n".join(_fault_words(f) for f in state.banner(now, BANNER_DELAY_S))
    home = app.screens["home"]
    home.set_services(list(state.services))  # type: ignore[attr-defined]
    default = state.service(app.kiosk_config.services.default)
    home.set_card_hint(default, state.other_ways)  # type: ignore[attr-defined]
    app.screens["identity"].other_ways = words.other_ways(state.other_ways)  # type: ignore[attr-defined]


def clock(app: KioskApp, state: KioskState) -> None:
    """The time shown, the countdown, and the notice over the screen kept true to it."""
    snap = state.session
    app.top_bar.clock = words.clock(app.terminal.zone)
    running = snap.state is not SessionState.IDLE
    app.top_bar.countdown = words.countdown(snap.seconds_left) if running else ""
    source = snap.identity.source if snap.identity is not None else "id_card"
    overlay = app.overlay
    if overlay.shown:
        gone = {"removed": not snap.card_removed,
                "back": not snap.card_returned}.get(overlay.mode, not snap.warning)
        if not running or gone:
            overlay.hide()
        else:
            overlay.set_seconds(words.seconds(snap.seconds_left))
    elif running and snap.card_removed:
        overlay.show_removed(words.seconds(snap.seconds_left), source)
    elif running and snap.card_returned:
        overlay.show_back(source)
