"""From one ``KioskState`` to what is on the glass: which screen shows, the home tiles and
the hints, the fault banner, the clock, the countdown and the notice over the screen.

Everything here runs on the UI thread and reads the state it is given; nothing waits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.services import identity_ways
from kiosk.session import SessionState
from kiosk.state import DeviceFault, KioskState

from . import maintenance, maintenance_mode, words

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
    if state.staff.step in STAFF_SCREENS:
        return STAFF_SCREENS[state.staff.step]
    if state.maintenance.on:                 # central's 设备维护中, once nobody is served
        return maintenance_mode.SCREEN
    return "home"


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
    show_maintenance = getattr(screen, "show_maintenance", None)
    if show_maintenance is not None:
        show_maintenance(state.maintenance)
    if app.manager.current != name:
        app.manager.current = name


def fault_words(fault: DeviceFault, state: KioskState) -> str:
    """The banner line of a fault, naming the services it pauses. Read from the same
    ServiceViews that make those services' tiles unavailable: while the banner says a
    service is paused, it cannot be started."""
    key = fault.state
    if key == "user_error" and fault.fault in words.DEVICE_STATE_WORDS:
        key = fault.fault  # "缺纸" says more than "需要工作人员处理"
    paused = [s.title for s in state.services if s.paused_by(fault.device)]
    ways = [w for w in identity_ways(dict(state.devices), state.enrolled) if w != fault.device]
    return words.device_banner(fault.device, key, paused, ways)


def chrome(app: KioskApp, state: KioskState, now: float) -> None:
    """The banner (faults that lasted), the home tiles and the ways to identify."""
    app.banner.message = "\n".join(fault_words(f, state) for f in state.banner(now, BANNER_DELAY_S))
    home = app.screens["home"]
    home.set_services(list(state.services))  # type: ignore[attr-defined]
    default = state.service(app.kiosk_config.services.default)
    home.set_card_hint(default, state.other_ways)  # type: ignore[attr-defined]
    if default is not None and default.ways and "id_reader" not in default.ways:
        # The reader is down: the hint names the ways that work instead of the ID card.
        home.card_hint = words.reader_down_hint(default.title, default.ways)  # type: ignore[attr-defined]
        home.other_ways = ""  # type: ignore[attr-defined]
    identity = app.screens["identity"]
    waiting_for = state.service(state.session.service_id or "")
    ways = waiting_for.ways if waiting_for is not None else ()
    identity.set_ways(ways, state.other_ways)  # type: ignore[attr-defined]
    current = app.screens.get(app.manager.current)
    show_services = getattr(current, "show_services", None)
    if show_services is not None:
        show_services(state.services)


def clock(app: KioskApp, state: KioskState) -> None:
    """The time shown, the countdown, and the notice over the screen kept true to it."""
    snap = state.session
    app.top_bar.clock = words.clock(app.terminal.zone)
    running = snap.state is not SessionState.IDLE
    app.top_bar.countdown = words.countdown(snap.seconds_left) if running else ""
    source = snap.identity.source if snap.identity is not None else "id_card"
    card = getattr(app, "result_card", None)
    if card is not None and card.shown and card.kind == "take_card" and not app.terminal.id_card_on_reader():
        card.hide()   # 请取走身份证: done, the card has left the reader
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
