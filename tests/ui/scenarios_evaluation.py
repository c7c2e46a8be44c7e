"""好差评 with a real central (run by tests/ui/test_evaluation_ui.py): 张三 checks his identity,
taps 完成 and is offered 好差评 for it: 不满意, a reason chip (after being told one is
needed), a comment typed in pinyin with the common text entry, 提交评价, thanks. Then in
适老化 mode the same offer, the reasons and the keys large, and 跳过 (one tap, the session
ends). Last the 好差评 tile lists what he did not rate (the skipped one), not the rated one.

Site: [evaluation] offer_after_service = true (the other scenarios switch it off).
"""

from __future__ import annotations

from typing import Any

PRESENCE_S = 0.8
PLACEHOLDER = "点此填写意见（选填，最多200字）"


def _ready(ui: Any) -> None:
    ui.wait_screen("home", timeout=15)
    ui.wait_until(
        lambda: not ui.app.banner.message
        and all(any(s.id == sid and s.available for s in ui.app.terminal.services())
                for sid in ("identity_check", "evaluation")),
        20, "身份核验 and 好差评 to be available",
    )


def _checked_then_done(ui: Any) -> None:
    ui.tap("身份核验")
    ui.wait_screen("identity")
    ui.sim("place zhang_san")
    ui.wait_screen("identity_read")
    ui.tap("确认是本人")
    ui.wait_screen("result")
    ui.tap("完成")
    ui.wait_screen("ev_rate")


def _entry(ui: Any) -> Any:
    return ui.app.manager.get_screen("ev_reasons").ids.entry


def _laid_out(entry: Any) -> list[tuple[str, Any]] | None:
    """The candidates shown with their centres, once the bar has laid them out (a button
    not yet placed sits at the window's corner, over 返回)."""
    bar = entry.ids.bar
    left, bottom = bar.to_window(*bar.pos)
    found = []
    for button in entry.shown_candidates():
        x, y = button.to_window(*button.center)
        if not (left <= x <= left + bar.width and bottom <= y <= bottom + bar.height):
            return None
        found.append((button.text, (x, y)))
    return found or None


def _pick(ui: Any, word: str, pages: int = 8) -> None:
    """Tap the candidate ``word`` once the engine answered, paging with 下页 until it shows."""
    entry = _entry(ui)
    found: list[tuple[str, Any]] = []
    for _ in range(pages):
        ui.wait_until(lambda: not entry._pending(), 30, f"the input engine ({word})")
        found = ui.wait_until(lambda: _laid_out(entry), 10, f"the candidates for {word} laid out")
        where = next((pos for text, pos in found if text == word), None)
        if where is not None:
            ui.tap_at(*where)
            return
        ui.tap("下页")
        ui.sleep(0.2)
    raise AssertionError(f"{word!r} never offered; last shown {[t for t, _ in found]}")


def _flow(ui: Any) -> Any:
    return ui.app.terminal.flow


def _leave_reader(ui: Any) -> None:
    ui.sim("remove")
    ui.sleep(PRESENCE_S)


def evaluation(ui: Any) -> None:
    import gc

    _ready(ui)
    data = ui.results["data"]
    # The reasons screen's typing part lies outside the widget tree until used: it must
    # survive a collection (every session's end clears it).
    ui.call(gc.collect)

    # 1. 身份核验, 完成: the offer, what was done named.
    _checked_then_done(ui)
    ui.wait_text("身份核验")
    ui.wait_text("跳过")
    ui.shot("01-offer-rate")

    # 2. 不满意: reasons; 提交评价 without one says one is needed.
    ui.tap("不满意")
    ui.wait_screen("ev_reasons")
    ui.shot("02-reasons")
    ui.tap("提交评价")
    ui.wait_text("请至少选择一项原因")
    ui.shot("03-reason-required")
    ui.tap("设备不好用")
    ui.wait_no_text("请至少选择一项原因")

    # 3. The comment, typed in pinyin: 太慢.
    ui.tap(PLACEHOLDER)
    entry = _entry(ui)
    ui.wait_until(lambda: entry.mode == "pinyin", 5, "the pinyin keyboard")
    ui.type("tai")
    _pick(ui, "太")
    ui.type("man")
    _pick(ui, "慢")
    ui.wait_until(lambda: _flow(ui).comment == "太慢", 10, "the comment typed")
    ui.shot("04-comment-typed")
    ui.tap("完成")
    ui.wait_text("太慢")
    ui.wait_text("设备不好用")
    ui.shot("05-reasons-filled")
    data["reasons"] = ui.call(lambda: list(_flow(ui).reasons))

    # 4. 提交评价: delivered while the citizen waits; thanks, the return visit promised.
    ui.tap("提交评价")
    ui.wait_screen("ev_thanks", timeout=30)
    ui.wait_text("感谢您的评价")
    ui.shot("06-thanks")
    data["outcome"] = ui.call(lambda: _flow(ui).outcome)
    data["rated"] = ui.call(lambda: _flow(ui).chosen.handling_id)
    ui.tap("完成")
    ui.wait_screen("home")
    _leave_reader(ui)

    # 5. 适老化: the offer, the reasons and the keys large; 返回, then 跳过 ends the session.
    ui.tap("适老化")
    _checked_then_done(ui)
    data["skipped"] = ui.call(lambda: _flow(ui).chosen.handling_id)
    ui.shot("07-offer-rate-elderly")
    ui.tap("不满意")
    ui.wait_screen("ev_reasons")
    ui.tap("办理时间长")
    ui.shot("08-reasons-elderly")
    ui.tap(PLACEHOLDER)
    ui.wait_until(lambda: _entry(ui).mode == "pinyin", 5, "the pinyin keyboard")
    ui.type("man")
    ui.wait_until(lambda: not _entry(ui)._pending(), 30, "the input engine")
    ui.sleep(0.2)
    ui.shot("09-typing-elderly")
    ui.tap("完成")
    ui.tap("返回")
    ui.wait_screen("ev_rate")
    ui.tap("跳过")
    ui.wait_screen("home")
    data["after_skip"] = ui.call(lambda: (str(ui.app.terminal.session.state.value),
                                          ui.app.terminal.flow is None))
    _leave_reader(ui)
    ui.tap("适老化")

    # 6. The 好差评 tile: the skipped 身份核验 is listed, the rated one is not.
    ui.tap("好差评")
    ui.wait_screen("identity")
    ui.sim("place zhang_san")
    ui.wait_screen("identity_read")
    ui.tap("确认是本人")
    ui.wait_screen("ev_list", timeout=30)
    ui.shot("10-list")
    data["listed"] = ui.call(lambda: [c.handling_id for c in _flow(ui).choices])
    ui.tap("返回首页")
    ui.wait_screen("home")
    _leave_reader(ui)
    data["pending"] = ui.call(lambda: ui.app.terminal.outbox.status().pending)


SCENARIOS = {"evaluation": evaluation}
