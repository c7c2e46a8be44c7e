"""排队取号 and 报到 with a real central and the simulated receipt printer (run by
tests/ui/test_queue_ui.py): a normal ticket, a green-channel ticket with the card of someone
over 65, a check-in by an appointment code held up to the camera at the idle home screen, a
check-in refused as too early, the list and a ticket in 适老化 mode under a real fault banner
(the ID reader unplugged: the queue goes on without it), and an offline ticket with central
stopped that reaches central once it is back.

The test process's controller (``--printers``): ``receipt count``, ``receipt qr`` (the QR of
the last receipt, read from the printed picture), ``show booked`` / ``show early`` (a booking
for now / in two hours, its code in front of the camera), ``clear``.
"""

from __future__ import annotations

from typing import Any

GREEN_HINT = "65岁以上老人请刷身份证，优先办理（绿色通道）"
PRESENCE_S = 0.8


def _ready(ui: Any) -> None:
    ui.wait_screen("home", timeout=15)
    ui.wait_until(
        lambda: not ui.app.banner.message
        and any(s.id == "queue_ticket" and s.available for s in ui.app.terminal.services()),
        30, "排队取号 to be available (receipt printer ready, terminal enrolled)",
    )


def _ticket(ui: Any) -> dict[str, Any]:
    ticket = ui.call(lambda: ui.app.terminal.flow.ticket)
    return {"label": ticket.label, "kind": ticket.kind, "offline": ticket.offline,
            "follow_url": ticket.follow_url, "people_ahead": ticket.people_ahead}


def _take(ui: Any, category: str, step: str) -> dict[str, Any]:
    ui.tap(category)
    ui.wait_screen("qt_done", timeout=30)
    ui.wait_until(lambda: ui.printers("receipt count") != "0", 10, "the ticket printed")
    ui.shot(step)
    return _ticket(ui)


def _finish(ui: Any) -> None:
    ui.tap("完成")
    ui.wait_screen("home")


def queue(ui: Any) -> None:
    _ready(ui)
    data = ui.results["data"]

    # 1. A normal ticket: no card asked for.
    ui.tap("排队取号")
    ui.wait_screen("qt_categories", timeout=30)
    ui.wait_text(GREEN_HINT)
    ui.shot("01-categories")
    data["normal"] = _take(ui, "综合", "02-done")
    data["normal"]["qr"] = ui.printers("receipt qr")
    _finish(ui)

    # 2. The green channel: a card of someone over 65 placed on the list.
    ui.tap("排队取号")
    ui.wait_screen("qt_categories", timeout=30)
    ui.sim("place elder")
    ui.wait_text("已识别为65岁以上老人")
    ui.shot("03-green-recognised")
    data["green"] = _take(ui, "社保", "04-green-done")
    _finish(ui)
    ui.sim("remove")
    ui.sleep(PRESENCE_S)

    # 3. 报到: an appointment code held up at the idle home screen.
    ui.printers("show booked")
    ui.wait_screen("qt_done", timeout=40)
    ui.printers("clear")
    ui.shot("05-checkin-done")
    data["checkin"] = _ticket(ui)
    _finish(ui)

    # 4. Too early: said plainly, a normal ticket offered.
    ui.printers("show early")
    ui.wait_screen("qt_checkin", timeout=40)
    ui.wait_text("还没到报到时间")
    ui.printers("clear")
    ui.shot("06-checkin-too-early")
    ui.tap("取普通号")
    ui.wait_screen("qt_categories", timeout=20)
    ui.tap("返回首页")
    ui.wait_screen("home")

    # 5. 适老化 mode under a real fault banner: the ID reader unplugged.
    ui.tap("适老化")
    ui.sim("unplug")
    ui.wait_until(lambda: ui.app.banner.message, 15, "the fault banner")
    ui.tap("排队取号")
    ui.wait_screen("qt_categories", timeout=30)
    ui.shot("07-categories-elderly-banner")
    data["elderly"] = _take(ui, "不动产", "08-done-elderly-banner")
    _finish(ui)
    ui.sim("replug")
    ui.wait_until(lambda: not ui.app.banner.message, 20, "the banner to go")

    # 6. Central stopped: a number from the reserved block, sent once central is back.
    ui.central("stop")
    ui.tap("排队取号")
    ui.wait_screen("qt_categories", timeout=40)
    ui.wait_text("离线取号")
    ui.shot("09-categories-offline-elderly")
    data["offline"] = _take(ui, "综合", "10-done-offline-elderly")
    _finish(ui)
    ui.tap("适老化")
    ui.central("start")
    ui.wait_until(lambda: ui.app.terminal.outbox.status().pending == 0, 120, "the offline ticket delivered")
    ui.record("delivered")


SCENARIOS = {"queue": queue}
