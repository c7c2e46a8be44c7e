"""Company items: the legal representative types the company's 统一社会信用代码 on an
on-screen keyboard (digits and the capital letters GB 32100 allows); central then checks
that this card's holder is its legal representative."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.flows.yizheng import YizhengFlow

from ..common.keyboard import USCC_LENGTH, edit
from . import words as yz_words
from .base import FlowScreen


class CompanyScreen(FlowScreen):
    code = StringProperty("")
    item_name = StringProperty("")
    error_text = StringProperty("")
    _dismissed = ""  # the flow error the citizen has since typed over

    def show_flow(self, flow: YizhengFlow | None) -> None:
        super().show_flow(flow)
        if flow is None:
            self.clear_flow()
            return
        self.item_name = flow.item.name if flow.item is not None else ""
        error = flow.error if flow.error != self._dismissed else ""
        self.error_text = yz_words.company_error(error)

    def key(self, key: str) -> None:
        self.code = edit(self.code, key, "uscc")
        if self._flow is not None and self._flow.error:
            self._dismissed = self._flow.error
        self.error_text = ""

    def submit(self) -> None:
        if self._flow is not None and len(self.code) == USCC_LENGTH:
            self._dismissed = ""
            self._flow.submit_company(self.code)

    def clear_flow(self) -> None:
        super().clear_flow()
        self._dismissed = ""
        self.code = self.item_name = self.error_text = ""
