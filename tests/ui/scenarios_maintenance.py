"""The technician's maintenance screen and the staff screen fixes through the real app (run
by tests/ui/test_maintenance_ui.py).

``maintenance``: a long press on the clock opens the technician's PIN (the staff PIN is
refused there), the device list, an ID card read on the simulated reader (masked, no
citizen session), the receipt and A4 test pages on the simulated printers, the touch test,
the central check, the configuration version, 适老化 mode, and the countdown then the idle
close. Then staff mode: six places for a six-digit PIN, the wrong-PIN message gone when
typing again and after the right PIN, the look-up chip masked, the table's columns kept when
the keypad opens, and the countdown with 继续 before the idle close.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STAFF_PIN = "246810"
TECH_PIN = "135790"
LOOKUP_ID = "110101199003071233"
SCAN_TEXT = "TONGBAN-MAINT-TEST-42"
PRESENCE_S = 0.8


def _home_ready(ui: Any) -> None:
    ui.wait_screen("home", timeout=15)
    ui.wait_until(
        lambda: not ui.app.banner.message
        and any(s.id == "identity_check" and s.available for s in ui.app.terminal.services()),
        25, "identity_check to be available",
    )


def _long_press_clock(ui: Any) -> None:
    def centre() -> tuple[float, float]:
        clock = ui.app.top_bar.ids.clock
        return clock.to_window(*clock.center)

    ui.tap_at(*ui.call(centre), hold=3.5)
    ui.note("long press on the clock")


def _elderly(ui: Any, on: bool) -> None:
    ui.tap("适老化")
    ui.wait_until(lambda: ui.app.theme.elderly == on, 3, f"elderly {on}")


def _count(ui: Any, what: str, expected: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        count = int(ui.printers(f"{what} count"))
        if count >= expected or time.monotonic() > deadline:
            return count
        ui.sleep(0.3)


def _keypad_geometry() -> dict[str, Any]:
    """The staff keypad panel and its keys: (y, top, text height) of each key."""
    from kivy.app import App

    panel = App.get_running_app().staff_log.ids.keypad
    keys = [w for w in panel.walk(restrict=True) if type(w).__name__ == "KeyButton" and w.text]
    return {"panel": [round(panel.y), round(panel.top)],
            "keys": [[round(k.y), round(k.top), round(k.texture_size[1])] for k in keys]}


def _slot(ui: Any) -> Path:
    return Path(ui.app.terminal.config.devices.code_scanner.slot)


def _hold_up(ui: Any, text: str) -> None:
    """A QR code in front of the simulated camera (written whole, then renamed)."""
    import qrcode

    slot = _slot(ui)
    slot.parent.mkdir(parents=True, exist_ok=True)
    partial = slot.with_name("writing.png")
    qrcode.make(text, box_size=8, border=4).save(partial)
    os.replace(partial, slot)
    ui.note(f"held up {text!r}")


def _take_away(ui: Any) -> None:
    _slot(ui).unlink(missing_ok=True)


def _column_widths(ui: Any) -> list[float]:
    """The widths of the print log's header cells."""

    def widths() -> list[float]:
        screen = ui.app.staff_log
        header = next(w for w in screen.walk() if type(w).__name__ == "PrintLogRow" and w.header)
        return [round(c.width, 1) for c in reversed(header.children)]

    return list(ui.call(widths))


def maintenance(ui: Any) -> None:
    data = ui.results["data"]
    _home_ready(ui)

    # A quick tap on the clock does nothing; the long press opens the technician's PIN.
    ui.tap_at(*ui.call(lambda: ui.app.top_bar.ids.clock.to_window(*ui.app.top_bar.ids.clock.center)))
    ui.sleep(0.5)
    data["after_quick_tap"] = ui.screen()
    _long_press_clock(ui)
    ui.wait_screen("maint_pin")
    data["tech_dots"] = ui.call(lambda: ui.app.screens["maint_pin"].dots)
    ui.shot("01-pin")
    ui.type(STAFF_PIN)                     # the staff PIN is not the technician's
    ui.tap("确定")
    ui.wait_text("密码错误")
    ui.shot("02-pin-wrong")
    ui.type("1")
    data["tech_message_after_typing"] = ui.call(lambda: ui.app.screens["maint_pin"].message)
    ui.tap("清空")
    ui.type(TECH_PIN)
    ui.tap("确定")
    ui.wait_screen("maint_home")
    ui.wait_text("设备状态")
    ui.shot("03-home")

    # An ID card on the simulated reader: masked, and no citizen's session.
    ui.tap("读身份证")
    ui.wait_screen("maint_card")
    ui.sim("place zhang_san")
    ui.wait_text("读卡成功", timeout=15)
    data["session_after_id_read"] = ui.call(lambda: ui.app.terminal.session.state.value)
    data["card_texts"] = ui.visible_text()
    ui.shot("04-id-card")
    ui.tap("返回")
    ui.wait_screen("maint_home")
    ui.sim("remove")
    ui.sleep(PRESENCE_S)

    # The test pages reach the simulated printers.
    ui.tap("打印测试页")
    ui.wait_screen("maint_print")
    ui.tap("打印凭条测试页")
    ui.wait_text("凭条测试页已打印", timeout=40)
    data["receipts"] = _count(ui, "receipt", 1)
    ui.tap("打印A4测试页")
    ui.wait_text("A4测试页已打印", timeout=60)
    data["pdfs"] = _count(ui, "a4", 1)
    ui.shot("05-print")
    ui.tap("返回")

    # The touch test draws where the finger goes; 清除 wipes it.
    ui.tap("触摸测试")
    ui.wait_screen("maint_touch")
    pad = ui.call(lambda: (*ui.app.screens["maint_touch"].ids.pad.to_window(*ui.app.screens["maint_touch"].ids.pad.pos),
                           *ui.app.screens["maint_touch"].ids.pad.size))
    x, y, w, h = pad
    ui.drag(x + w * 0.2, y + h * 0.3, x + w * 0.8, y + h * 0.7, steps=8)
    ui.drag(x + w * 0.2, y + h * 0.7, x + w * 0.8, y + h * 0.3, steps=8)
    data["strokes"] = ui.call(lambda: ui.app.screens["maint_touch"].ids.pad.strokes)
    data["ink_points"] = ui.call(lambda: sum(len(getattr(i, "points", [])) for i in
                                             ui.app.screens["maint_touch"].ids.pad.canvas.children))
    ui.shot("06-touch")
    ui.tap("清除")
    data["strokes_after_clear"] = ui.call(lambda: ui.app.screens["maint_touch"].ids.pad.strokes)
    ui.tap("返回")

    # Central: reachable, the clock offset, enrolled.
    ui.tap("检查平台连接")
    ui.wait_screen("maint_central")
    ui.wait_text("检查完成", timeout=30)
    ui.shot("07-central")
    ui.tap("返回")

    ui.tap("配置版本")
    ui.wait_screen("maint_config")
    data["config_version"] = ui.call(lambda: ui.app.terminal.technician.view.text)
    ui.shot("08-config")
    ui.tap("返回")

    # The scan test: the camera's picture live, then a code held up and its text.
    ui.tap("扫码测试")
    ui.wait_screen("maint_scan")
    scan = ui.app.screens["maint_scan"]
    ui.wait_until(lambda: scan.frames >= 3, 15, "live preview frames")
    first = ui.call(lambda: scan.frames)
    _hold_up(ui, SCAN_TEXT)
    ui.wait_text(SCAN_TEXT, timeout=20)
    ui.wait_until(lambda: scan.frames >= first + 3, 10, "the preview to keep moving")
    data["preview_frames"] = ui.call(lambda: scan.frames) - first
    data["preview_size"] = ui.call(lambda: list(scan.texture.size))
    data["session_after_scan"] = ui.call(lambda: ui.app.terminal.session.state.value)
    ui.shot("08c-scan")
    _take_away(ui)
    ui.tap("返回")

    ui.tap("语音与音量")
    ui.wait_screen("maint_voice")
    ui.tap("播放测试语音")
    ui.wait_until(lambda: ui.app.terminal.technician.view.outcome in ("played", "voice_failed"), 20,
                  "the sound check's outcome")
    data["sound_check"] = ui.call(lambda: ui.app.terminal.technician.view.outcome)
    ui.shot("08b-voice")
    ui.tap("返回")

    _elderly(ui, True)
    ui.wait_screen("maint_home")
    ui.shot("09-home-elderly")
    ui.tap("打印测试页")
    ui.wait_screen("maint_print")
    ui.shot("10-print-elderly")
    ui.tap("返回")
    _elderly(ui, False)

    # Left alone: a countdown, then back to the home screen.
    ui.call(lambda: setattr(ui.app.terminal.technician, "idle_s", 6.0))
    ui.call(ui.app.terminal.technician.touch)
    ui.wait_text("即将退出管理模式", timeout=10)
    ui.shot("11-countdown")
    started = time.monotonic()
    ui.wait_screen("home", timeout=10)
    data["idle_left_after_s"] = round(time.monotonic() - started, 1)
    data["technician_after_idle"] = ui.call(lambda: str(ui.app.terminal.technician.step))

    staff(ui)


def _staff_gesture(ui: Any) -> None:
    hall = ui.call(lambda: ui.app.top_bar.hall_name)
    for _ in range(5):
        ui.tap(hall)


def staff(ui: Any) -> None:
    data = ui.results["data"]
    ui.scenario = "staff"                   # screenshots ui-staff-<step>.png
    _staff_gesture(ui)
    ui.wait_screen("staff_pin")
    data["staff_dots"] = ui.call(lambda: ui.app.staff_pin.dots)
    ui.type("000000")
    ui.tap("确定")
    ui.wait_text("密码错误")
    ui.shot("12-staff-pin-wrong")
    ui.type("2")
    data["staff_message_after_typing"] = ui.call(lambda: ui.app.staff_pin.message)
    ui.tap("清空")
    ui.type("000000")                       # wrong again, then the right one
    ui.tap("确定")
    ui.wait_text("密码错误")
    ui.tap("清空")
    ui.type(STAFF_PIN)
    ui.tap("确定")
    ui.wait_screen("staff_log")
    data["staff_message_after_right_pin"] = ui.call(lambda: ui.app.staff_pin.message)
    ui.wait_until(lambda: not ui.app.staff_log.count_text.startswith("正在"), 15, "the log")

    data["widths_closed"] = _column_widths(ui)
    ui.tap("输入证件号码查询")
    ui.wait_text("请输入18位证件号码")
    ui.type(LOOKUP_ID)
    ui.sleep(0.3)
    data["widths_open"] = _column_widths(ui)
    ui.shot("13-staff-keypad")
    ui.tap("查询")
    ui.wait_until(lambda: ui.app.staff_log.id_number == LOOKUP_ID, 10, "the look-up in force")
    ui.wait_text(LOOKUP_ID[:4] + "**********" + LOOKUP_ID[-4:])
    data["staff_log_texts"] = ui.visible_text()
    ui.shot("14-staff-masked")
    _elderly(ui, True)
    ui.tap("1101**********1233")
    ui.wait_text("请输入18位证件号码")
    ui.shot("15-staff-keypad-elderly")
    data["keypad_elderly"] = ui.call(_keypad_geometry)
    ui.tap("取消")
    _elderly(ui, False)

    # The countdown before the idle close; 继续 keeps staff mode open.
    ui.call(lambda: setattr(ui.app.terminal.staff, "idle_s", 8.0))
    ui.call(ui.app.terminal.staff.touch)
    ui.wait_text("即将退出管理模式", timeout=10)
    ui.shot("16-staff-countdown")
    ui.tap("继续")
    ui.wait_no_text("即将退出管理模式", timeout=5)
    data["staff_after_continue"] = ui.screen()
    ui.wait_text("即将退出管理模式", timeout=10)
    ui.wait_screen("home", timeout=10)
    data["staff_after_idle"] = ui.call(lambda: str(ui.app.terminal.staff.step))


SCENARIOS: dict[str, Callable[[Any], None]] = {
    "maint": maintenance,
}
