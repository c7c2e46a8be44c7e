"""One form field on the form screen: its label, the value (tap to edit it with the keypad
beside the list), options as large toggle buttons for a select, and the error under it."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.utils import escape_markup

from kiosk.flows.yizheng import FieldState
from kiosk.privacy import mask_number

from ..linebreak import LineBreaking
from . import words as yz_words


class ToggleLook(ButtonBehavior, Label):
    selected = BooleanProperty(False)


class OptionButton(ToggleLook):
    """One option of a select, inside its field."""


class ChoiceButton(ToggleLook):
    """One option of the select being filled, full width beside the field list."""


class FieldValue(LineBreaking, Label):
    """A field's value, wrapped by the shared rule (screens/linebreak.py: no character
    alone on the last line). Markup only while edited (the pinyin underlined, the caret),
    when the line breaking steps aside."""


class FieldRow(ButtonBehavior, BoxLayout):
    """A field; ``active`` while the keypad beside the list edits it."""

    key = StringProperty("")
    kind = StringProperty("text")
    label = StringProperty("")
    required = BooleanProperty(False)
    value = StringProperty("")
    preedit = StringProperty("")    # pinyin being composed, shown after the value
    shown_value = StringProperty("")
    placeholder = StringProperty("")
    options = ListProperty([])
    error_text = StringProperty("")
    active = BooleanProperty(False)

    __events__ = ("on_option",)

    def on_kv_post(self, base_widget: Any) -> None:
        for option in self.options:
            button = OptionButton(text=option)
            button.bind(on_release=lambda b: self.dispatch("on_option", b.text))
            self.ids.options.add_widget(button)
        self._refresh()

    def update(self, state: FieldState) -> None:
        self.value = state.value
        self.error_text = yz_words.field_error(state.error, state.type) if state.error else ""

    def on_value(self, *_: Any) -> None:
        self._refresh()

    def on_active(self, *_: Any) -> None:
        self._refresh()

    def on_preedit(self, *_: Any) -> None:
        self._refresh()

    def _refresh(self) -> None:
        shown = display_value(self.kind, self.value, self.active)
        self.shown_value = escape_markup(shown) if self.active and not self.options else shown
        if self.active and not self.options:
            if self.preedit:
                self.shown_value += f"[u]{escape_markup(self.preedit)}[/u]"
            self.shown_value += "|"  # the caret: where the next key goes
        self.placeholder = "请选择" if self.options else "点击此处填写"
        for button in self.ids.options.children:
            button.selected = button.text == self.value

    def on_option(self, option: str) -> None:
        pass


def display_value(kind: str, value: str, editing: bool) -> str:
    """An ID number in a form is somebody's identity: masked unless being typed."""
    if kind == "id_number" and not editing:
        return mask_number(value)
    return value


def row_for(state: FieldState) -> FieldRow:
    row = FieldRow(key=state.key, kind=state.type, label=state.label, required=state.required,
                   options=list(state.options) if state.type == "select" else [])
    row.update(state)
    return row
