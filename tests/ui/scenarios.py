"""Scripted scenarios, run inside the app process by harness.py (one app start each).

Each reads like what a citizen and the devices do; ``ui.shot(step)`` keeps a screenshot and
the visible texts for the test to assert on (tests/ui/test_kiosk_ui.py). Card keys are the
ones in tests/ui/cards.toml. Site timing (conftest.write_site): idle timeout 8 s, warning
3 s before, card removal grace 3 s. The "session" scenario runs with card_presence
"required" (the card must stay on the reader, as at a bank), "presence" with the default
"may_leave".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import scenarios_ime
import scenarios_yizheng

IDLE_TIMEOUT_S = 8
PRESENCE_S = 0.8  # the reader looks for the card every 0.25 s: let it see a removal


def _remove(ui: Any) -> None:
    ui.sim("remove")
    ui.sleep(PRESENCE_S)


def _home_ready(ui: Any) -> None:
    """Home is up and the reader has connected (identity tile available, no banner)."""
    ui.wait_screen("home", timeout=15)
    ui.wait_until(
        lambda: not ui.app.banner.message
        and any(s.id == "identity_check" and s.available for s in ui.app.terminal.services()),
        15, "the ID reader to come online",
    )


def session(ui: Any) -> None:
    _home_ready(ui)
    ui.shot("01-home")

    # A card placed on the home screen starts the default service straight away.
    ui.sim("place resident")
    ui.wait_screen("identity_read")
    ui.wait_text("1101**********1233")
    ui.shot("02-identity")

    ui.tap("确认是本人")
    ui.wait_screen("result")
    ui.shot("03-result")

    # Nobody touches: the warning comes 3 s before the end, then home, all wiped.
    ui.wait_until(lambda: ui.app.overlay.shown and ui.app.overlay.mode == "warning", IDLE_TIMEOUT_S, "the idle warning")
    ui.shot("04-idle-warning")
    ui.wait_screen("home", timeout=6)
    ui.wait_text("长时间未操作")
    ui.shot("05-idle-ended")
    _remove(ui)

    # During the warning, any touch continues the session.
    ui.sim("place resident")
    ui.wait_screen("identity_read")
    ui.wait_until(lambda: ui.app.overlay.shown, IDLE_TIMEOUT_S, "the idle warning")
    ui.record("warning-before-touch")
    ui.tap_at(640, 300)
    ui.wait_until(lambda: not ui.app.overlay.shown, 3, "the warning to close on a touch")
    ui.sleep(0.6)
    ui.record("warning-touched")

    # The card leaves the reader: a notice with the grace countdown; put back, the notice
    # offers 继续办理, and the session goes on.
    ui.sim("remove")
    ui.wait_text("身份证已移开")
    ui.shot("06-card-removed")
    ui.sim("place resident")
    ui.wait_until(lambda: ui.app.overlay.shown and ui.app.overlay.mode == "back", 5,
                  "the notice to offer 继续办理 when the card is back")
    ui.shot("06b-card-returned")
    ui.tap("继续办理")
    ui.wait_until(lambda: not ui.app.overlay.shown, 3, "the notice to close on 继续办理")
    ui.record("card-back")
    ui.sim("remove")
    ui.wait_screen("home", timeout=6)
    ui.wait_text("身份证已移开，本次服务已结束")
    ui.record("removal-ended")

    # 适老化: one tap restyles every screen.
    ui.tap("适老化")
    ui.wait_until(lambda: ui.app.theme.elderly, 3, "elderly mode")
    ui.call(ui.app.toast.hide)
    ui.shot("07-home-elderly")
    ui.sim("place expired")
    ui.wait_screen("identity_read")
    ui.wait_text("证件已过有效期")
    ui.shot("08-identity-expired-elderly")
    ui.tap("确认是本人")  # disabled for an expired card: nothing happens
    ui.sleep(0.5)
    ui.record("expired-confirm-refused")
    ui.tap("不是本人 / 返回")
    ui.wait_screen("home")
    ui.wait_text("已退出本次服务")
    ui.record("cancelled")
    _remove(ui)
    ui.tap("适老化")
    ui.wait_until(lambda: not ui.app.theme.elderly, 3, "elderly mode off")

    # Lockdown: Escape and a window close request leave the kiosk running.
    ui.results["data"]["escape_handled"] = bool(ui.key(27))
    ui.results["data"]["close_refused"] = bool(ui.request_close())
    ui.sleep(0.5)
    ui.results["data"]["alive_after"] = ui.screen()
    ui.record("end")


def faults(ui: Any) -> None:
    _home_ready(ui)
    ui.tap("身份核验")
    ui.wait_screen("identity")
    ui.shot("01-waiting")
    ui.tap("适老化")
    ui.wait_until(lambda: ui.app.theme.elderly, 3, "elderly mode")
    ui.shot("01b-waiting-elderly")
    ui.tap("适老化")

    ui.sim("place bad_checksum")
    ui.wait_text("证件信息校验未通过")
    ui.shot("02-invalid-card")
    _remove(ui)

    # The reader cannot read the card (SW3 41 on every read attempt).
    ui.sim("fault sw3 41 10 read")
    ui.sim("place resident")
    ui.wait_text("读卡失败，请将身份证平放在感应区重试")
    ui.record("read-failed")
    ui.sim("clear")
    _remove(ui)
    ui.tap("返回")
    ui.wait_screen("home")

    # A service that needs central says so when tapped on a terminal not enrolled with it
    # (办件查询 needs no device, central only).
    ui.tap("办件查询")
    ui.wait_text("“办件查询”暂不可用：本机未接入政务服务平台")
    ui.record("not-in-version-tapped")
    ui.tap("一证通办")
    ui.wait_text("“一证通办”暂不可用：本机未接入政务服务平台")
    ui.record("not-enrolled-tapped")

    # The reader is unplugged: banner, tile greyed with the reason; plugged back: gone.
    ui.sim("unplug")
    ui.wait_text("身份证阅读器未连接，身份核验、好差评暂停，请联系工作人员", timeout=10)
    ui.shot("03-reader-unplugged")
    ui.tap("身份核验")
    ui.wait_text("“身份核验”暂不可用")
    ui.shot("04-unavailable-tapped")
    ui.results["data"]["screen_after_tap"] = ui.screen()
    ui.sim("replug")
    ui.wait_until(lambda: not ui.app.banner.message, 10, "the banner to go")
    ui.wait_until(lambda: any(s.id == "identity_check" and s.available for s in ui.app.terminal.services()),
                  5, "identity_check available again")
    ui.call(ui.app.toast.hide)
    ui.sleep(0.5)
    ui.shot("05-reader-back")

    # Stays up until the test stops it with SIGTERM, as systemd does.
    ui.results["keep_running"] = True


def presence(ui: Any) -> None:
    """card_presence "may_leave" (the hall default): the card may be picked up after the
    read; at the end a card left lying is recalled, and the next session reads it."""
    _home_ready(ui)
    ui.tap("身份核验")
    ui.wait_screen("identity")
    ui.shot("p01-waiting")
    ui.sim("place resident")
    ui.wait_screen("identity_read")
    ui.wait_text("1101**********1233")
    ui.record("p02-identity")
    ui.tap("确认是本人")
    ui.wait_screen("result")

    # Picked up after the read: no countdown, the visit goes on past the removal grace.
    _remove(ui)
    ui.sleep(3.5)
    ui.record("p03-card-taken")

    # Put down again and left there when the visit ends: the kiosk recalls it.
    ui.sim("place resident")
    ui.wait_text("已检测到身份证，请继续办理")
    ui.tap("完成")
    ui.wait_screen("home")
    ui.wait_text("请取走您的身份证")
    ui.shot("p04-take-card")

    # The next visit reads the card that lies there instead of asking for it.
    ui.tap("知道了")          # the reminder stays until the citizen taps it
    ui.tap("身份核验")
    ui.wait_screen("identity_read", timeout=5)
    ui.wait_text("1101**********1233")
    ui.record("p05-read-again")
    ui.tap("不是本人 / 返回")
    ui.wait_screen("home")
    _remove(ui)
    ui.record("p06-end")


SCENARIOS: dict[str, Callable[[Any], None]] = {"session": session, "faults": faults,
                                               "presence": presence,
                                               **scenarios_yizheng.SCENARIOS, **scenarios_ime.SCENARIOS}
