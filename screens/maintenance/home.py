"""The maintenance home: every configured device with its state and the action it needs,
the tools, and the configuration in use. Reads ``TechnicianFlow``; sends it intents."""

from __future__ import annotations

from functools import partial
from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.diagnostics import config_version
from kiosk.flows.technician import TOOLS, TechnicianFlow

from ..staff_widgets import StaffChip, add_idle_notice
from ..widgets import KioskScreen
from . import words


class MaintDeviceRow(BoxLayout):
    device = StringProperty("")
    state = StringProperty("")
    action = StringProperty("")
    ready = BooleanProperty(True)


class MaintToolButton(StaffChip):
    tool = StringProperty("")


class MaintHomeScreen(KioskScreen):
    config_text = StringProperty("")

    def on_kv_post(self, base_widget: Any) -> None:
        self.idle_notice = add_idle_notice(self, lambda: App.get_running_app().terminal.technician.touch())
        self._rows: dict[str, MaintDeviceRow] = {}
        for tool in TOOLS:
            # size_hint in the constructor: it wins over StaffChip's rule (a chip sizes to its
            # text); the grid then gives every tool its row's full height (row_default_height)
            button = MaintToolButton(text=words.TOOLS[tool], tool=tool, size_hint=(1, 1))
            button.bind(on_release=partial(self._open, tool))
            self.ids.tools.add_widget(button)

    def show_technician(self, flow: TechnicianFlow) -> None:
        self.idle_notice.show_left(flow.notice_left())
        config = flow.config
        self.config_text = f"配置版本 {config_version(config)}（{config.terminal.profile}）"
        rows = flow.device_rows()
        names = [name for name, _ in rows]
        if names != list(self._rows):
            self.ids.devices.clear_widgets()
            self._rows = {name: MaintDeviceRow() for name in names}
            for row in self._rows.values():
                self.ids.devices.add_widget(row)
        for name, status in rows:
            row = self._rows[name]
            row.device = words.device_name(name)
            row.state = words.device_state(status)
            row.action = words.device_action(status)
            row.ready = status.ready
        self.ids.none.opacity = 0 if rows else 1

    def voice_prompt(self) -> str:
        return words.TITLE

    def _open(self, tool: str, *_: Any) -> None:
        App.get_running_app().terminal.technician.open_tool(tool)
