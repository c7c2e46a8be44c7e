"""The application form: fields on the left (prefilled from the card and licences), the
keypad for the field being edited on the right, "下一步" runs the item's field rules."""

from __future__ import annotations

from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label

from kiosk.flows.yizheng import FieldState, YizhengFlow

from .base import FlowScreen
from .fields import ChoiceButton, FieldRow, row_for
from .keyboard import edit

Builder.load_string(
    """
#:import dp kivy.metrics.dp

<PanelButton>:
    font_size: app.theme.font_m
    bold: True
    color: app.theme.primary
    canvas.before:
        Color:
            rgba: app.theme.primary_soft if self.state == 'down' else app.theme.surface
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [dp(12)]
        Color:
            rgba: app.theme.primary
        Line:
            rounded_rectangle: (self.x + 1, self.y + 1, self.width - 2, self.height - 2, dp(12))
            width: app.theme.border_width

<FormScreen>:
    name: 'yz_form'
    BoxLayout:
        orientation: 'vertical'
        padding: dp(36), dp(16), dp(36), dp(20)
        spacing: dp(12)
        FlowHeader:
            title: root.title
            style: 'l'
            applicant: root.applicant
        BoxLayout:
            spacing: dp(24)
            BoxLayout:
                # The notice goes above the fields, never above the keypad: keys must not
                # move under a finger when the notice comes or goes.
                orientation: 'vertical'
                size_hint_x: .5
                spacing: dp(10)
                DangerNotice:
                    text: root.summary
                    style: 's'
                ScrollView:
                    id: scroll
                    do_scroll_x: False
                    bar_width: dp(8)
                    BoxLayout:
                        id: rows
                        orientation: 'vertical'
                        size_hint_y: None
                        height: self.minimum_height
                        spacing: dp(12)
                        padding: 0, 0, dp(14), 0
            Panel:
                orientation: 'vertical'
                size_hint_x: .5
                padding: dp(14), dp(12)
                spacing: dp(8)
                BoxLayout:
                    size_hint_y: None
                    height: dp(64) * app.theme.scale
                    spacing: dp(12)
                    WrapLabel:
                        text: root.editing
                        style: 's'
                        tone: 'primary'
                        bold: True
                        pos_hint: {'center_y': .5}
                    PanelButton:
                        text: '下一项 ›'
                        size_hint_x: None
                        width: dp(180) * app.theme.scale if root.has_next else 0
                        opacity: 1 if root.has_next else 0
                        disabled: not root.has_next
                        on_release: root.next_field()
                Keyboard:
                    id: keyboard
                    kind: root.kind
                    # A size_hint of 0 would keep the old height: hidden is None and 0.
                    size_hint_y: 1 if root.kind else None
                    height: 100 if root.kind else 0
                    opacity: 1 if root.kind else 0
                    disabled: not root.kind
                    on_key: root.key(args[1])
                ScrollView:
                    # A select being filled: its options as large as keys.
                    size_hint_y: None if root.kind else 1
                    height: 0 if root.kind else 100
                    opacity: 0 if root.kind else 1
                    disabled: bool(root.kind)
                    do_scroll_x: False
                    BoxLayout:
                        id: choices
                        orientation: 'vertical'
                        size_hint_y: None
                        height: self.minimum_height
                        spacing: dp(12)
        BoxLayout:
            size_hint_y: None
            height: back.height
            spacing: dp(32)
            BigButton:
                id: back
                text: '返回'
                kind: 'secondary'
                size_hint_x: .4
                on_release: root.back()
            BigButton:
                text: '下一步'
                size_hint_x: .6
                on_release: root.next()
"""
)

KEYPAD_OF = {"number": "number", "date": "date", "phone": "phone", "id_number": "id_number",
             "uscc": "uscc", "text": "text"}


class PanelButton(ButtonBehavior, Label):
    """A button inside the keypad panel (smaller than a BigButton, still a finger's size)."""


class FormScreen(FlowScreen):
    title = StringProperty("")
    editing = StringProperty("")    # what the keypad types into, in words
    kind = StringProperty("")       # keyboard layout; "" when no field takes typing
    summary = StringProperty("")
    active_key = StringProperty("")
    has_next = BooleanProperty(False)
    _flow: YizhengFlow | None = None
    _shown: Any = None

    def show_flow(self, flow: YizhengFlow | None) -> None:
        self._flow = flow
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
        if state is None:
            self.kind = self.editing = ""
        elif state.type == "select":
            self.kind = ""
            self.editing = f"请选择{state.label}"
        else:
            self.kind = KEYPAD_OF.get(state.type, "text")
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

    def _option(self, row: FieldRow, option: str) -> None:
        self._choose(row.key, option)

    def next(self) -> None:
        if self._flow is None:
            return
        if not self._flow.confirm_form():
            first = next((f for f in self._flow.fields if f.error), None)
            if first is not None:
                self.activate(first.key)

    def back(self) -> None:
        if self._flow is not None:
            self._flow.back()

    def clear_flow(self) -> None:
        self._flow = None
        self._shown = None
        self.title = self.editing = self.kind = self.summary = self.active_key = ""
        self.ids.rows.clear_widgets()
        self.ids.choices.clear_widgets()
