"""The catalogue: every 事项 with its department and ways of handling (tags), a tap opens its
guide; the loading and error screens of 办事指南."""

from __future__ import annotations

from kivy.properties import StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.flows.guide import GuideFlow

from ..common.busy import WaitingScreen
from ..common.outcome import ErrorScreen
from . import words
from .base import GuideScreen


class GuideRow(ButtonBehavior, BoxLayout):
    code = StringProperty("")
    title = StringProperty("")
    line = StringProperty("")
    mode = StringProperty("")


class GuideListScreen(GuideScreen):
    notice = StringProperty("")
    _shown: object = None

    def show_flow(self, flow: GuideFlow | None) -> None:
        super().show_flow(flow)
        if flow is None:
            self.clear_flow()
            return
        self.notice = words.CACHED if flow.cached else ""
        if flow.items is self._shown:
            return
        self._shown = flow.items
        rows = self.ids.rows
        rows.clear_widgets()
        for item in flow.items:
            extra = "" if item.agent_allowed else "　不可代办"
            row = GuideRow(code=item.code, title=item.name, mode=flow.mode(item),
                           line=f"{item.department}　{item.region_name}　承诺{words.days(item.promised_days)}{extra}")
            row.bind(on_release=lambda r: self.open(r.code))
            rows.add_widget(row)
        self.ids.scroll.scroll_y = 1

    def open(self, code: str) -> None:
        if self._flow is not None:
            self._flow.open(code)

    def clear_flow(self) -> None:
        super().clear_flow()
        self._shown = None
        self.notice = ""
        self.ids.rows.clear_widgets()


class GuideLoadingScreen(WaitingScreen[GuideFlow], GuideScreen):
    def waiting(self, flow: GuideFlow | None) -> tuple[str, str]:
        return "正在读取办事指南，请稍候", ""


class GuideErrorScreen(ErrorScreen[GuideFlow], GuideScreen):
    def error_words(self, error: str) -> str:
        return words.ERRORS.get(error, words.OTHER_ERROR)
