"""The start of 办件查询: the ways in, side by side. A card or an e-ID code is the quickest
(the terminal lends it to the flow); the receipt's QR is read by the scanner at any time;
the 办件编号 and 查询码 can be typed. A refused look-up is said here."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.flows.progress_query import ProgressQueryFlow

from . import words
from .base import PqScreen


class PqStartScreen(PqScreen):
    message = StringProperty("")

    def show_flow(self, flow: ProgressQueryFlow | None) -> None:
        super().show_flow(flow)
        self.message = words.error(flow.error) if flow is not None else ""

    def enter_number(self) -> None:
        if self._flow is not None:
            self._flow.enter_number()

    def clear_flow(self) -> None:
        super().clear_flow()
        self.message = ""
