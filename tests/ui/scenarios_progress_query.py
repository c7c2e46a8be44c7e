"""办件查询 with a real central, the simulated receipt printer and the camera's code slot
(run by tests/ui/test_progress_query_ui.py). The test filed two applications of 张三 at
central before the app started and names the file with their numbers, 查询码 and
tracking URLs in ``PQ_FILED``:

1. the tile, the start screen; 输入办件编号 with the digit pad and the 查询码 keyboard: the
   masked public view; a wrong 查询码: the same words as an unknown number;
2. 张三's card on the start screen: his list, newest first; a tap: the timeline; 补打回执
   (printed, its QR read back by the test); 返回 lets the card go;
3. the receipt's tracking URL held up at the idle home screen: 办件查询 opens on it;
4. 办事指南: the list, 户籍证明开具's guide (多地联办, its departments), its 一次性告知单 printed;
5. 适老化 mode under a real fault banner (the ID reader unplugged): the home tiles (eight),
   the start screen, the typed look-up, the public view and the guide.
"""

from __future__ import annotations

import json
import os
from typing import Any

PRESENCE_S = 0.8


def _filed() -> list[dict[str, str]]:
    with open(os.environ["PQ_FILED"], encoding="utf-8") as fh:
        return json.load(fh)


def _ready(ui: Any) -> None:
    ui.wait_screen("home", timeout=15)
    ui.wait_until(
        lambda: not ui.app.banner.message
        and any(s.id == "progress_query" and s.available for s in ui.app.terminal.services()),
        30, "办件查询 to be available (terminal enrolled)",
    )


def _type_number(ui: Any, number: str, check: str) -> None:
    ui.tap("输入办件编号")
    ui.wait_screen("pq_enter")
    ui.type(number)
    ui.tap("下一项")
    ui.type(check)


def progress_query(ui: Any) -> None:
    _ready(ui)
    data = ui.results["data"]
    older, newer = _filed()
    ui.shot("00-home")

    # 1. Typed: the public view, then a wrong code.
    ui.tap("办件查询")
    ui.wait_screen("pq_start", timeout=20)
    ui.shot("01-start")
    _type_number(ui, older["number"], older["check"])
    ui.shot("02-typed")
    ui.tap("查询")
    ui.wait_screen("pq_public", timeout=30)
    ui.shot("03-public")
    data["public_shown"] = ui.call(lambda: ui.app.terminal.flow.public_app.number)
    ui.tap("查询其他办件")
    ui.wait_screen("pq_start")
    wrong = "222222" if older["check"] != "222222" else "333333"
    _type_number(ui, older["number"], wrong)
    ui.tap("查询")
    ui.wait_until(lambda: ui.app.terminal.flow.error == "not_found", 30, "the refusal")
    ui.wait_text("没有查到该办件")
    ui.shot("04-wrong-code")
    ui.tap("返回")
    ui.wait_screen("pq_start")

    # 2. 张三's card: his list, the detail, 补打回执.
    ui.sim("place zhang_san")
    ui.wait_screen("pq_list", timeout=30)
    ui.shot("05-list")
    data["listed"] = ui.call(lambda: [a.number for a in ui.app.terminal.flow.applications])
    ui.tap("城乡居民基本养老保险参保登记")
    ui.wait_screen("pq_detail")
    ui.shot("06-detail")
    before = int(ui.printers("receipt count").split()[-1])
    ui.tap("补打回执")
    ui.wait_text("回执已打印", timeout=30)
    ui.wait_until(lambda: int(ui.printers("receipt count").split()[-1]) > before, 15, "the receipt")
    ui.shot("07-reprinted")
    data["reprinted_qr"] = ui.printers("receipt qr").removeprefix("ok ").strip()
    data["reprinted_for"] = ui.call(lambda: ui.app.terminal.flow.selected.number)
    ui.tap("返回")
    ui.wait_screen("pq_list")
    ui.tap("返回")
    ui.wait_screen("pq_start")
    data["card_after_back"] = ui.call(lambda: ui.app.terminal.session.card is not None)
    ui.tap("返回首页")
    ui.wait_screen("home")
    ui.sim("remove")
    ui.sleep(PRESENCE_S)

    # 3. The receipt's QR at the idle home screen.
    ui.printers(f"show {newer['url']}")
    ui.wait_screen("pq_public", timeout=40)
    ui.printers("clear")
    ui.shot("08-scanned-at-home")
    data["scanned_shown"] = ui.call(lambda: ui.app.terminal.flow.public_app.number)
    ui.tap("完成")
    ui.wait_screen("home")

    # 4. 办事指南: the catalogue, an item's guide, its 一次性告知单 printed.
    ui.tap("办事指南")
    ui.wait_screen("gd_list", timeout=20)
    ui.shot("13-guide-list")
    ui.tap("户籍证明开具")
    ui.wait_screen("gd_detail")
    ui.shot("14-guide-detail")
    before = int(ui.printers("receipt count").split()[-1])
    ui.tap("打印一次性告知单")
    ui.wait_text("一次性告知单已打印", timeout=30)
    ui.wait_until(lambda: int(ui.printers("receipt count").split()[-1]) > before, 15, "the notice")
    ui.shot("15-guide-printed")
    ui.tap("完成")
    ui.wait_screen("home")

    # 5. 适老化 under a real fault banner.
    ui.tap("适老化")
    ui.sim("unplug")
    ui.wait_until(lambda: ui.app.banner.message, 15, "the fault banner")
    ui.shot("09-home-elderly-banner")
    ui.tap("办件查询")
    ui.wait_screen("pq_start", timeout=20)
    ui.shot("10-start-elderly-banner")
    _type_number(ui, newer["number"], newer["check"])
    ui.shot("11-typed-elderly-banner")
    ui.tap("查询")
    ui.wait_screen("pq_public", timeout=30)
    ui.shot("12-public-elderly-banner")
    ui.tap("完成")
    ui.wait_screen("home")
    ui.tap("办事指南")
    ui.wait_screen("gd_list", timeout=20)
    ui.tap("户籍证明开具")
    ui.wait_screen("gd_detail")
    ui.shot("16-guide-detail-elderly-banner")
    ui.tap("完成")
    ui.wait_screen("home")
    ui.sim("replug")
    ui.tap("适老化")


def _visit(ui: Any, audit: Any) -> None:
    manager = ui.app.manager
    ui.wait_until(lambda: not manager.transition.is_active, 30, "the transition to end")
    audit.visit(ui.screen())


def progress_query_a11y(ui: Any) -> None:
    """The accessibility check (tests/support/a11y_audit.py) of every 办件查询 and 办事指南
    screen holding data, in normal and elderly mode, with and without a real fault banner
    (the receipt printer out of paper), as tests/ui/scenarios_a11y.py walks them."""
    from tests.support.a11y_audit import Auditor

    def banner(on: bool) -> None:
        ui.printers(f"receipt paper {'out' if on else 'normal'}")
        ui.wait_until(lambda: bool(ui.app.banner.message) == on, 20, f"the banner {'up' if on else 'gone'}")

    _ready(ui)
    audit = Auditor(ui, lambda: banner(True), lambda: banner(False))
    older, _ = _filed()
    flow = lambda: ui.app.terminal.flow  # noqa: E731 - the running flow
    ui.tap("办件查询")
    ui.wait_screen("pq_start", timeout=20)
    _visit(ui, audit)
    ui.sim("place zhang_san")
    ui.wait_screen("pq_list", timeout=30)
    _visit(ui, audit)
    ui.call(lambda: flow().open(older["number"]))
    ui.wait_screen("pq_detail")
    _visit(ui, audit)
    for name in ("pq_printing", "pq_loading"):
        audit.force(name)
    ui.call(lambda: flow().back())
    ui.call(lambda: flow().back())
    ui.wait_screen("pq_start")
    ui.call(lambda: flow().enter_number())
    ui.wait_screen("pq_enter")
    ui.call(lambda: flow().lookup(older["number"], "222222" if older["check"] != "222222" else "333333"))
    ui.wait_until(lambda: flow().error == "not_found", 30, "the refusal")
    _visit(ui, audit)
    ui.call(lambda: flow().lookup(older["number"], older["check"]))
    ui.wait_screen("pq_public", timeout=30)
    _visit(ui, audit)
    audit.force("pq_error")


def guide_a11y(ui: Any) -> None:
    """The same check of the 办事指南 screens (a run of its own: one session per run)."""
    from tests.support.a11y_audit import Auditor

    def banner(on: bool) -> None:
        ui.printers(f"receipt paper {'out' if on else 'normal'}")
        ui.wait_until(lambda: bool(ui.app.banner.message) == on, 20, f"the banner {'up' if on else 'gone'}")

    _ready(ui)
    audit = Auditor(ui, lambda: banner(True), lambda: banner(False))
    flow = lambda: ui.app.terminal.flow  # noqa: E731 - the running flow
    ui.tap("办事指南")
    ui.wait_screen("gd_list", timeout=20)
    _visit(ui, audit)
    code = ui.call(lambda: next(i.code for i in flow().items if i.joint))
    ui.call(lambda: flow().open(code))
    ui.wait_screen("gd_detail")
    _visit(ui, audit)
    for name in ("gd_loading", "gd_error"):
        audit.force(name)


SCENARIOS = {"progress_query": progress_query, "progress_query_a11y": progress_query_a11y,
             "guide_a11y": guide_a11y}
