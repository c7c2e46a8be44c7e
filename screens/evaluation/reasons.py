"""The two lowest levels: why (reasons as chips, at least one) and an optional comment typed
with the common text entry (pinyin or handwriting: screens/common/ime_entry.py). While the
comment is typed the chips make room for the keys; 完成 brings them back."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk.flows.evaluation import EvaluationFlow

from ..common.keyboard import edit
from . import words
from .base import EvaluationScreen


class ReasonChip(ButtonBehavior, Label):
    code = StringProperty("")
    selected = BooleanProperty(False)


class CommentBox(ButtonBehavior, BoxLayout):
    """The comment as typed (a button: tapping it types; never read aloud)."""

    text = StringProperty("")
    active = BooleanProperty(False)


class EvaluationReasonsScreen(EvaluationScreen):
    level_line = StringProperty("")
    message = StringProperty("")
    comment = StringProperty("")       # with the pinyin being composed, while typing
    typing = BooleanProperty(False)

    def on_kv_post(self, base_widget: Any) -> None:
        # Held here, strongly (``__self__``: kv's ids are weak proxies): the part not shown
        # is out of the widget tree and would be collected.
        self._chooser: BoxLayout = self.ids.chooser.__self__
        self._typer: BoxLayout = self.ids.typer.__self__
        self._entry: Any = self.ids.entry.__self__
        self._chips: dict[str, ReasonChip] = {}
        for code, name in words.REASONS.items():
            chip = ReasonChip(code=code, text=name)
            chip.bind(on_release=lambda c: self.toggle(c.code))
            self._chips[code] = chip
            self.ids.reasons.add_widget(chip)
        self._show_part()

    def show_flow(self, flow: EvaluationFlow | None) -> None:
        super().show_flow(flow)
        if flow is None:
            return
        self.level_line = f"您的评价：{words.LEVEL_NAMES.get(flow.level or 0, '')}"
        self.message = words.error(flow.error) if flow.error else ""
        for code, chip in self._chips.items():
            chip.selected = code in flow.reasons
        self._show_comment(flow.comment, self._entry.preedit if self.typing else "")

    def _show_comment(self, text: str, preedit: str) -> None:
        self.comment = text + preedit

    def toggle(self, code: str) -> None:
        if self._flow is not None:
            self._flow.toggle_reason(code)

    # -- the comment -----------------------------------------------------------------------
    def start_typing(self) -> None:
        app = App.get_running_app()
        self.typing = True
        self._entry.open("text", bool(app and app.theme.elderly))

    def stop_typing(self) -> None:
        self._entry.reset()
        self.typing = False
        if self._flow is not None:
            self._show_comment(self._flow.comment, "")

    def key(self, key: str) -> None:
        if self._flow is not None:
            self._flow.set_comment(edit(self._flow.comment, key, "text"))

    def show_preedit(self, preedit: str) -> None:
        if self._flow is not None:
            self._show_comment(self._flow.comment, preedit)

    def on_typing(self, *_: Any) -> None:
        self._show_part()

    def _show_part(self) -> None:
        body: BoxLayout = self.ids.body
        body.clear_widgets()
        body.add_widget(self._typer if self.typing else self._chooser)

    # -- the buttons -----------------------------------------------------------------------
    def back_pressed(self) -> None:
        if self.typing:
            self.stop_typing()
        elif self._flow is not None:
            self._flow.back()

    def forward_pressed(self) -> None:
        if self.typing:
            self.stop_typing()
        elif self._flow is not None:
            self._flow.send()

    def clear_flow(self) -> None:
        super().clear_flow()
        if self.typing:
            self.stop_typing()
        self._entry.reset()   # the session ended: nothing being composed survives it
        self.level_line = self.message = self.comment = ""
        for chip in self._chips.values():
            chip.selected = False
