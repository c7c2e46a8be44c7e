"""预约办事 with a real central and the simulated receipt printer (run by
tests/ui/test_appointment_ui.py): 张三 books a slot through the real screens with real
touches, a grey day tapped says 时间太近 with what to do instead, a slot taken by others
meanwhile is refused 已约满, the booking prints its 预约凭条, 我的预约 lists it and he cancels
it; then in 适老化 mode, with the receipt printer out of paper (a real fault banner), he
books again: the booking stands, the screen says the slip could not print.

The days are whatever central's calendar gives on the day the test runs: the scenario picks
the first bookable day and slot it is shown (the test imports a calendar year for central
when it does not know the dates)."""

from __future__ import annotations

from typing import Any

PENSION = "11140500MB1947036N4000111001"
PENSION_NAME = "城乡居民基本养老保险参保登记"
PRESENCE_S = 0.8


def _ready(ui: Any) -> None:
    ui.wait_screen("home", timeout=15)
    ui.wait_until(
        lambda: not ui.app.banner.message
        and any(s.id == "appointment" and s.available for s in ui.app.terminal.services()),
        30, "预约办事 to be available (reader online, terminal enrolled, printer ready)",
    )


def _flow(ui: Any) -> Any:
    return ui.app.terminal.flow


def _identify(ui: Any) -> None:
    ui.tap("预约办事")
    ui.wait_screen("identity")
    ui.sim("place zhang_san")
    ui.wait_screen("identity_read")
    ui.tap("确认是本人")
    ui.wait_screen("ap_items", timeout=30)


def _cell_label(day: Any, first: bool) -> str:
    from screens.appointment import words

    return words.day_cell(day.date, first)


def _to_slots(ui: Any, skip: int = 0) -> Any:
    """From the calendar to the times of a bookable day; returns that day."""
    days = ui.call(lambda: _flow(ui).days)
    # From the day after tomorrow: tomorrow's last places stop being bookable as the clock
    # passes them (24 h ahead), between drawing the calendar and loading the day's times.
    bookable = [(n, d) for n, d in enumerate(days)
                if d.bookable and (d.date - days[0].date).days >= 2]
    n, day = bookable[skip]
    ui.tap(_cell_label(day, n == 0))
    ui.wait_screen("ap_slots", timeout=20)
    return day


def _free_slot(ui: Any, avoid: str = "") -> Any:
    from screens.appointment import words

    slots = ui.call(lambda: _flow(ui).slots)
    slot = next(s for s in slots if s.bookable and s.remaining > 0 and s.time != avoid)
    return slot, words.time_range(slot.time, slot.end)


def _take_the_places(ui: Any, day: Any, slot: Any) -> int:
    """Others (phone bookings at another counter) take every place left in ``slot``."""
    from kiosk.central_api.booking import BookingApi

    api = BookingApi(ui.app.terminal.central)
    for n in range(slot.remaining):
        api.book(hall="JC-ZWZX", item_code=PENSION, day=day.date, time=slot.time,
                 id_number=_other(n), name="赵六", idempotency_key=f"00000000-0000-4000-8000-{n:012d}")
    return int(slot.remaining)


def _other(n: int) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    body = f"14050219750312{800 + n:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _appointment(ui: Any) -> dict[str, Any]:
    a = ui.call(lambda: _flow(ui).appointment)
    return {"number": a.number, "qr": a.qr, "date": a.date.isoformat(), "time": a.time}


def appointment(ui: Any) -> None:
    from screens.appointment import words

    _ready(ui)
    _identify(ui)
    ui.wait_text(PENSION_NAME)
    ui.shot("01-items")

    ui.tap(PENSION_NAME)
    ui.wait_screen("ap_days", timeout=20)
    ui.shot("02-days")
    today = ui.call(lambda: _flow(ui).days[0])
    ui.tap(_cell_label(today, True))                     # today: always too soon
    ui.wait_text("预约需至少提前24小时")
    ui.shot("03-days-too-soon")

    day = _to_slots(ui)
    ui.shot("04-slots")
    slot, label = _free_slot(ui)
    ui.tap(label)
    ui.wait_screen("ap_confirm")
    ui.shot("05-confirm")
    ui.results["data"]["taken_by_others"] = _take_the_places(ui, day, slot)
    ui.tap("确认预约")
    ui.wait_screen("ap_slots", timeout=20)
    ui.wait_text(words.refusal("full"))
    ui.shot("06-slots-full")

    slot, label = _free_slot(ui, avoid=slot.time)
    ui.tap(label)
    ui.wait_screen("ap_confirm")
    ui.tap("确认预约")
    ui.wait_screen("ap_done", timeout=20)
    ui.wait_text("预约凭条已打印，请在出纸口取走", timeout=30)
    ui.results["data"]["booked"] = _appointment(ui)
    ui.shot("07-done")

    ui.tap("我的预约")
    ui.wait_screen("ap_mine", timeout=20)
    ui.wait_text(f"晋城市政务服务中心　预约号 {ui.results['data']['booked']['number']}")
    ui.shot("08-mine")
    ui.tap("取消预约")
    ui.wait_text("确定要取消这个预约吗？")
    ui.shot("09-cancel-asked")
    ui.tap("确定取消")
    ui.wait_screen("ap_mine", timeout=20)
    ui.wait_text(f"预约 {ui.results['data']['booked']['number']} 已取消", timeout=20)
    ui.wait_text("已取消")
    ui.shot("10-mine-cancelled")

    # 适老化 mode, and the receipt printer runs out of paper: a real fault banner.
    ui.tap("适老化")
    ui.wait_until(lambda: ui.app.theme.elderly, 3, "elderly mode")
    ui.shot("11-mine-elderly")
    ui.tap("返回预约")
    ui.wait_screen("ap_items")
    ui.shot("12-items-elderly")
    ui.printers("receipt paper out")
    ui.wait_until(lambda: bool(ui.app.banner.message), 20, "the fault banner")
    ui.tap(PENSION_NAME)
    ui.wait_screen("ap_days", timeout=20)
    ui.shot("13-days-elderly-banner")
    day = _to_slots(ui, skip=1)
    ui.shot("14-slots-elderly-banner")
    slot, label = _free_slot(ui)
    ui.tap(label)
    ui.wait_screen("ap_confirm")
    ui.shot("15-confirm-elderly-banner")
    ui.tap("确认预约")
    ui.wait_screen("ap_done", timeout=20)
    ui.wait_text("预约凭条未能打印", timeout=30)
    ui.results["data"]["booked_without_slip"] = _appointment(ui)
    ui.shot("16-done-no-slip-elderly-banner")
    ui.tap("完成")
    ui.wait_screen("home")
    ui.sleep(0.3)
    ui.record("finished")
    ui.sim("remove")
    ui.sleep(PRESENCE_S)
    ui.tap("适老化")
    ui.printers("receipt paper normal")


SCENARIOS = {"appointment": appointment}
