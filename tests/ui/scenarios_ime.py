"""Chinese text entry in the 一证通办 form (run by tests/ui/test_ime_ui.py), with the real
Terminal and its real input engines: 张三 opens an item whose 联系地址 is free text, clears
it, types 晋城市城区 on the pinyin keys choosing the phrase in two pieces, switches to
适老化 mode and writes 张 on the handwriting pad with real touch events (the strokes of
tests/support/strokes.py scaled to the pad), takes it back with 退格, and leaves the field
with pinyin half composed; at the end the session finishes mid-composition. Key sizes are
measured on every keyboard shown.
"""

from __future__ import annotations

from typing import Any

from scenarios_yizheng import ITEM, _identify, _ready

from tests.support.strokes import STROKES

ADDRESS = "联系地址"
NAME_ITEM = "结婚登记预约"          # 对方姓名: a name


def _entry(ui: Any) -> Any:
    return ui.app.manager.get_screen("yz_form").ids.entry


def _field(ui: Any, key: str) -> str:
    """The field's value; on the main thread (inside wait_until's predicate)."""
    return str(next(f.value for f in ui.app.terminal.flow.fields if f.key == key))


def _value(ui: Any, key: str) -> str:
    return str(ui.call(lambda: _field(ui, key)))


def _idle(ui: Any, what: str, timeout: float = 30.0) -> None:
    entry = _entry(ui)
    ui.wait_until(lambda: not entry._pending(), timeout, f"the input engine to answer ({what})")
    ui.sleep(0.1)  # the bar is drawn on the next frame


def _focus(ui: Any, label: str, attempts: int = 3) -> None:
    """Tap a field's label until the panel says it is being filled (a tap right after the
    list was dragged only stops the list's bounce, as it would under a finger)."""
    screen = ui.app.manager.get_screen("yz_form")
    for _ in range(attempts):
        ui.tap(label)
        try:
            ui.wait_until(lambda: screen.editing.endswith(label), 2, f"{label} to be active")
            return
        except AssertionError:
            ui.sleep(0.5)
    raise AssertionError(f"the field {label} never became active")


def _pick(ui: Any, word: str, pages: int = 8) -> None:
    """Tap the candidate ``word``, paging the bar with 下页 until it shows."""
    entry = _entry(ui)
    for _ in range(pages):
        _idle(ui, f"candidates for {word}")
        found = ui.call(lambda: [(b.text, b.to_window(*b.center)) for b in entry.shown_candidates()])
        ui.note(f"candidates {[t for t, _ in found]}")
        where = next((pos for text, pos in found if text == word), None)
        if where is not None:
            ui.tap_at(*where)
            ui.note(f"picked {word!r}")
            return
        ui.tap("下页")
    raise AssertionError(f"{word!r} never offered; last shown {[t for t, _ in found]}")


def _measure(ui: Any, step: str) -> None:
    """Every key, candidate, tab and page button shown: its size in px and mm on the glass,
    and whether its label fits inside it."""
    from kivy.uix.label import Label

    from screens.common.ime_entry import CandidateButton, ModeTab, NextButton, PageButton
    from screens.common.keyboard import KeyButton

    dpi = float(ui.call(lambda: ui.app.terminal.config.ui.dpi))

    def collect() -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []

        def walk(widget: Any) -> None:
            if widget.opacity <= 0 or widget.width <= 0 or widget.height <= 0:
                return
            if isinstance(widget, KeyButton | CandidateButton | ModeTab | PageButton | NextButton):
                assert isinstance(widget, Label)
                widget.texture_update()
                out.append({"text": widget.text, "w": round(widget.width, 1), "h": round(widget.height, 1),
                            "tw": widget.texture_size[0], "th": widget.texture_size[1]})
            for child in widget.children:
                walk(child)

        walk(ui.app.manager.get_screen("yz_form"))
        return out

    keys = ui.call(collect)
    for key in keys:
        key["w_mm"] = round(key["w"] / dpi * 25.4, 1)
        key["h_mm"] = round(key["h"] / dpi * 25.4, 1)
    ui.results["data"].setdefault("keys", {})[step] = {"dpi": dpi, "keys": keys}
    ui.save()


def _write(ui: Any, char: str) -> None:
    """Replay the strokes of ``char`` on the pad as touches through the event loop."""
    entry = _entry(ui)

    def box() -> tuple[float, float, float]:
        """A square in the middle of the pad, as high as the pad: where a finger writes."""
        pad = entry.pad
        side = min(pad.width, pad.height) * 0.9
        x, top = pad.to_window(pad.center_x - side / 2, pad.center_y + side / 2)
        return x, top, side / 300.0

    x0, top, scale = ui.call(box)
    for stroke in STROKES[char]:
        points = [(x0 + px * scale, top - py * scale) for px, py in stroke]
        ui.stroke(points)
    ui.note(f"wrote {char} ({len(STROKES[char])} strokes)")


def ime(ui: Any) -> None:
    _ready(ui)
    _identify(ui)
    ui.wait_screen("yz_items", timeout=20)
    ui.tap(ITEM)
    ui.wait_screen("yz_detail")
    ui.tap("开始办理")
    ui.wait_screen("yz_form")
    entry = _entry(ui)

    # 联系电话 first: its pad, no switch.
    ui.wait_until(lambda: entry.mode == "phone", 5, "the phone pad")
    _measure(ui, "phone")
    ui.shot("01-phone-pad")
    ui.type("13800138000")

    # 联系地址 (after 银行账号 and 缴费档次): an address opens on pinyin.
    ui.tap("下一项 ›")
    ui.type("6222020200112233")
    ui.tap("下一项 ›")
    ui.tap("300元")
    ui.tap("下一项 ›")
    ui.wait_until(lambda: entry.mode == "pinyin", 5, "the pinyin keyboard for an address")
    ui.results["data"]["address_mode"] = ui.call(lambda: entry.mode)
    ui.results["data"]["address_prefilled"] = bool(_value(ui, "address"))
    ui.tap("清空")
    ui.wait_until(lambda: _field(ui, "address") == "", 5, "the address to clear")
    _measure(ui, "pinyin")
    ui.shot("02-pinyin")
    ui.type("jinchengshichengqu")
    _idle(ui, "jinchengshichengqu", timeout=60)
    ui.results["data"]["preedit"] = ui.call(lambda: entry.preedit)
    _measure(ui, "pinyin-candidates")
    ui.shot("03-pinyin-candidates")
    _pick(ui, "晋城市")
    _idle(ui, "after 晋城市")
    ui.results["data"]["after_first_piece"] = {"preedit": ui.call(lambda: entry.preedit),
                                                "value": _value(ui, "address")}
    ui.shot("04-pinyin-piece")
    _pick(ui, "城区")
    ui.wait_until(lambda: _field(ui, "address") == "晋城市城区", 10, "晋城市城区 in the field")
    ui.results["data"]["typed"] = _value(ui, "address")
    ui.shot("05-typed")

    # 适老化: the handwriting pad, 张 written with a finger.
    ui.tap("适老化")
    ui.wait_until(lambda: ui.app.theme.elderly, 3, "elderly mode")
    ui.tap("手写")
    ui.wait_until(lambda: entry.mode == "handwriting", 5, "the handwriting pad")
    _measure(ui, "handwriting-elderly")
    _write(ui, "张")
    _idle(ui, "recognition of 张")
    ui.wait_until(lambda: len(entry.shown_candidates()) > 0, 20, "handwriting candidates")
    ui.results["data"]["handwriting_candidates"] = ui.call(lambda: list(entry.candidates))
    ui.results["data"]["ink_strokes"] = ui.call(lambda: len(entry.pad.strokes))
    ui.shot("06-handwriting-elderly")
    _pick(ui, "张")
    ui.wait_until(lambda: _field(ui, "address") == "晋城市城区张", 10, "张 in the field")
    ui.results["data"]["written"] = _value(ui, "address")
    ui.results["data"]["pad_after_pick"] = ui.call(lambda: len(entry.pad.strokes))
    ui.tap("退格")                    # the pad is empty: the field loses 张
    ui.wait_until(lambda: _field(ui, "address") == "晋城市城区", 10, "张 taken back")

    # The other keyboards in 适老化 mode, for the screenshots and the sizes.
    ui.tap("数字")
    ui.wait_until(lambda: entry.mode == "digits", 5, "the digits")
    _measure(ui, "digits-elderly")
    ui.shot("07-digits-elderly")
    ui.tap("拼音")
    ui.wait_until(lambda: entry.mode == "pinyin", 5, "pinyin again")
    ui.type("shenfenzheng")
    _idle(ui, "shenfenzheng")
    _measure(ui, "pinyin-elderly")
    ui.shot("08-pinyin-elderly")

    # Leaving the field drops the composition; the value stays as it was.
    _focus(ui, "缴费档次")
    ui.wait_until(lambda: entry.mode != "pinyin" or not entry.preedit, 5, "the composition to go")
    ui.results["data"]["left_field"] = {"value": _value(ui, "address"), "preedit": ui.call(lambda: entry.preedit),
                                        "mode": ui.call(lambda: entry.mode)}
    _focus(ui, ADDRESS)
    ui.wait_until(lambda: entry.mode == "pinyin", 5, "pinyin on coming back")
    ui.results["data"]["back_in_field"] = {"preedit": ui.call(lambda: entry.preedit),
                                           "candidates": ui.call(lambda: list(entry.candidates))}
    _focus(ui, "联系电话")
    ui.wait_until(lambda: entry.mode == "phone", 5, "the phone pad")
    _measure(ui, "phone-elderly")
    ui.shot("09-phone-pad-elderly")

    # A name in 适老化 mode opens on the handwriting pad (结婚登记预约's 对方姓名).
    ui.tap("返回")
    ui.tap("放弃")                     # 放弃已填写的内容吗？
    ui.wait_screen("yz_detail")
    ui.tap("返回事项列表")
    ui.wait_screen("yz_items")
    ui.tap(NAME_ITEM)
    ui.wait_screen("yz_detail")
    ui.tap("开始办理")
    ui.wait_screen("yz_form")
    ui.wait_until(lambda: entry.mode == "phone", 5, "the phone pad")
    ui.tap("下一项 ›")
    ui.wait_until(lambda: entry.kind == "name", 5, "对方姓名 to be active")
    ui.results["data"]["name_mode_elderly"] = ui.call(lambda: entry.mode)
    ui.shot("10-name-elderly")
    ui.tap("适老化")
    ui.wait_until(lambda: not ui.app.theme.elderly, 3, "normal mode")
    ui.tap("下一项 ›")                 # 对方身份证号码, and back: a name opens on pinyin now
    ui.wait_until(lambda: entry.mode == "id_number", 5, "the ID number pad")
    _focus(ui, "对方姓名")
    ui.results["data"]["name_mode_normal"] = ui.call(lambda: entry.mode)

    # The session ends while pinyin is being composed: nothing of it survives.
    ui.type("zhang")
    _idle(ui, "zhang")
    ui.results["data"]["before_end"] = ui.call(lambda: entry.preedit)
    ui.call(lambda: ui.app.terminal.session.finish())
    ui.wait_screen("home", timeout=10)
    ui.sleep(0.3)
    step = ui.record("session-ended")
    ui.results["data"]["after_end"] = {
        "preedit": ui.call(lambda: entry.preedit), "candidates": ui.call(lambda: list(entry.candidates)),
        "leftover": [t for t in step["all_texts"] if "zhang" in t or "晋城市城区" in t]}



SCENARIOS = {"ime": ime}
