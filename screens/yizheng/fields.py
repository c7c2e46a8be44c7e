"""One form field on the form screen: its label, the value (tap to edit it with the keypad
beside the list), options as large toggle buttons for a select, and the error under it."""

from __future__ import annotations

from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk.flows.yizheng import FieldState
from kiosk.privacy import mask_number

from .. import words

Builder.load_string(
    """
#:import dp kivy.metrics.dp

# The look of a choice; OptionButton (in the field) and ChoiceButton (beside the list, as
# large as a key) only add their size, so no property is bound by two rules.
<ToggleLook>:
    font_size: app.theme.font_m
    bold: self.selected
    color: app.theme.primary_text if self.selected else app.theme.primary
    canvas.before:
        Color:
            rgba: app.theme.primary if self.selected else (app.theme.primary_soft if self.state == 'down' else app.theme.surface)
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [dp(12)]
        Color:
            rgba: app.theme.primary
        Line:
            rounded_rectangle: (self.x + 1, self.y + 1, self.width - 2, self.height - 2, dp(12))
            width: app.theme.border_width

<OptionButton>:
    size_hint: None, None
    size: max(self.texture_size[0] + dp(48), dp(150)), dp(76) if app.theme.elderly else dp(64)

<ChoiceButton>:
    size_hint_y: None
    height: dp(96) if app.theme.elderly else dp(80)

<FieldRow>:
    orientation: 'vertical'
    size_hint_y: None
    height: self.minimum_height
    padding: dp(18), dp(12)
    spacing: dp(8)
    canvas.before:
        Color:
            rgba: app.theme.surface
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [dp(14)]
        Color:
            rgba: app.theme.danger if root.error_text else (app.theme.primary if root.active else app.theme.border)
        Line:
            rounded_rectangle: (self.x + 1, self.y + 1, self.width - 2, self.height - 2, dp(14))
            width: app.theme.border_width * (2 if root.active or root.error_text else 1)
    BoxLayout:
        size_hint_y: None
        height: label.height
        spacing: dp(10)
        WrapLabel:
            id: label
            text: root.label
            bold: True
        Tag:
            text: '必填' if root.required else '选填'
            tone: 'danger' if root.required else 'muted'
            pos_hint: {'center_y': .5}
    Label:
        id: value
        text: root.shown_value or root.placeholder
        size_hint_y: None
        height: (self.texture_size[1] + dp(20)) if not root.options else 0
        opacity: 0 if root.options else 1
        font_size: app.theme.font_l
        color: app.theme.text if root.shown_value else app.theme.disabled_text
        text_size: self.width - dp(24), None
        halign: 'left'
        padding: dp(12), 0
        canvas.before:
            Color:
                rgba: app.theme.primary_soft if root.active else app.theme.background
            RoundedRectangle:
                pos: self.pos
                size: self.size
                radius: [dp(10)]
    StackLayout:
        id: options
        size_hint_y: None
        height: self.minimum_height
        spacing: dp(12)
    WrapLabel:
        text: root.error_text
        style: 's'
        tone: 'danger'
        bold: True
"""
)


class ToggleLook(ButtonBehavior, Label):
    selected = BooleanProperty(False)


class OptionButton(ToggleLook):
    """One option of a select, inside its field."""


class ChoiceButton(ToggleLook):
    """One option of the select being filled, full width beside the field list."""


class FieldRow(ButtonBehavior, BoxLayout):
    """A field; ``active`` while the keypad beside the list edits it."""

    key = StringProperty("")
    kind = StringProperty("text")
    label = StringProperty("")
    required = BooleanProperty(False)
    value = StringProperty("")
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
        self.error_text = words.field_error(state.error, state.type) if state.error else ""

    def on_value(self, *_: Any) -> None:
        self._refresh()

    def on_active(self, *_: Any) -> None:
        self._refresh()

    def _refresh(self) -> None:
        self.shown_value = display_value(self.kind, self.value, self.active)
        if self.active and not self.options:
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
