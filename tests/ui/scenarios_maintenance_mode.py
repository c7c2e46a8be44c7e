"""设备维护中 through the real app (run by tests/ui/test_maintenance_mode_ui.py).

Central's ``maintenance_on`` arrives while a citizen is being served: it goes through the
terminal's own command path (``Terminal.fleet.commands.received``, what a heartbeat's
answer does). The citizen's screen stays; once the session ends the screen shows 设备维护中
with the hall's phone; a card put down starts nothing; 适老化 mode enlarges it; and
``maintenance_off`` brings the home screen back.
"""

from __future__ import annotations

from typing import Any

PHONE = "0356-12345"
PRESENCE_S = 0.8   # the reader looks for the card every 0.25 s: let it see a removal


def _command(ui: Any, command_id: int, kind: str, **args: Any) -> None:
    from kiosk.central_api.fleet import Command

    ui.app.terminal.fleet.commands.received([Command(id=command_id, kind=kind, args=args)])


def _reminder_shown(ui: Any) -> bool:
    card = getattr(ui.app, "result_card", None)
    return bool(card is not None and card.shown)


def _elderly(ui: Any, on: bool) -> None:
    ui.tap("适老化")
    ui.wait_until(lambda: ui.app.theme.elderly == on, 3, f"elderly {on}")
    ui.sleep(0.4)   # the layout follows the new sizes a frame later


def maintenance_mode(ui: Any) -> None:
    terminal = ui.app.terminal
    data = ui.results["data"]
    ui.wait_screen("home", timeout=15)
    ui.wait_until(lambda: any(s.id == "identity_check" and s.available for s in terminal.services()),
                  15, "the ID reader to come online")

    ui.sim("place resident")                     # a citizen is being served ...
    ui.wait_screen("identity_read")
    _command(ui, 1, "maintenance_on", phone=PHONE, note="更换打印纸")
    ui.wait_until(lambda: terminal.state().maintenance.on, 10, "maintenance on")
    ui.sleep(0.6)                                # a redraw or two: the screen must not change
    ui.record("01-session-carries-on")

    ui.call(lambda: ui.app.cancel_session())     # ... and finishes: now 设备维护中
    ui.wait_screen("fleet_maintenance", timeout=10)
    ui.wait_text("设备维护中")
    ui.sim("remove")                             # 请取走您的身份证 closes once the card is taken
    ui.wait_until(lambda: not _reminder_shown(ui), 10, "the take-card reminder to close")
    ui.shot("02-maintenance")

    ui.sim("place resident")                     # a card put down starts nothing
    ui.sleep(PRESENCE_S)
    data["session_after_card"] = str(terminal.snapshot().state)
    data["screen_after_card"] = ui.screen()
    ui.sim("remove")
    ui.sleep(PRESENCE_S)

    _elderly(ui, True)
    ui.shot("03-maintenance-elderly")
    _elderly(ui, False)

    _command(ui, 2, "maintenance_off")
    ui.wait_screen("home", timeout=10)
    ui.shot("04-home-again")


def restart_between_sessions(ui: Any) -> None:
    """A restart asked for during a session (a new version switched, a configuration to
    try) waits for the session to end, then the app stops by itself with exit status 75."""
    from kiosk.fleet import restart

    terminal = ui.app.terminal
    data = ui.results["data"]
    ui.wait_screen("home", timeout=15)
    ui.wait_until(lambda: any(s.id == "identity_check" and s.available for s in terminal.services()),
                  15, "the ID reader to come online")
    ui.sim("place resident")
    ui.wait_screen("identity_read")
    restart.request_restart("update_switch")
    ui.sleep(1.6)                                 # three ticks of the app's clock (0.5 s)
    data["during_session"] = {"screen": ui.screen(), "exit_status": ui.app.exit_status}
    ui.save()                                     # the app may stop before this thread goes on
    ui.call(lambda: ui.app.cancel_session())
    ui.wait_until(lambda: ui.app.exit_status is not None, 5, "the app to stop for the restart")


SCENARIOS = {"maintenance_mode": maintenance_mode, "restart_between_sessions": restart_between_sessions}
