"""The application form: fields on the left (prefilled from the card and licences), the
text entry for the field being edited on the right (pinyin, handwriting, digits, symbols,
or the field's code pad: screens/common/ime_entry.py), "下一步" runs the item's field rules.
Leaving a field, or the flow ending, drops what was being composed."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty

from kiosk.flows.yizheng import FieldState, YizhengFlow
from kiosk.forms import input_kind

from ..common.keyboard import edit
from .base import FlowScreen
from .fields import ChoiceButton, FieldRow, ToggleLook, row_for


class PanelButton(ToggleLook):
    """A button inside the keypad panel (smaller than a BigButton, still a finger's size)."""


class FormScreen(FlowScreen):
    title = StringProperty("")
    editing = StringProperty("")    # what the keypad types into, in words
    kind = StringProperty("")       # the active field's input kind (kiosk.forms.input_kind)
    typing = BooleanProperty(False)  # the text entry is up (not a select, not nothing)
    summary = StringProperty("")
    active_key = StringProperty("")
    has_next = BooleanProperty(False)
    _shown: Any = None

    def show_flow(self, flow: YizhengFlow | None) -> None:
        super().show_flow(flow)
        if flow is None or flow.item is None:
            self.clear_flow()
            return
        fields = list(flow.fields)
        key = (flow.item.code, tuple(f.key for f in fields))
        if key != self._shown:
            self._build(flow.item.name, fields)
            self._shown = key
        for row, state in zip(self._rows(), fields, strict=False):
            row.update(state)
            if state.key == self.active_key:
                for button in self.ids.choices.children:
                    button.selected = button.text == state.value
        errors = sum(1 for f in fields if f.error)
        self.summary = f"有 {errors} 项需要修改，请按红色提示修改" if errors else ""

    def _build(self, title: str, fields: list[FieldState]) -> None:
        self.title = title
        rows = self.ids.rows
        rows.clear_widgets()
        for state in fields:
            row = row_for(state)
            row.bind(on_release=lambda r: self.activate(r.key), on_option=self._option)
            rows.add_widget(row)
        typed = [f for f in fields if f.type != "select"]
        first = next((f for f in typed if not f.value), typed[0] if typed else None)
        self.activate(first.key if first else "")
        self.ids.scroll.scroll_y = 1

    def _rows(self) -> list[FieldRow]:
        return list(reversed(self.ids.rows.children))

    def _state(self, key: str) -> FieldState | None:
        if self._flow is None:
            return None
        return next((f for f in self._flow.fields if f.key == key), None)

    def activate(self, key: str) -> None:
        self.active_key = key
        keys = [row.key for row in self._rows()]
        self.has_next = key in keys and keys.index(key) < len(keys) - 1
        state = self._state(key)
        for row in self._rows():
            row.active = row.key == key
            row.preedit = ""
        self.kind = input_kind(state) if state is not None else ""
        self.typing = self.kind not in ("", "select")
        app = App.get_running_app()
        self.ids.entry.open(self.kind if self.typing else "", bool(app and app.theme.elderly))
        if state is None:
            self.editing = ""
        elif state.type == "select":
            self.editing = f"请选择{state.label}"
        else:
            self.editing = f"正在填写：{state.label}"
        self._fill_choices(state)
        self._scroll_to(key)

    def _fill_choices(self, state: FieldState | None) -> None:
        choices = self.ids.choices
        choices.clear_widgets()
        if state is None or state.type != "select":
            return
        for option in state.options:
            button = ChoiceButton(text=option, selected=option == state.value)
            button.bind(on_release=lambda b, key=state.key: self._choose(key, b.text))
            choices.add_widget(button)

    def _choose(self, key: str, option: str) -> None:
        if self._flow is not None:
            self._flow.set_value(key, option)

    def _scroll_to(self, key: str) -> None:
        target = next((r for r in self._rows() if r.key == key), None)
        if target is not None and self.ids.rows.height > self.ids.scroll.height:
            self.ids.scroll.scroll_to(target, padding=10, animate=False)

    def next_field(self) -> None:
        keys = [row.key for row in self._rows()]
        if self.active_key in keys and keys.index(self.active_key) < len(keys) - 1:
            self.activate(keys[keys.index(self.active_key) + 1])

    def key(self, key: str) -> None:
        state = self._state(self.active_key)
        if self._flow is None or state is None:
            return
        self._flow.set_value(state.key, edit(state.value, key, state.type))

    def show_preedit(self, preedit: str) -> None:
        """The pinyin being composed shows in the field, after its value."""
        for row in self._rows():
            row.preedit = preedit if row.key == self.active_key else ""

    def _option(self, row: FieldRow, option: str) -> None:
        self._choose(row.key, option)

    def next(self) -> None:
        if self._flow is None:
            return
        if not self._flow.confirm_form():
            first = next((f for f in self._flow.fields if f.error), None)
            if first is not None:
                self.activate(first.key)

    def clear_flow(self) -> None:
        super().clear_flow()
        self.ids.entry.reset()  # the session ended: nothing being composed survives it
        self._shown = None
        self.title = self.editing = self.kind = self.summary = self.active_key = ""
        self.typing = False
        self.ids.rows.clear_widgets()
        self.ids.choices.clear_widgets()
