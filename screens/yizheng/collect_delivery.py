"""异地代收: how the result comes back. 邮寄到家 with the address typed on the common text
entry (pinyin, handwriting; screens/common/ime_entry.py), the card's address offered as a
suggestion; or 到本厅领取. The flow checks the choice (kiosk/flows/yizheng_collect.py)."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty

from kiosk.flows.yizheng import YizhengFlow

from ..common.keyboard import edit
from . import collect_words as words
from .base import FlowScreen


class DeliveryScreen(FlowScreen):
    method = StringProperty("")        # "" | post | pickup
    address = StringProperty("")       # what is typed (shown while this screen is up only)
    preedit = StringProperty("")
    hint = StringProperty("")
    error_text = StringProperty("")
    typing = BooleanProperty(False)
    _opened: Any = None

    def show_flow(self, flow: YizhengFlow | None) -> None:
        super().show_flow(flow)
        if flow is None or flow.item is None:
            self.clear_flow()
            return
        collect = flow.collect
        self.method = collect.delivery_method
        self.address = collect.address
        self.hint = (words.DELIVERY_POST_HINT if self.method == "post"
                     else words.DELIVERY_PICKUP_HINT.format(hall=collect.hall_name or "本厅")
                     if self.method == "pickup" else "")
        self.error_text = words.error(flow.error)
        typing = self.method == "post"
        if typing != self.typing or self._opened is not flow:
            self.typing, self._opened = typing, flow
            app = App.get_running_app()
            self.ids.entry.open("address" if typing else "", bool(app and app.theme.elderly))

    def choose(self, method: str) -> None:
        if self._flow is not None:
            self._flow.choose_delivery(method)

    def use_card_address(self) -> None:
        if self._flow is not None:
            self.ids.entry.reset()
            self._flow.use_card_address()

    def key(self, key: str) -> None:
        if self._flow is not None:
            self._flow.set_address(edit(self._flow.collect.address, key, "text"))

    def show_preedit(self, preedit: str) -> None:
        self.preedit = preedit

    def next(self) -> None:
        if self._flow is not None:
            self._flow.confirm_delivery()

    def clear_flow(self) -> None:
        super().clear_flow()
        self.ids.entry.reset()   # nothing being composed survives the session
        self._opened = None
        self.method = self.address = self.preedit = self.hint = self.error_text = ""
        self.typing = False
