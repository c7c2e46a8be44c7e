"""帮办代办 through the real screens with a real central (run by tests/ui/test_agent_ui.py):
李四 identifies with her card, taps 为他人代办, puts her own card down again (refused), then
张三's card (the principal, seeded in central): relation 子女, the 授权委托书 photographed in
two pages with the simulated document camera, 张三's items (结婚登记预约 marked 本事项须本人
办理，不可代办 and refused), his pension item filed; the confirm page and the result name
both, masked. Each 代办 screen is checked by the accessibility auditor as it is reached (normal and 适老化,
with and without the receipt printer's fault banner; tests/support/a11y_audit.py).
"""

from __future__ import annotations

from typing import Any

from scenarios_yizheng import ITEM, _ready, _result

from tests.support.a11y_audit import Auditor

FORBIDDEN = "结婚登记预约"
PRESENCE_S = 0.8


def _place_page(ui: Any, seed: int) -> None:
    from drivers.doccam import synth

    frame = synth.synthetic_frame(-3.0, seed=seed).frame
    camera = ui.app.terminal.devices["document_camera"]
    ui.call(lambda: camera.place(frame))


def _photograph(ui: Any, seed: int, shot: str = "") -> None:
    _place_page(ui, seed)
    pages = ui.call(lambda: ui.app.terminal.flow.agent_view().letter_pages)
    ui.tap("拍摄")
    ui.wait_until(lambda: ui.app.terminal.flow.letter.state == "review", 30, "the page photographed")
    ui.wait_text("使用此页")
    if shot:
        ui.shot(shot)
    ui.tap("使用此页")
    ui.wait_until(lambda: ui.app.terminal.flow.agent_view().letter_pages == pages + 1, 10, "the page kept")


def _banner(ui: Any, on: bool) -> None:
    ui.printers(f"receipt paper {'out' if on else 'normal'}")
    ui.wait_until(lambda: bool(ui.app.banner.message) == on, 20, f"the banner {'up' if on else 'gone'}")


def agent(ui: Any) -> None:
    _ready(ui)
    audit = Auditor(ui, lambda: _banner(ui, True), lambda: _banner(ui, False))
    ui.tap("一证通办")
    ui.wait_screen("identity")
    ui.sim("place li_si")
    ui.wait_screen("identity_read")
    ui.tap("确认是本人")
    ui.wait_screen("yz_items", timeout=20)
    ui.wait_text("为他人代办")
    ui.shot("01-items-agent")
    audit.visit("yz_items")

    ui.tap("为他人代办")
    ui.wait_screen("yz_agent_principal")
    ui.wait_text("请被代办人放置身份证")
    ui.shot("02-principal")

    # Her own card again: refused in words, the session goes on.
    ui.sim("remove")
    ui.sleep(PRESENCE_S)
    ui.sim("place li_si")
    ui.wait_text("这是您本人的证件")
    ui.shot("03-principal-is-agent")
    audit.visit("yz_agent_principal")

    ui.sim("remove")
    ui.sleep(PRESENCE_S)
    ui.sim("place zhang_san")
    ui.wait_screen("yz_agent_relation", timeout=10)
    ui.wait_text("被代办人：张*")
    ui.shot("04-relation")
    audit.visit("yz_agent_relation")

    ui.tap("子女")
    ui.wait_screen("yz_agent_authority")
    ui.wait_text("被代办人本人在场")
    ui.shot("05-authority")
    audit.visit("yz_agent_authority")
    ui.tap("授权委托书拍照")
    ui.wait_screen("yz_agent_letter")
    ui.shot("08-letter")
    _photograph(ui, 21, shot="09-letter-review")
    _photograph(ui, 22)
    ui.shot("10-letter-two-pages")
    audit.visit("yz_agent_letter")
    ui.tap("完成")
    ui.wait_screen("yz_items", timeout=20)
    camera = ui.app.terminal.devices["document_camera"]
    ui.call(lambda: camera.clear())             # the letter is taken off the platen
    ui.wait_text("正在为 张* 代办")
    ui.wait_text("本事项须本人办理，不可代办")
    ui.shot("11-principal-items")
    audit.checked.discard("yz_items")
    audit.visit("yz_items")                      # acting: the bar and the marks
    ui.tap(FORBIDDEN)
    ui.wait_text("该事项须本人办理，不可代办")
    ui.results["data"]["forbidden_step"] = ui.call(lambda: str(ui.app.terminal.flow.step))
    ui.shot("12-forbidden-refused")

    ui.tap(ITEM)
    ui.wait_screen("yz_detail")
    ui.tap("开始办理")
    ui.wait_screen("yz_form")
    ui.type("13800138000")
    ui.tap("下一项 ›")
    ui.type("6222020200112233")
    ui.tap("下一项 ›")
    ui.tap("300元")
    ui.tap("下一步")
    # With a document camera the pension item's optional paper material (银行卡) may be
    # photographed (异地代收's materials step): skipped here.
    ui.wait_until(lambda: ui.app.manager.current in ("yz_materials", "yz_confirm")
                  and not ui.app.manager.transition.is_active, 10, "materials or confirm")
    if ui.screen() == "yz_materials":
        shown = ui.visible_text()
        ui.tap("下一项" if "下一项" in shown.split("\n") else "完成拍摄")
    ui.wait_screen("yz_confirm")
    ui.wait_text("代办人 李*（子女）为 张* 办理")
    ui.shot("13-confirm")
    audit.visit("yz_confirm")
    ui.tap("确认提交")
    ui.wait_screen("yz_result", timeout=30)
    ui.wait_text("办件编号")
    ui.wait_text("代办人 李*（子女）为 张* 办理")
    ui.results["data"]["result"] = _result(ui)
    ui.shot("14-result")
    audit.visit("yz_result")
    ui.call(lambda: ui.app.cancel_session())
    session = ui.app.terminal.session
    ui.wait_until(lambda: session.card is None and session.principal is None, 15, "the session wiped")
    ui.sim("remove")
    ui.sleep(PRESENCE_S)
    ui.record("15-end")


SCENARIOS = {"agent": agent}
