"""Social security cards, staff cards and codes through the real screens (run by
tests/ui/test_cards_ui.py, one app start for all of it).

The cards are VirtualCards in a private pcscd's vpcd reader and the codes are QR images in
front of the simulated camera, both driven through ``ui.cards`` (tests/ui/cards_control.py);
the site wants the PIN of social security cards that ask for one (刘芳's: 123456). A real
seeded central resolves the electronic ID code and signs the appointment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from kiosk.events import (
    CardRefused,
    CodeNotice,
    KioskEvent,
    PinRequested,
    ReadFailed,
    StaffCardPresented,
)

PIN_RIGHT = "123456"
PIN_WRONG = "975310"
ZHANG_SAN_ID = "110101199003071233"     # central/seed/people.toml's first person
WATCHED = {PinRequested: "pin_request", ReadFailed: "read_failed", CodeNotice: "code",
           StaffCardPresented: "staff_card", CardRefused: "card_refused"}


def _listen(ui: Any) -> None:
    """Keep the terminal's notifications about cards and codes (a driver thread appends)."""
    heard: list[list[Any]] = ui.results["data"].setdefault("notifications", [])

    def listener(event: KioskEvent) -> None:
        kind = WATCHED.get(type(event))
        if kind is not None:
            heard.append([kind, {key: str(value) for key, value in asdict(event).items()}])

    ui.app.terminal.subscribe(listener)


def _ready(ui: Any) -> None:
    """Home, the card reader and the camera online, the terminal enrolled with central."""
    ui.wait_screen("home", timeout=20)
    statuses = ui.app.terminal.device_statuses
    ui.wait_until(
        lambda: not ui.app.banner.message
        and all(statuses()[name].ready for name in ("id_reader", "card_reader", "code_scanner"))
        and "电子证照码" in ui.app.screens["home"].other_ways,
        40, "the card reader, the camera and central",
    )


def _pin_pad(ui: Any) -> None:
    ui.wait_until(lambda: ui.app.pin_pad.shown, 10, "the PIN pad")
    ui.note("PIN pad shown")


def _enter_pin(ui: Any, pin: str) -> None:
    ui.wait_until(lambda: not ui.app.pin_pad.checking, 10, "the PIN pad to take keys")
    ui.type(pin)
    ui.wait_text("● " * (len(pin) - 1) + "●")
    ui.tap("确定")


def _back_home(ui: Any) -> None:
    ui.tap("不是本人 / 返回")
    ui.wait_screen("home")


def cards(ui: Any) -> None:
    _listen(ui)
    _ready(ui)
    ui.shot("01-home")

    # The identity screen names the other ways in too.
    ui.call(lambda: ui.app.service_tapped("identity_check"))
    ui.wait_screen("identity")
    ui.shot("02-waiting")
    ui.tap("返回")
    ui.wait_screen("home")

    # (a) 张三's social security card on the home screen: identified, confirmed, pulled out.
    ui.cards("insert zhang_san_ssse")
    ui.wait_screen("identity_read")
    ui.wait_text("张*")
    ui.shot("03-ssse-identity")
    ui.tap("确认是本人")
    ui.wait_screen("result")
    ui.shot("04-ssse-result")
    ui.cards("remove")
    ui.wait_text("社保卡已移开")
    ui.shot("05-ssse-removed")
    ui.wait_screen("home", timeout=8)
    ui.wait_text("社保卡已移开，本次服务已结束")
    ui.shot("06-ssse-ended")

    # (b) 刘芳's card wants its PIN: a wrong one says the tries left, the right one identifies.
    ui.cards("insert liu_fang_ssse")
    _pin_pad(ui)
    ui.shot("07-pin")
    _enter_pin(ui, PIN_WRONG)
    ui.wait_text("密码错误，还可尝试2次")
    ui.shot("08-pin-wrong")
    ui.call(ui.app.toggle_elderly)     # the pad in 适老化 mode (its toggle is under the scrim)
    ui.shot("08-pin-wrong-elderly")
    ui.call(ui.app.toggle_elderly)
    _enter_pin(ui, PIN_RIGHT)
    ui.wait_screen("identity_read")
    ui.wait_text("刘*")
    ui.results["data"]["pad_after_identified"] = ui.call(
        lambda: [ui.app.pin_pad.shown, ui.app.pin_pad.pin])
    ui.shot("09-pin-identified")
    _back_home(ui)
    ui.cards("remove")

    # Cancelled at the pad: the read ends and the citizen is told how to start again.
    ui.cards("insert liu_fang_ssse")
    _pin_pad(ui)
    ui.tap("取消")
    ui.wait_text("已取消读取社保卡")
    ui.record("10-pin-cancelled")
    ui.cards("remove")

    # Three wrong PINs block it.
    ui.cards("insert liu_fang_ssse")
    _pin_pad(ui)
    for left in (2, 1):
        _enter_pin(ui, PIN_WRONG)
        ui.wait_text(f"密码错误，还可尝试{left}次")
    _enter_pin(ui, PIN_WRONG)
    ui.wait_text("社保卡密码已锁定")
    ui.wait_until(lambda: not ui.app.pin_pad.shown, 5, "the PIN pad to close")
    ui.shot("11-pin-blocked")
    ui.cards("remove")

    # (c) an electronic ID code from central in front of the camera.
    ui.cards(f"show eid {ZHANG_SAN_ID}")
    ui.wait_screen("identity_read", timeout=20)
    ui.wait_text("电子证照码")
    ui.cards("clear")                  # single use: the camera must not read it again
    ui.shot("12-eid-identity")
    _back_home(ui)

    # (d) a genuine appointment, then the same with a forged signature.
    ui.cards("show appointment")
    ui.wait_text("预约已核验", timeout=20)
    ui.cards("clear")
    ui.shot("13-appointment")
    ui.cards("show forged")
    ui.wait_text("二维码校验未通过", timeout=20)
    ui.cards("clear")
    ui.shot("14-forged")

    # (e) a hall staff card at home: the print log, no PIN.
    ui.cards("insert staff_hall")
    ui.wait_screen("staff_log")
    ui.shot("15-staff-log")
    ui.results["data"]["staff_pin_asked"] = ui.call(lambda: ui.app.pin_pad.shown)
    ui.tap("退出")
    ui.wait_screen("home")
    ui.cards("remove")


SCENARIOS: dict[str, Callable[[Any], None]] = {"cards": cards}
