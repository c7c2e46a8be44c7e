"""Issue 11 §4, the walk through the demo as a citizen (run by tests/ui/test_walkthrough_ui.py,
with a real seeded central and the demo cards): what the walk found, each step done again
after the fix. Screenshots: tests/artifacts/ui-walk-<step>.png, normal and 适老化 mode.

Site timing for this group: idle timeout 60 s (90 s would be the hall's; short enough to
show the 适老化 mode's longer one, long enough not to end the walk).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ITEM = "城乡居民基本养老保险参保登记"
CLOCK_JUMP_S = 30.0   # well past the 8 s a toast used to stay


def _ready(ui: Any) -> None:
    ui.wait_screen("home", timeout=15)
    ui.wait_until(
        lambda: not ui.app.banner.message
        and any(s.id == "yizheng_tongban" and s.available for s in ui.app.terminal.services()),
        20, "一证通办 to be available (reader online, terminal enrolled)",
    )


def buttons(app: Any) -> list[list[Any]]:
    """Every touch target on the current screen: [class, text, x, y, w, h] in window
    coordinates (main thread)."""
    from kivy.uix.behaviors import ButtonBehavior

    out: list[list[Any]] = []

    def walk(widget: Any) -> None:
        if widget.opacity <= 0:
            return
        if isinstance(widget, ButtonBehavior):
            x, y = widget.to_window(*widget.pos)
            text = getattr(widget, "text", "") or getattr(widget, "title", "")
            out.append([type(widget).__name__, text, round(x, 1), round(y, 1),
                        round(widget.width, 1), round(widget.height, 1)])
        for child in widget.children:
            walk(child)

    walk(app.manager.current_screen)
    return out


def _materials(app: Any) -> list[list[str]]:
    """[name, tag] of each material row on the 办事指南 (main thread)."""
    from screens.yizheng.detail import MaterialRow

    rows: list[list[str]] = []

    def walk(widget: Any) -> None:
        if isinstance(widget, MaterialRow):
            rows.append([widget.name, widget.ids.badge.text])
        for child in widget.children:
            walk(child)

    walk(app.manager.current_screen)
    return rows


def drawn_lines(app: Any) -> list[list[str]]:
    """The lines Kivy drew for every shown wrapping label, as drawn (main thread)."""
    from kivy.core.window import Window
    from kivy.uix.label import Label

    out: list[list[str]] = []

    def walk(widget: Any) -> None:
        if widget.opacity <= 0 or widget.width <= 0:
            return
        if isinstance(widget, Label) and widget.text and widget.text_size and widget.text_size[0]:
            lines = getattr(widget._label, "_cached_lines", None) or []
            drawn = ["".join(word.text for word in line.words) for line in lines]
            out.append([d for d in drawn if d])
        for child in widget.children:
            walk(child)

    for child in Window.children:
        walk(child)
    return out


def _lines(ui: Any, step: str) -> None:
    ui.results["data"].setdefault("lines", {})[step] = ui.call(lambda: drawn_lines(ui.app))


def _jump_clock(ui: Any, seconds: float) -> None:
    """Move Kivy's clock ``seconds`` ahead (no sleeping): every timer due by then fires on
    the next frame, as if the citizen had looked away that long."""
    from kivy.clock import Clock

    clock = object.__getattribute__(Clock, "_obj")   # the ClockBase behind kivy's proxy

    def jump() -> None:
        base = type(clock).time
        offset = getattr(clock, "_walk_offset", 0.0) + seconds
        clock._walk_offset = offset
        clock.time = lambda: base() + offset

    ui.call(jump)
    frames = ui.call(lambda: Clock.frames)
    ui.wait_until(lambda: Clock.frames >= frames + 3, 5, "three frames after the clock jump")
    ui.note(f"clock +{seconds} s")


def _result_card(ui: Any) -> tuple[bool, str]:
    card = getattr(ui.app, "result_card", None)
    return (bool(card and card.shown), card.headline if card else "")


def _identity_check(ui: Any) -> None:
    ui.tap("身份核验")
    ui.wait_screen("identity")
    ui.sim("place zhang_san")
    ui.wait_screen("identity_read")
    ui.tap("确认是本人")
    ui.wait_screen("result")
    ui.wait_until(lambda: ui.app.screens["result"].has_next, 5, "the services to go on with")


def _fault_mid_flow(ui: Any, suffix: str, step: str) -> None:
    """On the result screen: the reader goes, the banner comes; every button stays put."""
    ui.results["data"][f"before{suffix}"] = ui.call(lambda: buttons(ui.app))
    ui.sim("unplug")
    ui.wait_until(lambda: ui.app.banner.message, 10, "the fault banner")
    ui.shot(step)
    _lines(ui, step)
    ui.results["data"][f"after{suffix}"] = ui.call(lambda: buttons(ui.app))
    ui.results["data"][f"banner{suffix}"] = ui.call(lambda: ui.app.banner.message)


def _to_form(ui: Any) -> str:
    """From 一证通办's list to the form of ITEM; returns the key of a field left empty."""
    ui.tap(ITEM)
    ui.wait_screen("yz_detail")
    ui.wait_text("电子证照自动调取")
    ui.tap("开始办理")
    ui.wait_screen("yz_form")
    return str(ui.call(lambda: next(f.key for f in ui.app.terminal.flow.fields if not f.value)))


class _PreviewFlow:
    """Just what the preview screen reads of a ProofFlow: the rendered document."""

    error = ""
    step = "preview"

    def __init__(self, document: Any) -> None:
        self.document = document

    def load(self) -> None: ...

    def back(self) -> None: ...

    def print(self) -> None: ...


ISSUED = {
    "document_number": "ZM140500-20261206-000001", "verification_code": "K7Q2M9XP4T8WB3NZ",
    "verify_url": "https://zwfw.example.gov.cn/verify/K7Q2M9XP4T8WB3NZ", "kind": "proof",
    "proof_code": "x", "title": "参保证明", "issuer": "晋城市社会保险中心",
    "issued_at": "2026-12-06T01:30:00Z",
    "holder": {"name": "张三", "id_number": "110101199003071233"}, "fields": [],
    "paragraphs": ["兹证明张三自2015年1月起在晋城市参加城镇职工基本养老保险，截至目前累计缴费一百三十个月，"
                   "缴费状态正常。特此证明。"],
}


def _preview(ui: Any, prefix: str) -> None:
    """The proof preview (the renderer the terminal uses, at its size), then 放大查看."""
    from kiosk.printing.jobs import ProofRenderer

    document = ProofRenderer(ui.app.kiosk_config)(ISSUED)
    screen = ui.app.screens["pf_preview"]

    def show() -> None:
        screen.show_flow(_PreviewFlow(document))
        ui.app.manager.current = "pf_preview"

    def sizes() -> list[float]:
        page, scroll = screen.ids.page, screen.ids.scroll
        return [page.texture.width, page.width, scroll.width]

    ui.call(show)
    ui.wait_screen("pf_preview")
    ui.shot(f"{prefix}-preview")
    _lines(ui, f"{prefix}-preview")
    ui.results["data"][f"{prefix}-preview"] = ui.call(sizes)
    ui.tap("放大查看")
    ui.wait_until(lambda: screen.zoomed and screen.ids.page.width > screen.ids.scroll.width * 1.5, 3, "the zoom")
    ui.shot(f"{prefix}-preview-zoomed")
    ui.results["data"][f"{prefix}-preview-zoomed"] = ui.call(sizes)
    ui.tap("缩小")
    ui.wait_until(lambda: not screen.zoomed, 3, "back to the whole width")

    def leave() -> None:
        ui.app.manager.current = "home"
        screen.clear_flow()

    ui.call(leave)
    ui.wait_screen("home")


def _elderly(ui: Any, on: bool) -> None:
    """Switched at home, between citizens."""
    ui.tap("适老化")
    ui.wait_until(lambda: ui.app.theme.elderly == on, 3, f"elderly mode {on}")
    ui.call(ui.app.toast.hide)


def walk(ui: Any) -> None:
    _ready(ui)
    ui.shot("00-home")

    # -- dead end: after 身份核验 the services the citizen can use now are offered -----------
    _identity_check(ui)
    ui.shot("01-result-next")
    _lines(ui, "01-result-next")
    ui.results["data"]["left_normal"] = ui.call(lambda: ui.app.terminal.session.snapshot().seconds_left)

    # -- a fault mid-flow: the banner shows, nothing moves, the paused service is named ---
    _fault_mid_flow(ui, "", "02-result-banner")
    ui.tap("一证通办")                      # paused: the tile says why and starts nothing
    ui.wait_text("“一证通办”暂不可用")
    ui.results["data"]["after_paused_tap"] = ui.call(
        lambda: [ui.app.manager.current, ui.app.terminal.session.snapshot().service_id,
                 ui.app.terminal.flow is not None and ui.app.terminal.flow.SERVICE_ID])
    ui.call(ui.app.toast.hide)
    ui.sim("replug")
    ui.wait_until(lambda: not ui.app.banner.message, 10, "the banner to go")
    ui.results["data"]["banner_gone"] = ui.call(lambda: buttons(ui.app))

    # -- go on with 一证通办: no second card read --------------------------------------------
    ui.wait_until(lambda: any(s.id == "yizheng_tongban" and s.available for s in ui.app.terminal.services()),
                  10, "一证通办 available again")
    ui.tap("一证通办")
    ui.wait_screen("yz_items", timeout=20)
    ui.results["data"]["next_service"] = ui.call(
        lambda: [ui.app.terminal.session.snapshot().state.value, ui.app.terminal.flow.SERVICE_ID])
    ui.shot("04-next-service")

    # -- 返回 on a half-filled form asks first -------------------------------------------------
    ui.tap(ITEM)
    ui.wait_screen("yz_detail")
    ui.wait_text("电子证照自动调取")
    ui.results["data"]["materials"] = ui.call(lambda: _materials(ui.app))
    ui.shot("04b-detail")
    ui.tap("开始办理")
    ui.wait_screen("yz_form")
    ui.tap("返回")                          # nothing typed yet: straight back
    ui.wait_screen("yz_detail")
    ui.tap("开始办理")
    ui.wait_screen("yz_form")
    field = ui.call(lambda: next(f.key for f in ui.app.terminal.flow.fields if not f.value))
    ui.call(lambda: ui.app.terminal.flow.set_value(field, "13800138000"))
    ui.tap("返回")
    ui.wait_text("放弃已填写的内容吗？")
    ui.shot("05-discard-asked")
    _lines(ui, "05-discard-asked")
    ui.tap("继续填写")
    ui.wait_no_text("放弃已填写的内容吗？")
    ui.results["data"]["kept"] = ui.call(
        lambda: [ui.app.manager.current,
                 next(f.value for f in ui.app.terminal.flow.fields if f.key == field)])
    ui.tap("返回")
    ui.wait_text("放弃已填写的内容吗？")
    ui.tap("放弃")
    ui.wait_screen("yz_detail")
    ui.results["data"]["dropped"] = ui.call(lambda: ui.app.manager.current)

    # -- 请取走身份证 stays until a tap -------------------------------------------------------------
    ui.call(ui.app.finish_session)
    ui.wait_screen("home")
    ui.wait_until(lambda: _result_card(ui)[0], 5, "the take-card result")
    ui.call(lambda: ui.app.toast.show("一条短暂的提示", seconds=5))
    _jump_clock(ui, CLOCK_JUMP_S)
    ui.shot("07-take-card-after-clock")
    _lines(ui, "07-take-card-after-clock")
    ui.results["data"]["take_card_after_clock"] = [_result_card(ui),
                                                   ui.call(lambda: ui.app.toast.opacity)]
    ui.tap_at(640, 120)                       # anywhere: the citizen has read it
    ui.wait_until(lambda: not _result_card(ui)[0], 3, "the result to go on a tap")
    ui.sim("remove")

    # -- a scanned code's result stays too; a forged one says what to do ----------------------
    from kiosk.events import CodeNotice

    ui.call(lambda: ui.app.terminal.events.publish(CodeNotice("appointment", "forged")))
    ui.wait_until(lambda: _result_card(ui)[0], 5, "the forged code's result")
    _jump_clock(ui, CLOCK_JUMP_S)
    ui.shot("08-forged-after-clock")
    _lines(ui, "08-forged-after-clock")
    ui.results["data"]["forged_after_clock"] = _result_card(ui)
    ui.tap("知道了")
    ui.wait_until(lambda: not _result_card(ui)[0], 3, "the result to go on 知道了")

    # -- the proof preview: 放大查看 -------------------------------------------------------------
    _preview(ui, "09")

    # -- the same in 适老化 mode: longer idle timeout, the banner moves nothing ------------------
    _elderly(ui, True)
    _preview(ui, "10")
    _identity_check(ui)
    ui.results["data"]["left_elderly"] = ui.call(lambda: ui.app.terminal.session.snapshot().seconds_left)
    ui.shot("11-result-elderly")
    _fault_mid_flow(ui, "_elderly", "12-result-banner-elderly")
    ui.sim("replug")
    ui.wait_until(lambda: not ui.app.banner.message, 10, "the banner to go")
    ui.wait_until(lambda: any(s.id == "yizheng_tongban" and s.available for s in ui.app.terminal.services()),
                  10, "一证通办 available again")
    ui.tap("一证通办")
    ui.wait_screen("yz_items", timeout=20)
    field = _to_form(ui)
    ui.call(lambda: ui.app.terminal.flow.set_value(field, "13800138000"))
    ui.tap("返回")
    ui.wait_text("放弃已填写的内容吗？")
    ui.shot("13-discard-asked-elderly")
    _lines(ui, "13-discard-asked-elderly")
    ui.tap("放弃")
    ui.wait_screen("yz_detail")
    ui.call(ui.app.finish_session)
    ui.wait_screen("home")
    ui.wait_until(lambda: _result_card(ui)[0], 5, "the take-card result")
    ui.shot("14-take-card-elderly")
    _lines(ui, "14-take-card-elderly")
    ui.tap("知道了")
    ui.sim("remove")
    ui.call(lambda: ui.app.terminal.events.publish(
        CodeNotice("appointment", "", item_name=ITEM, start="12月7日 09:30")))
    ui.wait_until(lambda: _result_card(ui)[0], 5, "the appointment's result")
    _jump_clock(ui, CLOCK_JUMP_S)
    ui.shot("15-appointment-elderly")
    _lines(ui, "15-appointment-elderly")
    ui.results["data"]["appointment_after_clock"] = _result_card(ui)
    ui.tap("知道了")
    ui.wait_until(lambda: not _result_card(ui)[0], 3, "the result to go")
    ui.record("16-done")
    _elderly(ui, False)


def ways(ui: Any) -> None:
    """The ID reader unplugged on a terminal with a code scanner: the services stay open,
    the banner and the waiting screen say which way works."""
    _ready(ui)
    ui.wait_until(lambda: "code_scanner" in ui.app.terminal.state().other_ways, 15, "the code scanner")
    ui.sim("unplug")
    ui.wait_until(lambda: ui.app.banner.message, 10, "the fault banner")
    ui.results["data"]["services"] = ui.call(
        lambda: {s.id: [s.available, s.reason, list(s.ways)] for s in ui.app.terminal.state().services})
    ui.shot("20-ways-home")
    ui.tap("身份核验")
    ui.wait_screen("identity")
    ui.wait_text("身份证阅读器暂不可用")
    ui.shot("21-ways-identity")
    _lines(ui, "21-ways-identity")
    ui.tap("返回")
    ui.wait_screen("home")
    _elderly(ui, True)
    ui.tap("一证通办")
    ui.wait_screen("identity")
    ui.wait_text("身份证阅读器暂不可用")
    ui.shot("22-ways-identity-elderly")
    ui.tap("返回")
    ui.wait_screen("home")
    _elderly(ui, False)
    ui.sim("replug")
    ui.wait_until(lambda: not ui.app.banner.message, 10, "the banner to go")
    ui.tap("身份核验")
    ui.wait_screen("identity")
    ui.wait_text("请将身份证放在感应区")
    ui.record("23-reader-back")


SCENARIOS: dict[str, Callable[[Any], None]] = {"walk": walk, "walk_ways": ways}
