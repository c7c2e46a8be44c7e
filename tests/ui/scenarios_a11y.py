"""The accessibility tour (run by tests/ui/test_a11y.py): every screen registered in the
ScreenManager is checked (tests/support/a11y_audit.py) in normal and elderly mode, with and
without a fault banner, holding representative data.

The tour starts every offered service the registry knows with 张三's card (the seeded
central knows him) and walks it as a citizen would, checking each screen it reaches; a
service listed in DEEPER is walked further (items, form, confirm, result; a proof's
preview). While its flow holds the richest data, the service's screens the walk did not
reach (the short waits, the error pages) are shown from that data and checked too; last,
every other registered screen (staff, maintenance, screens added later) is shown and
checked. The overlays (social security PIN pad, card notices, the toast) are checked over
the home screen. The banner is real: the receipt printer runs out of paper.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.a11y_audit import Auditor

STAFF_PIN = "246810"
ITEM = "城乡居民基本养老保险参保登记"
COMPANY_ITEM = "企业营业执照补领"
PROOF = "社会保险参保证明"
APPOINTMENT_ITEM = "城乡居民基本养老保险参保登记"
PRESENCE_S = 0.8


def _banner(ui: Any, on: bool) -> None:
    ui.printers(f"receipt paper {'out' if on else 'normal'}")
    ui.wait_until(lambda: bool(ui.app.banner.message) == on, 20, f"the banner {'up' if on else 'gone'}")


def _screen_module(ui: Any, name: str) -> str:
    return str(ui.call(lambda: type(ui.app.screens[name]).__module__))


def _settled_screen(ui: Any, timeout: float = 30) -> str:
    manager = ui.app.manager
    ui.wait_until(lambda: not manager.transition.is_active, timeout, "the transition to end")
    return ui.screen()


def _visit_current(ui: Any, audit: Auditor) -> str:
    name = _settled_screen(ui)
    if name not in audit.checked:
        audit.visit(name)
    return name


def _wait_leaves(ui: Any, names: set[str], timeout: float = 30) -> str:
    manager = ui.app.manager
    ui.wait_until(lambda: manager.current not in names and not manager.transition.is_active,
                  timeout, f"a screen other than {sorted(names)}")
    return ui.screen()


def _identify(ui: Any, audit: Auditor, service: str) -> None:
    ui.call(lambda: ui.app.service_tapped(service))
    ui.wait_screen("identity")
    _visit_current(ui, audit)
    ui.sim("place zhang_san")
    ui.wait_screen("identity_read")
    _visit_current(ui, audit)
    ui.tap("确认是本人")
    _wait_leaves(ui, {"identity_read"})


def _end(ui: Any) -> None:
    ui.call(lambda: ui.app.cancel_session())
    ui.wait_screen("home", timeout=15)
    ui.sim("remove")
    ui.sleep(PRESENCE_S)


# -- walking a service further -------------------------------------------------------------------

def _yizheng(ui: Any, audit: Auditor) -> None:
    ui.wait_screen("yz_items", timeout=30)
    ui.wait_text(ITEM)
    _visit_current(ui, audit)
    ui.tap(ITEM)
    ui.wait_screen("yz_detail")
    _visit_current(ui, audit)
    ui.tap("开始办理")
    ui.wait_screen("yz_form")
    _visit_current(ui, audit)          # the keypad of the first empty field is up
    ui.type("13800138000")
    ui.tap("下一项 ›")
    ui.type("6222020200112233")
    ui.tap("下一项 ›")
    ui.tap("300元")
    ui.tap("下一步")
    ui.wait_screen("yz_confirm")
    _visit_current(ui, audit)          # 免提交材料, the applicant line
    ui.tap("确认提交")
    ui.wait_screen("yz_result", timeout=30)
    ui.wait_text("办件编号")
    _visit_current(ui, audit)


def _yizheng_company(ui: Any, audit: Auditor) -> None:
    ui.wait_screen("yz_items", timeout=30)
    ui.tap(COMPANY_ITEM)
    ui.wait_screen("yz_detail")
    ui.tap("开始办理")
    ui.wait_screen("yz_company")
    _visit_current(ui, audit)


def _proofs(ui: Any, audit: Auditor) -> None:
    ui.wait_screen("pf_list", timeout=30)
    ui.wait_text(PROOF)
    _visit_current(ui, audit)
    ui.tap(PROOF)
    ui.wait_screen("pf_preview", timeout=30)
    _visit_current(ui, audit)          # the title under the banner
    ui.tap("打印")
    ui.wait_screen("pf_done", timeout=60)
    _visit_current(ui, audit)


def _appointment(ui: Any, audit: Auditor) -> None:
    """预约办事: items, the calendar (with a grey day's reason shown), a day's times, the
    confirmation, a booking and 我的预约 holding it; as far as central's calendar allows."""
    from screens.appointment import words

    ui.wait_screen("ap_items", timeout=30)
    _visit_current(ui, audit)
    ui.tap(APPOINTMENT_ITEM)
    ui.wait_screen("ap_days", timeout=30)
    days = ui.call(lambda: ui.app.terminal.flow.days)
    ui.tap(words.day_cell(days[0].date, True))           # today: too soon, said in words
    ui.wait_until(lambda: bool(ui.app.terminal.flow.error), 10, "the grey day's reason")
    _visit_current(ui, audit)
    # From the day after tomorrow: tomorrow's last places stop being bookable as the clock
    # passes them (24 h ahead), between drawing the calendar and loading the day's times.
    bookable = [(n, d) for n, d in enumerate(days)
                if d.bookable and (d.date - days[0].date).days >= 2]
    if not bookable:
        return                                            # central's calendar has no open day
    n, day = bookable[0]
    ui.tap(words.day_cell(day.date, n == 0))
    ui.wait_screen("ap_slots", timeout=30)
    _visit_current(ui, audit)
    slot = next(s for s in ui.call(lambda: ui.app.terminal.flow.slots) if s.bookable)
    ui.tap(words.time_range(slot.time, slot.end))
    ui.wait_screen("ap_confirm")
    _visit_current(ui, audit)
    ui.tap("确认预约")
    ui.wait_screen("ap_done", timeout=30)
    _visit_current(ui, audit)
    ui.tap("我的预约")
    ui.wait_screen("ap_mine", timeout=30)
    _visit_current(ui, audit)


def _queue(ui: Any, audit: Auditor) -> None:
    """排队取号 (nobody identifies): the list, 预约报到 refusing 张三's card (no booking of
    his today) in words, back to the list, a ticket printed; its data then fills the waits."""
    ui.wait_screen("qt_categories", timeout=30)
    _visit_current(ui, audit)
    ui.tap("预约报到")
    ui.wait_screen("qt_checkin")
    ui.sim("place zhang_san")
    ui.wait_until(lambda: bool(ui.app.terminal.flow.error), 30, "the check-in refusal")
    _visit_current(ui, audit)
    ui.tap("取普通号")
    ui.wait_screen("qt_categories", timeout=30)
    ui.tap("综合")
    ui.wait_screen("qt_done", timeout=30)
    _visit_current(ui, audit)


def _progress(ui: Any, audit: Auditor) -> None:
    """办件查询: the start; 张三's card: his list (the 一证通办 walk filed one) and its detail;
    back at the start, a wrong 查询码 (the entry with its refusal), then the right one (the
    public view)."""
    flow = lambda: ui.app.terminal.flow  # noqa: E731 - the running flow, read on the UI thread
    ui.wait_screen("pq_start", timeout=30)
    _visit_current(ui, audit)
    ui.sim("place zhang_san")
    ui.wait_screen("pq_list", timeout=30)
    _visit_current(ui, audit)
    first = ui.call(lambda: flow().applications[0])
    ui.call(lambda: flow().open(first.number))
    ui.wait_screen("pq_detail")
    _visit_current(ui, audit)
    ui.call(lambda: flow().back())
    ui.call(lambda: flow().back())
    ui.wait_screen("pq_start")
    ui.call(lambda: flow().enter_number())
    ui.wait_screen("pq_enter")
    wrong = "222222" if first.check_code != "222222" else "333333"
    ui.call(lambda: flow().lookup(first.number, wrong))
    ui.wait_until(lambda: flow().error == "not_found", 30, "the refusal")
    _visit_current(ui, audit)
    ui.call(lambda: flow().lookup(first.number, first.check_code))
    ui.wait_screen("pq_public", timeout=30)
    _visit_current(ui, audit)


def _guide(ui: Any, audit: Auditor) -> None:
    """办事指南: the catalogue, then a 多地联办 item's guide (the longest sections)."""
    ui.wait_screen("gd_list", timeout=30)
    _visit_current(ui, audit)
    code = ui.call(lambda: next(i.code for i in ui.app.terminal.flow.items if i.joint))
    ui.call(lambda: ui.app.terminal.flow.open(code))
    ui.wait_screen("gd_detail")
    _visit_current(ui, audit)


def _evaluation(ui: Any, audit: Auditor) -> None:
    """好差评 from the tile: the list (张三's application filed above, from central), one
    chosen, 不满意 with a reason chip: the rate and reasons screens hold data. Nothing is sent
    (the tour cancels the session)."""
    ui.wait_screen("ev_list", timeout=30)
    _visit_current(ui, audit)
    flow = ui.app.terminal.flow
    first = ui.call(lambda: flow.choices[0].handling_id if flow.choices else None)
    if first is None:
        return
    ui.call(lambda: flow.choose(first))
    ui.wait_screen("ev_rate")
    _visit_current(ui, audit)
    ui.tap("不满意")
    ui.wait_screen("ev_reasons")
    ui.tap("设备不好用")
    _visit_current(ui, audit)


# Per service: walks that reach its screens with data (each starts right after 确认是本人,
# or at the service's first screen when it needs no identity).
DEEPER: dict[str, list[Callable[[Any, Auditor], None]]] = {
    "yizheng_tongban": [_yizheng_company, _yizheng],
    "proof_print": [_proofs],
    "appointment": [_appointment],
    "queue_ticket": [_queue],
    "evaluation": [_evaluation],
    "progress_query": [_progress],
    "guide": [_guide],
}


def _service(ui: Any, audit: Auditor, service: str, package: str) -> None:
    from kiosk.registry import SERVICES

    walks = DEEPER.get(service) or [lambda ui, audit: _visit_current(ui, audit)]
    for walk in walks:
        if SERVICES[service].identify == "optional":
            ui.call(lambda: ui.app.service_tapped(service))
        else:
            _identify(ui, audit, service)
        walk(ui, audit)
        if walk is walks[-1]:
            # The service's screens the walk did not reach, from the flow's richest data.
            for name in audit.unchecked():
                if _screen_module(ui, name).startswith(f"screens.{package}."):
                    audit.force(name)
        _end(ui)


# -- overlays ------------------------------------------------------------------------------------

def _overlays(ui: Any, audit: Auditor) -> None:
    from screens import words

    app = ui.app
    ui.call(lambda: app.pin_pad.ask(3))
    ui.wait_until(lambda: app.pin_pad.shown, 5, "the PIN pad")
    ui.type("123")
    audit.visit("home+pin_pad")
    ui.call(lambda: app.pin_pad.hide())
    ui.call(lambda: app.overlay.show_removed(25, "id_card"))
    audit.visit("home+card_removed")
    ui.call(lambda: app.overlay.hide())
    ui.call(lambda: app.toast.show(words.ended("finished", "id_card", True), seconds=600))
    audit.visit("home+toast")
    ui.call(lambda: app.toast.hide())


def _staff(ui: Any, audit: Auditor) -> None:
    ui.call(lambda: ui.app.open_staff_login())
    ui.wait_screen("staff_pin")
    _visit_current(ui, audit)
    ui.type(STAFF_PIN)
    ui.tap("确定")
    ui.wait_screen("staff_log", timeout=20)
    ui.wait_until(lambda: "共" in str(getattr(ui.app.staff_log, "count_text", "共")), 20, "the log rows")
    _visit_current(ui, audit)
    ui.call(lambda: ui.app.close_staff("exit"))
    ui.wait_screen("home")


def a11y(ui: Any) -> None:
    from kiosk.registry import SERVICES

    ui.wait_screen("home", timeout=20)
    ui.wait_until(lambda: not ui.app.banner.message
                  and any(s.id == "proof_print" and s.available for s in ui.app.terminal.services()),
                  40, "the reader, the printers and central to be ready")
    audit = Auditor(ui, lambda: _banner(ui, True), lambda: _banner(ui, False))
    audit.visit("home")
    _overlays(ui, audit)
    for spec in SERVICES.values():
        package = ui.call(lambda spec=spec: ui.app.packages.get(spec.id))
        if package is not None:
            _service(ui, audit, spec.id, spec.screens)
    _staff(ui, audit)
    # Whatever else is registered (screens added later): shown as it is, checked.
    for name in audit.unchecked():
        audit.force(name)
    ui.results["data"]["a11y"]["checked"] = sorted(audit.checked)


SCENARIOS = {"a11y": a11y}
