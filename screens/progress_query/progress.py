"""Waiting (for central, for the printer) and the error screen of 办件查询."""

from __future__ import annotations

from kiosk.flows.progress_query import ProgressQueryFlow

from ..common.busy import WaitingScreen
from ..common.outcome import ErrorScreen
from . import words
from .base import PqScreen

WAITING = {
    "pq_loading": ("正在查询办件，请稍候", "正在连接政务服务平台"),
    "pq_printing": ("正在补打受理回执…", "打印完成后请从出纸口取走回执"),
}


class PqProgressScreen(WaitingScreen[ProgressQueryFlow], PqScreen):
    """One class, two screens (the screen's name tells which step)."""

    def waiting(self, flow: ProgressQueryFlow | None) -> tuple[str, str]:
        return WAITING.get(self.name, WAITING["pq_loading"])


class PqErrorScreen(ErrorScreen[ProgressQueryFlow], PqScreen):
    def error_words(self, error: str) -> str:
        return words.ERRORS.get(error, words.OTHER_ERROR)
