"""Rate: what was done, then five large buttons (非常满意 … 非常不满意); one tap rates. After
a service (the terminal's offer) the way out is 跳过, which ends the session; from the tile
it is 返回 to the list."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.flows.evaluation import EvaluationFlow

from ..widgets import BigButton
from . import words
from .base import EvaluationScreen, hall_zone


class LevelButton(BigButton):
    level = NumericProperty(0)


class EvaluationRateScreen(EvaluationScreen):
    what = StringProperty("")
    when = StringProperty("")
    offer = BooleanProperty(False)    # after a service: 跳过 ends the session

    def on_kv_post(self, base_widget: Any) -> None:
        for level, name in words.LEVELS:
            button = LevelButton(text=name, level=level)
            button.bind(on_release=lambda b: self.rate(b.level))
            self.ids.levels.add_widget(button)

    def show_flow(self, flow: EvaluationFlow | None) -> None:
        super().show_flow(flow)
        chosen = flow.chosen if flow is not None else None
        if chosen is None:
            self.what = self.when = ""
            return
        self.offer = flow is not None and flow.offered is not None
        self.what = chosen.handling.title
        self.when = words.handled_line("", chosen.handled_at, hall_zone(),
                                       chosen.handling.application_number).strip("　")

    def rate(self, level: int) -> None:
        if self._flow is not None:
            self._flow.rate(level)

    def leave(self) -> None:
        if self.offer or self._flow is None:
            App.get_running_app().finish_session()   # 跳过: nothing is sent
        else:
            self._flow.back()

    def clear_flow(self) -> None:
        super().clear_flow()
        self.what = self.when = ""
        self.offer = False
