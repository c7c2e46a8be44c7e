"""The flow cannot go on (no catalogue and no central, not enrolled ...): say so plainly,
offer to try again and the way home."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk.flows.yizheng import YizhengFlow

from .. import words
from .base import FlowScreen


class YzErrorScreen(FlowScreen):
    message = StringProperty("")
    can_retry = BooleanProperty(False)
    _flow: YizhengFlow | None = None

    def show_flow(self, flow: YizhengFlow | None) -> None:
        self._flow = flow
        self.message = words.flow_error(flow.error if flow is not None else "not_enrolled")
        self.can_retry = flow is not None

    def retry(self) -> None:
        if self._flow is not None:
            self._flow.load()

    def clear_flow(self) -> None:
        self._flow = None
        self.message = ""
        self.can_retry = False
