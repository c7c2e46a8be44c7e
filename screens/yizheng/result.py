"""After filing: the 办件编号 when central took the application; the 本机受理号 when it is
waiting in the outbox for the network; the reason in words when central refused it."""

from __future__ import annotations

import datetime as dt

from kivy.app import App
from kivy.properties import BooleanProperty, OptionProperty, StringProperty

from kiosk.flows.yizheng import ResultView, YizhengFlow

from .. import printing_words as print_words
from . import words as yz_words
from .base import FlowScreen
from .collect_lines import handover_line


def _hall_zone() -> dt.tzinfo | None:
    """The running terminal's hall zone (None: the default one)."""
    terminal = getattr(App.get_running_app(), "terminal", None)
    return getattr(terminal, "zone", None)


SAVED = "申请已保存在本机，网络恢复后将自动提交"
SAVED_NOTE = ("本机受理号用于查询：网络恢复、申请送达政务服务平台后，它将对应一个正式的办件编号，"
              "办理进度可凭本机受理号或办件编号查询")


class YzResultScreen(FlowScreen):
    outcome = OptionProperty("success", options=["success", "notice", "danger"])
    headline = StringProperty("")
    item_name = StringProperty("")
    number_caption = StringProperty("")
    number = StringProperty("")
    status = StringProperty("")
    message = StringProperty("")
    receipt_state = StringProperty("")
    receipt_text = StringProperty("")
    can_print_receipt = BooleanProperty(False)  # the button: first print, or again after a failure
    _flow: YizhengFlow | None = None
    _shown: ResultView | None = None

    def show_flow(self, flow: YizhengFlow | None) -> None:
        self._flow = flow
        result = flow.result if flow is not None else None
        if flow is None or result is None:
            self.clear_flow()
            return
        self.receipt_state = flow.receipt_state
        self.receipt_text = "\n".join(line for line in (
            print_words.receipt_line(flow.receipt_state, flow.receipt_error),
            handover_line(flow)) if line)   # 异地代收: the 收件交接单 too
        self.can_print_receipt = flow.can_print_receipt and flow.receipt_state in ("", "failed")
        if result == self._shown:
            return
        self._shown = result
        self.ids.scroll.scroll_y = 1
        line = flow.agent_view().line   # 帮办代办: 代办人 李*（子女）为 张* 办理
        self.item_name = f"{result.item_name}\n{line}" if line else result.item_name
        if result.delivered:
            self.outcome = "success"
            self.headline = "申请已提交，政务服务平台已接收"
            self.number_caption, self.number = "办件编号", result.application_number
            self.status = result.status
            self.message = result.next_steps or "请记下办件编号，可凭办件编号查询办理进度"
            self.ids.timeline.fill(result.timeline, _hall_zone())
        elif result.error:
            self.outcome = "danger"
            self.headline = "申请未被受理"
            self.number_caption, self.number = "本机受理号", result.local_receipt
            self.status = ""
            self.message = yz_words.refused(result.error)
            self.ids.timeline.clear()
        else:
            self.outcome = "notice"
            self.headline = SAVED
            self.number_caption, self.number = "本机受理号", result.local_receipt
            self.status = "待提交"
            self.message = SAVED_NOTE
            self.ids.timeline.clear()

    def print_receipt(self) -> None:
        if self._flow is not None:
            self._flow.print_receipt()

    def clear_flow(self) -> None:
        self._flow = None
        self._shown = None
        self.receipt_state = self.receipt_text = ""
        self.can_print_receipt = False
        self.headline = self.item_name = self.number_caption = self.number = ""
        self.status = self.message = ""
        self.outcome = "success"
        self.ids.timeline.clear()
