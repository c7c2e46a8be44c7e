"""The flow cannot go on (no catalogue and no central, not enrolled ...): say so plainly,
offer to try again and the way home."""

from __future__ import annotations

from kiosk.flows.yizheng import YizhengFlow

from ..common.outcome import ErrorScreen
from . import words as yz_words
from .base import FlowScreen


class YzErrorScreen(ErrorScreen[YizhengFlow], FlowScreen):
    def error_words(self, error: str) -> str:
        return yz_words.flow_error(error)
