"""Printing through the real screens (run by tests/ui/test_printing_ui.py).

``printing_staff``: hall staff open the printed-output log with the hidden gesture and a PIN
(a wrong one first), filter it, look a citizen up by ID number, export it to the "USB stick"
and see the chain intact; a citizen's card closes the staff screen; wrong PINs lock it; an
untouched staff screen closes by itself.

``printing_proofs``: 张三 prints a 社会保险参保证明 on the simulated A4 printer (a private
cupsd with a cups-pdf queue), the paper runs out during a second print and is refilled for
a reprint; then a 一证通办 application prints its receipt on the simulated ESC/POS printer.
The printers are controlled through ``ui.printers`` (tests/ui/printers_control.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

PRESENCE_S = 0.8
STAFF_PIN = "246810"
LOOKUP_ID = "110101199003071233"        # the UI test card "resident" (张建国)
PROOF = "社会保险参保证明"
# A row below the list's view in 适老化 mode (the seeded catalogue's third proof).
ROW_BELOW = "近12个月个人所得税的缴纳记录，用于贷款、购房、落户、签证等。"
ITEM = "城乡居民基本养老保险参保登记"


def _home_ready(ui: Any, service: str = "identity_check") -> None:
    ui.wait_screen("home", timeout=15)
    ui.wait_until(
        lambda: not ui.app.banner.message
        and any(s.id == service and s.available for s in ui.app.terminal.services()),
        25, f"{service} to be available",
    )


def _view_rect(widget: Any) -> list[float]:
    """A widget's rectangle in window coordinates: x, y, width, height."""
    x, y = widget.to_window(*widget.pos)
    return [x, y, widget.width, widget.height]


def _gesture(ui: Any) -> None:
    """Five quick taps on the hall name in the top bar."""
    hall = ui.call(lambda: ui.app.top_bar.hall_name)
    for _ in range(5):
        ui.tap(hall)


def _filter(ui: Any, text: str) -> None:
    """Tap a filter chip of the staff screen (the table below may show the same words)."""

    def centre() -> tuple[float, float]:
        screen = ui.app.staff_log
        chip = next(c for _, c in screen._day_chips + screen._type_chips if c.text == text)
        return chip.to_window(*chip.center)

    ui.tap_at(*ui.call(centre))
    ui.note(f"filter {text!r}")


def _table(ui: Any) -> list[dict[str, Any]]:
    return list(ui.call(lambda: list(ui.app.staff_log.ids.table.data)))


def _wait_rows(ui: Any, count: int) -> None:
    ui.wait_until(lambda: ui.app.staff_log.count_text.startswith(f"共{count}条")
                  or (count == 0 and ui.app.staff_log.count_text == "没有符合条件的记录"),
                  10, f"{count} rows in the table")


def printing_staff(ui: Any) -> None:
    _home_ready(ui)
    _gesture(ui)
    ui.wait_screen("staff_pin")
    ui.shot("01-pin")

    ui.type("0000")
    ui.tap("确定")
    ui.wait_text("密码错误，还可尝试2次")
    ui.shot("02-pin-wrong")

    ui.type(STAFF_PIN)
    ui.wait_text("● ● ● ● ● ●")
    ui.tap("确定")
    ui.wait_screen("staff_log")
    ui.wait_text("打印记录完整")
    _wait_rows(ui, 2)                       # today: a receipt and a failed proof
    ui.results["data"]["today"] = _table(ui)
    ui.shot("03-log-today")

    _filter(ui, "近30天")
    _wait_rows(ui, 4)
    _filter(ui, "证明")
    _wait_rows(ui, 1)
    ui.results["data"]["proofs_30d"] = _table(ui)
    _filter(ui, "全部")
    _wait_rows(ui, 2)
    ui.results["data"]["proofs_all"] = _table(ui)
    ui.shot("04-proofs-all")

    _filter(ui, "全部类型")
    _wait_rows(ui, 5)
    ui.tap("输入证件号码查询")
    ui.wait_text("请输入18位证件号码")
    ui.type(LOOKUP_ID[:-1] + "4")            # wrong check digit first
    ui.tap("查询")
    ui.wait_text("身份证号码校验未通过，请核对")
    ui.shot("05-lookup-invalid")
    ui.tap("退格")
    ui.type(LOOKUP_ID[-1])
    ui.tap("查询")
    _wait_rows(ui, 2)
    ui.results["data"]["by_id"] = _table(ui)
    ui.shot("06-by-id")

    ui.tap("导出到U盘")
    ui.wait_text("已导出2条打印记录到U盘")
    ui.shot("07-exported")

    ui.tap("适老化")
    ui.wait_until(lambda: ui.app.theme.elderly, 3, "elderly mode")
    ui.tap("清除")
    _wait_rows(ui, 5)
    ui.shot("08-log-elderly")
    ui.tap("适老化")
    ui.wait_until(lambda: not ui.app.theme.elderly, 3, "normal mode")

    ui.tap("退出")
    ui.wait_screen("home")
    ui.record("09-exited")

    # A citizen's card while the PIN screen is open: the citizen's session, no staff screen.
    assert ui.call(ui.app.open_staff_login)
    ui.wait_screen("staff_pin")
    ui.type("12")
    ui.sim("place resident")
    ui.wait_screen("identity_read")
    ui.results["data"]["staff_mode_after_card"] = ui.call(lambda: str(ui.app.terminal.staff.step))
    ui.results["data"]["pin_after_card"] = ui.call(lambda: ui.app.staff_pin.pin)
    ui.results["data"]["login_refused_during_session"] = ui.call(ui.app.open_staff_login)
    ui.record("10-card-closed-staff")
    ui.call(ui.app.cancel_session)
    ui.sim("remove")
    ui.sleep(PRESENCE_S)
    ui.wait_screen("home")

    # An untouched staff screen closes by itself.
    ui.call(lambda: setattr(ui.app.terminal.staff, "idle_s", 1.5))
    assert ui.call(ui.app.open_staff_login)
    ui.wait_screen("staff_pin")
    started = time.monotonic()
    ui.wait_screen("home", timeout=6)
    ui.results["data"]["idle_closed_after_s"] = round(time.monotonic() - started, 1)
    ui.call(lambda: setattr(ui.app.terminal.staff, "idle_s", 120.0))

    # Three wrong PINs (the site allows three) lock the screen.
    _gesture(ui)
    ui.wait_screen("staff_pin")
    for attempt in range(3):
        ui.type("1111")
        ui.tap("确定")
        ui.wait_until(lambda: not ui.app.staff_pin.checking and ui.app.staff_pin.message, 5,
                      f"the answer to wrong PIN {attempt + 1}")
    ui.wait_text("已锁定，请 5 分钟后再试")
    ui.shot("11-locked")
    ui.type(STAFF_PIN)
    ui.tap("确定")
    ui.wait_until(lambda: not ui.app.staff_pin.checking, 5, "the check")
    ui.results["data"]["right_pin_while_locked"] = ui.screen()
    ui.tap("返回")
    ui.wait_screen("home")


def _count(ui: Any, what: str, expected: int, timeout: float = 20.0) -> int:
    """Wait until the printers controller counts ``expected`` of ``what`` (a4 | receipt)."""
    deadline = time.monotonic() + timeout
    while True:
        count = int(ui.printers(f"{what} count"))
        if count >= expected or time.monotonic() > deadline:
            return count
        ui.sleep(0.3)


def _identify(ui: Any, tile: str) -> None:
    ui.tap(tile)
    ui.wait_screen("identity")
    ui.sim("place zhang_san")
    ui.wait_screen("identity_read")
    ui.tap("确认是本人")


def _finish(ui: Any) -> None:
    ui.tap("完成")
    ui.wait_screen("home")
    ui.sim("remove")
    ui.sleep(PRESENCE_S)


def _file_application(ui: Any) -> None:
    """张三 files the pension registration (the 一证通办 UI test's item) up to its result."""
    _identify(ui, "一证通办")
    ui.wait_screen("yz_items", timeout=20)
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
    ui.wait_screen("yz_confirm")
    # The scenario files this item more than once: from the second time on the confirm page
    # names the pending one and its button says 仍要提交 (docs/casework.md §4).
    button = ui.wait_until(lambda: next((b for b in ("仍要提交", "确认提交") if b in ui.visible_text()), None),
                           10, "the confirm page's submit button")
    ui.tap(button)
    ui.wait_screen("yz_result", timeout=30)
    ui.wait_text("办件编号")


def printing_proofs(ui: Any) -> None:
    _home_ready(ui, "proof_print")
    data = ui.results["data"]

    # 张三 prints his 社会保险参保证明: list, preview of page one, print, take it.
    _identify(ui, "证明打印")
    ui.wait_screen("pf_list", timeout=20)
    ui.wait_text(PROOF)
    ui.shot("01-list")
    ui.tap(PROOF)
    ui.wait_screen("pf_preview", timeout=30)
    ui.wait_text("共2页")
    data["document"] = ui.call(lambda: ui.app.terminal.flow.document.document_number)
    data["preview_texture"] = ui.call(lambda: list(ui.app.screens["pf_preview"].texture.size))
    ui.shot("02-preview")
    ui.printers("a4 delay 2")           # long enough to see the printing screen
    ui.tap("打印")
    ui.wait_screen("pf_printing")
    ui.shot("03-printing")
    ui.wait_screen("pf_done", timeout=60)
    data["pdfs_after_first"] = _count(ui, "a4", 1)
    ui.shot("04-done")

    # Again, in 适老化 mode; the paper runs out during the job, staff refill, 重新打印.
    ui.tap("打印其他证明")
    ui.wait_screen("pf_list")
    ui.tap("适老化")
    ui.wait_until(lambda: ui.app.theme.elderly, 3, "elderly mode")
    ui.shot("05-list-elderly")
    # The list scrolls: rows below its view are out of sight (and may be out of the window);
    # its view must be in the window, and the rows below it come up when dragged.
    data["list_view_05"] = ui.call(lambda: _view_rect(ui.app.screens["pf_list"].ids.scroll))
    ui.reveal(ROW_BELOW)
    ui.shot("05b-list-scrolled-elderly")
    data["list_view_05b"] = ui.call(lambda: _view_rect(ui.app.screens["pf_list"].ids.scroll))
    ui.tap(PROOF)
    ui.wait_screen("pf_preview", timeout=30)
    data["same_document"] = ui.call(lambda: ui.app.terminal.flow.document.document_number)
    ui.shot("06-preview-elderly")
    ui.printers("a4 delay 8")
    ui.tap("打印")
    ui.wait_screen("pf_printing")
    ui.sleep(1.0)
    ui.printers("a4 paper out")
    ui.wait_screen("pf_failed", timeout=30)
    ui.wait_text("打印机缺纸，请联系工作人员")
    data["pdfs_after_paper_out"] = int(ui.printers("a4 count"))
    ui.shot("07-paper-out-elderly")
    ui.printers("a4 delay 0")
    ui.printers("a4 paper normal")
    ui.wait_until(lambda: ui.app.terminal.printing.a4_ready()[0], 20, "the A4 printer ready again")
    ui.tap("重新打印")
    ui.wait_screen("pf_done", timeout=60)
    data["pdfs_after_reprint"] = _count(ui, "a4", 2)
    ui.shot("08-reprinted-elderly")
    ui.tap("适老化")
    ui.wait_until(lambda: not ui.app.theme.elderly, 3, "normal mode")
    _finish(ui)

    # No paper: the service says so on the home screen instead of failing at the end.
    ui.printers("a4 paper out")
    ui.wait_until(lambda: any(s.id == "proof_print" and not s.available
                              for s in ui.app.terminal.services()), 20, "证明打印 unavailable")
    ui.wait_text("A4打印机缺纸")
    ui.shot("09-home-paper-out")
    ui.printers("a4 paper normal")

    # 一证通办: the 办件受理回执 prints by itself on the receipt printer.
    _file_application(ui)
    ui.wait_text("受理回执已打印，请在出纸口取走", timeout=30)
    data["receipts_after_auto"] = _count(ui, "receipt", 1)
    ui.shot("10-receipt-printed")
    _finish(ui)

    # Receipt paper out: no receipt, and the result says why up front; asking again while
    # the paper is still out says it again; refilled, it prints.
    ui.printers("receipt paper out")
    ui.wait_until(lambda: not ui.app.terminal.printing.receipt_ready()[0], 10, "the receipt printer out of paper")
    _file_application(ui)
    ui.wait_text("回执未能打印：打印机缺纸，请联系工作人员")
    ui.shot("11-receipt-not-printed")
    ui.tap("适老化")
    ui.wait_until(lambda: ui.app.theme.elderly, 3, "elderly mode")
    ui.tap("重新打印回执")
    ui.wait_text("回执未能打印：打印机缺纸，请联系工作人员")
    ui.shot("12-receipt-paper-out-elderly")
    ui.tap("适老化")
    ui.wait_until(lambda: not ui.app.theme.elderly, 3, "normal mode")
    ui.printers("receipt paper normal")
    ui.wait_until(lambda: ui.app.terminal.printing.receipt_ready()[0], 10, "the receipt printer ready")
    ui.tap("重新打印回执")
    ui.wait_text("受理回执已打印，请在出纸口取走", timeout=30)
    data["receipts_after_reprint"] = _count(ui, "receipt", 2)
    ui.shot("13-receipt-reprinted")
    _finish(ui)

    # Central down: the list cannot be had; the reason, and the way out.
    ui.central("stop")
    _identify(ui, "证明打印")
    ui.wait_screen("pf_error", timeout=40)
    ui.wait_text("暂时无法连接政务服务平台")
    ui.shot("14-central-down")
    _finish(ui)

    # This site has no staff PIN: the PIN screen says so.
    assert ui.call(ui.app.open_staff_login)
    ui.wait_screen("staff_pin")
    ui.wait_text("未配置工作人员密码")
    ui.shot("15-staff-not-configured")
    ui.tap("返回")
    ui.wait_screen("home")


SCENARIOS: dict[str, Callable[[Any], None]] = {
    "printing-staff": printing_staff,
    "printing-proofs": printing_proofs,
}
