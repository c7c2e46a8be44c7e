"""What stays on the glass until the citizen answers: a result they must read (a verified
appointment, a recognised receipt, a refused code, 请取走身份证) and the question before
typed data is thrown away (放弃已填写的内容吗？).

Both are modal cards over the screen, under the session overlay (an idle warning still
shows over them) and never on a timer: the toast (screens/chrome.py) is for transient,
unimportant notices only. Each is made once, on first use, and added to the app's root.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, OptionProperty, StringProperty
from kivy.uix.floatlayout import FloatLayout

from . import words


class Modal(FloatLayout):
    """An overlay that, while shown, keeps every touch from what lies under it (result
    cards, the confirm dialog, the PIN pad)."""

    shown = BooleanProperty(False)

    def on_touch_down(self, touch: Any) -> bool:
        if not self.shown:
            return False
        super().on_touch_down(touch)
        return True  # modal: nothing underneath gets the touch

    def on_touch_move(self, touch: Any) -> bool:
        if not self.shown:
            return False
        super().on_touch_move(touch)
        return True

    def on_touch_up(self, touch: Any) -> bool:
        if not self.shown:
            return False
        super().on_touch_up(touch)
        return True


class ResultCard(Modal):
    """A result the citizen must read: stays until they tap it (anywhere) or 知道了."""

    headline = StringProperty("")
    detail = StringProperty("")
    tone = OptionProperty("success", options=["success", "notice", "danger"])
    kind = StringProperty("")   # "take_card": also goes once the card has left the reader

    def show(self, headline: str, detail: str = "", tone: str = "success", kind: str = "") -> None:
        self.headline, self.detail, self.tone, self.kind = headline, detail, tone, kind
        self.shown = True

    def hide(self) -> None:
        self.shown = False

    def on_touch_down(self, touch: Any) -> bool:
        if self.shown:
            touch.ud["result_card"] = True   # begun on the card: its end dismisses it
        return super().on_touch_down(touch)

    def on_touch_up(self, touch: Any) -> bool:
        if not self.shown:
            return False
        super().on_touch_up(touch)
        if touch.ud.get("result_card"):
            self.hide()
        return True


class ConfirmDialog(Modal):
    """A question with two answers: keep (the safe one, first) and drop."""

    question = StringProperty("")
    detail = StringProperty("")
    keep_text = StringProperty("")
    drop_text = StringProperty("")
    _on_drop: Callable[[], None] | None = None

    def ask(self, question: str, detail: str, keep: str, drop: str, on_drop: Callable[[], None]) -> None:
        self.question, self.detail, self.keep_text, self.drop_text = question, detail, keep, drop
        self._on_drop = on_drop
        self.shown = True

    def keep(self) -> None:
        self._on_drop = None
        self.shown = False

    def drop(self) -> None:
        action, self._on_drop = self._on_drop, None
        self.shown = False
        if action is not None:
            action()

    def hide(self) -> None:
        self.keep()


def _attach(name: str, widget: Modal) -> Any:
    """The app's one ``name`` dialog, added under the session overlay on first use."""
    app: Any = App.get_running_app()
    existing = getattr(app, name, None)
    if existing is not None:
        return existing
    root = app.root
    overlay = getattr(app, "overlay", None)
    index = root.children.index(overlay) + 1 if overlay in root.children else 0
    root.add_widget(widget, index=index)
    setattr(app, name, widget)
    return widget


def result_card() -> ResultCard:
    return _attach("result_card", ResultCard())  # type: ignore[no-any-return]


def confirm_dialog() -> ConfirmDialog:
    return _attach("confirm_dialog", ConfirmDialog())  # type: ignore[no-any-return]


def show_result(headline: str, detail: str = "", tone: str = "success", kind: str = "") -> None:
    result_card().show(headline, detail, tone, kind)


def ask_discard(on_drop: Callable[[], None]) -> None:
    """放弃已填写的内容吗？ 继续填写 keeps the form; 放弃 runs ``on_drop``."""
    confirm_dialog().ask(words.DISCARD_QUESTION, words.DISCARD_DETAIL, words.DISCARD_KEEP,
                         words.DISCARD_DROP, on_drop)


def close_all(app: Any) -> None:
    """The session ended or moved on: no question stays for the next citizen."""
    dialog = getattr(app, "confirm_dialog", None)
    if dialog is not None:
        dialog.keep()
