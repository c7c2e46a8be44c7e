"""帮办代办: the signed 授权委托书 photographed page by page (the common capture screen, K3's
screens/common/capture.py), at least one page kept before 完成 loads the principal's items."""

from __future__ import annotations

from kiosk.capture.step import CaptureStep
from kiosk.flows.yizheng import YizhengFlow

from ..common.capture import CaptureScreen
from .base import FlowScreen


class AgentLetterScreen(CaptureScreen[YizhengFlow], FlowScreen):
    def step_of(self, flow: YizhengFlow) -> CaptureStep | None:
        return flow.letter

    def finish(self) -> None:
        if self._flow is not None:
            self._flow.letter_done()
