"""异地代收 through the real screens with a real central (run by tests/ui/test_collect_ui.py):
张三 opens the 焦作 item 住房公积金提取（异地购房） at this 晋城 terminal; the item page says it is
collected here for 焦作 and that the 购房合同 can be photographed here; the form; the 购房合同
photographed with the simulated document camera (a blurred shot refused with its reason,
then a good page kept); the result to be posted to 晋城市城区 typed on the pinyin keys; the
confirm page lists the pages and the masked address; filed, with the 受理回执 and the
收件交接单 printed. The delivery and materials pages are looked at in 适老化 mode with the
receipt printer's fault banner up. (The pending warning and 仍要提交 are covered by
tests/kiosk/test_collect_flow.py.)
"""

from __future__ import annotations

from typing import Any

from scenarios_yizheng import _identify, _ready

FUND = "住房公积金提取（异地购房）"


def _place(ui: Any, fault: str = "", seed: int = 0) -> None:
    from drivers.doccam import samples

    frame = samples.shot("contract", fault, seed=seed)
    camera = ui.app.terminal.devices["document_camera"]
    ui.call(lambda: camera.place(frame))


def _step(ui: Any) -> Any:
    return ui.app.terminal.flow.material_step()[1]


def _shoot(ui: Any, button: str) -> None:
    ui.tap(button)
    ui.wait_until(lambda: _step(ui).state in ("review", "failed"), 30, "the page photographed")


def _entry(ui: Any) -> Any:
    return ui.app.manager.get_screen("yz_delivery").ids.entry


def _pick(ui: Any, word: str, pages: int = 8) -> None:
    entry = _entry(ui)
    found: list[Any] = []
    for _ in range(pages):
        ui.wait_until(lambda: not entry._pending(), 60, f"candidates for {word}")
        ui.sleep(0.1)
        found = ui.call(lambda: [(b.text, b.to_window(*b.center)) for b in entry.shown_candidates()])
        where = next((pos for text, pos in found if text == word), None)
        if where is not None:
            ui.tap_at(*where)
            return
        ui.tap("下页")
    raise AssertionError(f"{word!r} never offered; last shown {[t for t, _ in found]}")


def _to_form(ui: Any) -> None:
    ui.tap("开始办理")
    ui.wait_screen("yz_form")
    ui.type("13800138000")
    ui.tap("下一项 ›")
    ui.wait_until(lambda: ui.app.manager.get_screen("yz_form").active_key == "bank_account", 5,
                  "收款银行账号 active")
    ui.sleep(0.3)
    ui.type("6222020200112233")
    ui.tap("下一项 ›")
    form = ui.app.manager.get_screen("yz_form")
    ui.wait_until(lambda: form.active_key == "amount", 5, "提取金额 active")
    ui.sleep(0.3)                         # its keypad laid out again
    ui.type("80000")
    ui.tap("下一步")
    ui.wait_screen("yz_materials")


def _elderly_banner(ui: Any, on: bool) -> None:
    ui.printers(f"receipt paper {'out' if on else 'normal'}")
    ui.wait_until(lambda: bool(ui.app.banner.message) == on, 20, "the banner")
    ui.tap("适老化")
    ui.wait_until(lambda: ui.app.theme.elderly == on, 3, "elderly mode")


def collect(ui: Any) -> None:
    _ready(ui)
    _identify(ui)
    ui.wait_screen("yz_items", timeout=20)
    ui.tap(FUND)
    ui.wait_screen("yz_detail")
    ui.wait_text("异地代收：本终端收件")
    ui.wait_text("在本机高拍仪拍摄提交")
    ui.shot("01-detail")

    _to_form(ui)
    ui.wait_text("第1项，共1项：购房合同")
    ui.shot("02-materials")
    _place(ui, "blurred")
    _shoot(ui, "拍摄")
    ui.wait_text("照片不清晰")
    ui.results["data"]["blurred_can_keep"] = ui.call(lambda: _step(ui).can_keep)
    ui.shot("03-blurred")
    _elderly_banner(ui, True)
    ui.shot("04-materials-elderly-banner")
    _elderly_banner(ui, False)
    _place(ui)
    _shoot(ui, "重拍")
    ui.tap("使用此页")
    ui.wait_until(lambda: len(_step(ui).pages()) == 1, 10, "the page kept")
    ui.wait_text("第1页")
    ui.shot("05-kept")
    ui.tap("完成拍摄")

    ui.wait_screen("yz_delivery")
    ui.shot("06-delivery")
    ui.tap("邮寄到家")
    entry = _entry(ui)
    ui.wait_until(lambda: entry.mode == "pinyin", 5, "the pinyin keys for the address")
    ui.type("jinchengshi")
    _pick(ui, "晋城市")
    ui.shot("07-address-typing")
    ui.type("chengqu")
    _pick(ui, "城区")
    ui.wait_until(lambda: ui.app.terminal.flow.collect.address == "晋城市城区", 10, "the address typed")
    ui.shot("08-address")
    _elderly_banner(ui, True)
    ui.shot("09-delivery-elderly-banner")
    _elderly_banner(ui, False)
    ui.tap("下一步")

    ui.wait_screen("yz_confirm")
    ui.wait_text("邮寄到家：晋城市城区")
    ui.shot("10-confirm")
    ui.tap("确认提交")
    ui.wait_screen("yz_result", timeout=30)
    ui.wait_until(lambda: ui.app.terminal.flow.collect.handover_state in ("printed", "failed"), 30,
                  "the 收件交接单")
    flow = ui.app.terminal.flow
    ui.results["data"]["number"] = flow.result.application_number
    ui.results["data"]["handover"] = flow.collect.handover_state
    ui.results["data"]["receipt"] = flow.receipt_state
    ui.shot("11-result")


SCENARIOS = {"collect": collect}
