"""The text entry: one panel for typing into a field, in Chinese or in codes.

For free text (``kind`` "name", "address" or "text", see kiosk.forms.input_kind) a switch
offers 拼音 / 手写 / 数字 / 符号; a candidate bar above the keys shows the pinyin being
composed and its candidates (paged with ‹ ›), or what the handwriting pad recognised.
Codes (number, phone, id_number, date, uscc) get their own pad and no switch.

``on_key(key)`` gives what goes into the field: a character, a committed piece of text,
or BACK / CLEAR, exactly as the plain Keyboard does, so a screen applies it with
``keyboard.edit``. The engines run on the IME worker (ime_bridge.py); their results are
applied here on the UI thread. ``open()`` for the next field and ``reset()`` when the
field is left or the session ends drop the composition: nothing typed survives them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk.ime import Composition

from .ime_bridge import ImeBridge
from .ime_pad import HandwritingPad
from .keyboard import BACK, CLEAR, LAYOUTS, Keyboard

TEXT_KINDS = ("name", "address", "text")
MODES = (("pinyin", "拼音"), ("handwriting", "手写"), ("digits", "数字"), ("symbols", "符号"))
HAND_HINTS = ("请在下方方框内写一个字", "在框内书写")  # the longest that fits the bar
PAGE_TEXTS = ("上页", "下页")
LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz'")


def default_mode(kind: str, elderly: bool) -> str:
    """The keyboard a field opens with: a name is handwritten in elderly mode (many elderly
    citizens cannot use pinyin), other text is pinyin, codes get their pad; "" for none."""
    if kind == "name":
        return "handwriting" if elderly else "pinyin"
    if kind in TEXT_KINDS:
        return "pinyin"
    return kind if kind in LAYOUTS else ""


def fit(candidates: Sequence[str], start: int, room: float, char_width: float,
        min_width: float) -> int:
    """How many candidates from ``start`` fit side by side in ``room`` (at least one)."""
    used, count = 0.0, 0
    for text in candidates[start:]:
        used += candidate_width(text, char_width, min_width)
        if used > room and count:
            break
        count += 1
    return count


def candidate_width(text: str, char_width: float, min_width: float) -> float:
    return max(min_width, len(text) * char_width + dp(24))


class CandidateButton(ButtonBehavior, Label):
    pass


class PageButton(ButtonBehavior, Label):
    pass


class ModeTab(ButtonBehavior, Label):
    mode = StringProperty("")
    selected = BooleanProperty(False)


class HandwritingArea(BoxLayout):
    """The pad with 重写 / 退格 / 清空 beside it (kv: ime_entry.kv)."""

    __events__ = ("on_rewrite", "on_back", "on_clear")

    def on_rewrite(self) -> None:
        pass

    def on_back(self) -> None:
        pass

    def on_clear(self) -> None:
        pass


class TextEntry(BoxLayout):
    kind = StringProperty("")          # the field's input kind
    mode = StringProperty("")          # pinyin / handwriting / digits / symbols / a pad's kind
    text_modes = BooleanProperty(False)
    preedit = StringProperty("")       # pieces chosen + pinyin still composing
    composing = BooleanProperty(False)
    hint = StringProperty("")          # a message for the bar (an engine failure)
    title = StringProperty("")         # what is being filled, shown in the bar when there is room
    next_text = StringProperty("")     # a button at the bar's right end ("下一项 ›"); "" for none
    candidates = ListProperty([])      # the engine's page (pinyin) or the pad's list
    key_height = NumericProperty(dp(72))
    char_width = NumericProperty(dp(34))   # the candidates' font size
    small_width = NumericProperty(dp(27))  # the tabs' and buttons' font size
    ime = ObjectProperty(None, allownone=True)  # the terminal's ImeService

    __events__ = ("on_key", "on_next")

    def __init__(self, **kwargs: Any) -> None:
        self._redraw = Clock.create_trigger(lambda _dt: self._draw_bar(), 0)
        super().__init__(**kwargs)
        self._bridge: ImeBridge | None = None
        self._has_prev = self._has_more = False
        self._offset, self._shown = 0, 0  # the window over the candidates
        self._offsets: list[int] = []
        self.keyboard = Keyboard()
        self.keyboard.bind(on_key=lambda _k, key: self.press(key))
        self.hand = HandwritingArea()
        self.pad: HandwritingPad = self.hand.ids.pad
        self.pad.bind(on_strokes=lambda _p, strokes: self._recognize(strokes))
        self.hand.bind(on_rewrite=lambda _h: self.rewrite(),
                       on_back=lambda _h: self.press(BACK),
                       on_clear=lambda _h: self.press(CLEAR))

    # -- what the screen calls -------------------------------------------------------------
    def open(self, kind: str, elderly: bool = False) -> None:
        """Start typing into a field of this input kind (kiosk.forms.input_kind)."""
        self.reset()
        self.kind = kind
        self.text_modes = kind in TEXT_KINDS
        self.mode = default_mode(kind, elderly)
        self._show_keys()

    def set_mode(self, mode: str) -> None:
        if mode != self.mode:
            self.reset()
            self.mode = mode
            self._show_keys()

    def reset(self) -> None:
        """Drop the composition and the ink (field left, mode switched, session ended)."""
        if self._bridge is not None:
            self._bridge.reset()
        self.pad.clear()
        self._set_candidates([], False, False)
        self.preedit, self.composing, self.hint = "", False, ""

    def close(self) -> None:
        self.reset()
        if self._bridge is not None:
            self._bridge.close()
            self._bridge = None

    # -- keys ------------------------------------------------------------------------------
    def press(self, key: str) -> None:
        if self.mode == "pinyin" and key in LETTERS:
            self._pinyin("key", key)
        elif key == BACK and self.mode == "pinyin" and (self.composing or self._pending()):
            self._pinyin("backspace")
        elif key == BACK and self.mode == "handwriting" and self.pad.strokes:
            self.pad.undo()
            self._recognize(self.pad.strokes)
        else:
            if key == CLEAR:
                self.reset()
            self.dispatch("on_key", key)

    def choose(self, index: int) -> None:
        """A tap on the candidate shown at ``index`` in the bar."""
        if self.mode == "pinyin":
            if self._pending():
                return  # the bar is about to change: this tap meant what it showed before
            self._pinyin("select", self._offset + index)
        elif 0 <= self._offset + index < len(self.candidates):
            text = self.candidates[self._offset + index]
            self.rewrite()
            self.dispatch("on_key", text)

    def rewrite(self) -> None:
        self.pad.clear()
        self._set_candidates([], False, False)

    def page_next(self) -> None:
        if self._offset + self._shown < len(self.candidates):
            self._offsets.append(self._offset)
            self._offset += self._shown
            self._redraw()
        elif self._has_more and self.mode == "pinyin":
            self._pinyin("page_down")

    def page_prev(self) -> None:
        if self._offsets:
            self._offset = self._offsets.pop()
            self._redraw()
        elif self._has_prev and self.mode == "pinyin":
            self._pinyin("page_up")

    def on_key(self, key: str) -> None:
        pass

    def on_next(self) -> None:
        pass

    def on_next_text(self, *_: Any) -> None:
        self._redraw()

    def on_title(self, *_: Any) -> None:
        self._redraw()

    def shown_candidates(self) -> list[Any]:
        """The candidate buttons in the bar now, left to right (for tests and checks)."""
        found: list[Any] = []
        for child in self.ids.bar.walk(restrict=True):
            if isinstance(child, CandidateButton):
                found.append(child)
        return found

    # -- engines ---------------------------------------------------------------------------
    def _engine(self) -> ImeBridge:
        if self._bridge is None:
            service = self.ime
            if service is None:
                terminal = getattr(App.get_running_app(), "terminal", None)
                service = getattr(terminal, "ime", None)
            self._bridge = ImeBridge(service, lambda fn: Clock.schedule_once(lambda _dt: fn(), 0))
        return self._bridge

    def _pending(self) -> bool:
        return self._bridge is not None and self._bridge.pending > 0

    def _pinyin(self, op: str, *args: Any) -> None:
        self._engine().pinyin(op, *args, apply=self._apply, failed=self._failed)

    def _apply(self, composition: Composition, delete: bool) -> None:
        if delete:
            self.dispatch("on_key", BACK)
        if composition.committed:
            self.dispatch("on_key", composition.committed)
        self.preedit = composition.selected + composition.preedit
        self.composing = bool(self.preedit)
        self._set_candidates(list(composition.candidates), composition.has_prev,
                             composition.has_more)

    def _recognize(self, strokes: Sequence[Sequence[tuple[float, float]]]) -> None:
        if not strokes:
            self._set_candidates([], False, False)
            return
        count = len(strokes)

        def apply(found: list[str]) -> None:
            if len(self.pad.strokes) == count and self.mode == "handwriting":
                self._set_candidates(found, False, False)

        self._engine().recognize(strokes, self.pad.width, self.pad.height, apply, self._failed)

    def _failed(self, message: str) -> None:
        """An engine failed: its keys give way to the message (the switch stays, so the
        citizen can type digits and symbols)."""
        self.hint = message
        self.preedit, self.composing = "", False
        self._set_candidates([], False, False)
        self._show_keys()

    # -- drawing ---------------------------------------------------------------------------
    def _set_candidates(self, found: list[str], has_prev: bool, has_more: bool) -> None:
        self.candidates = found
        self._has_prev, self._has_more = has_prev, has_more
        self._offset, self._offsets = 0, []
        self._redraw()

    def _show_keys(self) -> None:
        keys = self.ids.keypad
        keys.clear_widgets()
        if self.hint and self.mode in ("pinyin", "handwriting"):
            keys.add_widget(FailedNotice(text=self.hint))
        elif self.mode == "handwriting":
            keys.add_widget(self.hand)
        elif self.mode:
            compact = f"compact:{self.mode}"
            self.keyboard.kind = compact if compact in LAYOUTS else self.mode
            keys.add_widget(self.keyboard)
        self._redraw()

    def on_key_height(self, *_: Any) -> None:
        self._redraw()

    def on_width(self, *_: Any) -> None:
        self._redraw()

    def _draw_bar(self) -> None:
        bar = self.ids.bar
        bar.clear_widgets()
        showing = self.composing or bool(self.candidates)
        next_button = None
        room = bar.width
        if self.next_text:
            next_button = NextButton(text=self.next_text, size_hint_x=None)
            next_button.width = max(self.key_height * 1.5, _text_width(self.next_text, self.small_width) + dp(36))
            next_button.bind(on_release=lambda _b: self.dispatch("on_next"))
            room -= next_button.width + bar.spacing
        if showing:
            self._draw_candidates(bar, room)
        elif self.text_modes:
            for mode, label in MODES:
                tab = ModeTab(text=label, mode=mode, selected=mode == self.mode)
                tab.bind(on_release=lambda t: self.set_mode(t.mode))
                bar.add_widget(tab)
                room -= max(self.key_height * 1.15, _text_width(label, self.small_width) + dp(28)) + bar.spacing
            hints = list(HAND_HINTS) if self.mode == "handwriting" and not self.hint else [self.title]
            bar.add_widget(BarHint(text=self._fitting(hints, room)))
        elif self.mode and next_button is not None:
            bar.add_widget(BarHint(text=self._fitting([self.title], room)))
        if next_button is not None and self.mode:
            bar.add_widget(next_button)
        shown = bool(bar.children)
        bar.height = self.key_height if shown else 0
        bar.opacity = 1 if shown else 0
        rows = 3 if self.mode == "handwriting" else len(LAYOUTS.get(self.keyboard.kind, [])) if self.mode else 0
        self.keyboard.key_height = self.key_height
        self.ids.keypad.height = rows * self.key_height
        self.hand.height = rows * self.key_height

    def _fitting(self, texts: list[str], room: float) -> str:
        """The first text that fits ``room`` on one line in the hint's size, else "" (a
        wrapped hint would strand a character or be cut)."""
        em = self.small_width * 0.85  # the hint is a size smaller than the tabs
        return next((t for t in texts if _text_width(t, em) + dp(24) <= room), "")

    def _draw_candidates(self, bar: BoxLayout, room: float) -> None:
        pages = [max(self.key_height, _text_width(t, self.small_width) + dp(24)) for t in PAGE_TEXTS]
        room -= sum(pages) + bar.spacing * 3
        if self.preedit:
            label = PreeditLabel(text=self.preedit)
            label.width = min(_text_width(self.preedit, self.small_width) + dp(24), room * 0.28)
            room -= label.width + bar.spacing
            bar.add_widget(label)
        row = BoxLayout(spacing=bar.spacing)
        self._shown = fit(self.candidates, self._offset, room, self.char_width, self.key_height)
        for index, text in enumerate(self.candidates[self._offset:self._offset + self._shown]):
            button = CandidateButton(text=text, size_hint_x=None,
                                     width=candidate_width(text, self.char_width, self.key_height))
            button.bind(on_release=lambda _b, i=index: self.choose(i))
            row.add_widget(button)
        bar.add_widget(row)
        can_prev = bool(self._offsets) or self._has_prev
        can_next = self._offset + self._shown < len(self.candidates) or self._has_more
        for text, width, enabled, action in ((PAGE_TEXTS[0], pages[0], can_prev, self.page_prev),
                                             (PAGE_TEXTS[1], pages[1], can_next, self.page_next)):
            page = PageButton(text=text, disabled=not enabled, size_hint_x=None, width=width)
            page.bind(on_release=lambda _b, act=action: act())
            bar.add_widget(page)


class BarHint(Label):
    pass


class NextButton(ButtonBehavior, Label):
    pass


class FailedNotice(Label):
    """In place of keys that cannot work: the input engine is unavailable."""


def _text_width(text: str, em: float) -> float:
    """Roughly how wide a label's text is: a CJK character is an em, others half."""
    return sum(em if ord(c) >= 0x2E80 else em * 0.55 for c in text)


class PreeditLabel(Label):
    pass
