"""How rating ended: thanks (sent, kept for later, or central's "already rated" in words),
and the one error screen (nobody identified, a fault). 完成 ends the session; from the tile,
评价其他服务 goes back to the list."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk.evaluation.sending import LOW_LEVELS
from kiosk.flows.evaluation import EvaluationFlow

from ..common.busy import WaitingScreen
from ..common.outcome import ErrorScreen
from . import words
from .base import EvaluationScreen


class EvaluationThanksScreen(EvaluationScreen):
    headline = StringProperty("")
    detail = StringProperty("")
    tone = StringProperty("success")
    more = BooleanProperty(False)     # from the tile: 评价其他服务

    def show_flow(self, flow: EvaluationFlow | None) -> None:
        super().show_flow(flow)
        if flow is None or flow.outcome is None:
            return
        self.headline, self.detail = words.THANKS[flow.outcome]
        if flow.outcome in ("sent", "queued") and flow.level in LOW_LEVELS:
            self.detail += words.LOW_THANKS
        self.tone = {"duplicate": "notice", "failed": "danger"}.get(flow.outcome, "success")
        self.more = flow.offered is None

    def again(self) -> None:
        if self._flow is not None:
            self._flow.again()

    def clear_flow(self) -> None:
        super().clear_flow()
        self.headline = self.detail = ""
        self.more = False


class EvaluationWaitingScreen(WaitingScreen[EvaluationFlow], EvaluationScreen):
    def waiting(self, flow: EvaluationFlow | None) -> tuple[str, str]:
        if self.name == "ev_loading":
            return "正在查询可评价的服务，请稍候", ""
        return words.SENDING


class EvaluationErrorScreen(ErrorScreen[EvaluationFlow], EvaluationScreen):
    headline = StringProperty("暂时无法评价")

    def error_words(self, error: str) -> str:
        return words.error(error)
