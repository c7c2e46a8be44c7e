"""After filing: the 办件编号 when central took the application; the 本机受理号 when it is
waiting in the outbox for the network; the reason in words when central refused it."""

from __future__ import annotations

import datetime as dt

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, OptionProperty, StringProperty

from kiosk.flows.yizheng import ResultView, YizhengFlow

from .. import words
from . import timeline  # noqa: F401  (kv rules for Timeline)
from .base import FlowScreen

Builder.load_string(
    """
#:import dp kivy.metrics.dp

<ResultMark@Label>:
    tone: 'success'
    size_hint: None, None
    size: dp(76), dp(76)
    font_size: app.theme.font_xl
    bold: True
    color: 1, 1, 1, 1
    canvas.before:
        Color:
            rgba: {'success': app.theme.success, 'notice': app.theme.notice, 'danger': app.theme.danger}[self.tone]
        Ellipse:
            pos: self.pos
            size: self.size

<YzResultScreen>:
    name: 'yz_result'
    BoxLayout:
        orientation: 'vertical'
        padding: dp(60), dp(16), dp(60), dp(20)
        spacing: dp(12)
        # Scrolls only when it must: 适老化 type, a fault banner and a receipt notice together
        # can ask for more than the screen's height; the buttons below always stay in view.
        ScrollView:
            id: scroll
            do_scroll_x: False
            bar_width: dp(8)
            BoxLayout:
                orientation: 'vertical'
                size_hint_y: None
                height: self.minimum_height
                spacing: dp(12)
                BoxLayout:
                    size_hint_y: None
                    height: max(mark.height, heading.height)
                    spacing: dp(22)
                    ResultMark:
                        id: mark
                        tone: root.outcome
                        text: {'success': '✓', 'notice': '!', 'danger': '×'}[root.outcome]
                        pos_hint: {'center_y': .5}
                    BoxLayout:
                        id: heading
                        orientation: 'vertical'
                        size_hint_y: None
                        height: self.minimum_height
                        pos_hint: {'center_y': .5}
                        WrapLabel:
                            text: root.headline
                            style: 'xl'
                            bold: True
                            tone: root.outcome
                        WrapLabel:
                            text: root.item_name
                            tone: 'muted'
                Panel:
                    orientation: 'vertical'
                    size_hint_y: None
                    height: self.minimum_height
                    spacing: dp(4)
                    BoxLayout:
                        size_hint_y: None
                        height: caption.height
                        spacing: dp(16)
                        Label:
                            id: caption
                            text: root.number_caption
                            size_hint: None, None
                            size: self.texture_size
                            font_size: app.theme.font_m
                            color: app.theme.text_muted
                        Tag:
                            text: root.status
                            tone: 'success' if root.outcome == 'success' else 'notice'
                            pos_hint: {'center_y': .5}
                        Widget:
                    WrapLabel:
                        id: number
                        text: root.number
                        style: 'huge' if root.outcome != 'danger' else 'l'
                        bold: True
                        tone: 'primary'
                    Timeline:
                        id: timeline
                WrapLabel:
                    text: root.message
                    tone: 'text' if root.outcome == 'success' else root.outcome
        BoxLayout:
            size_hint_y: None
            height: max(done.height, hints.height)
            spacing: dp(24)
            BoxLayout:
                id: hints
                orientation: 'vertical'
                size_hint_y: None
                height: self.minimum_height
                spacing: dp(4)
                pos_hint: {'center_y': .5}
                # The 办件受理回执: printing, printed (take it), or why not
                WrapLabel:
                    id: receipt
                    text: root.receipt_text
                    style: 's'
                    bold: True
                    tone: {'printing': 'primary', 'printed': 'success', 'failed': 'danger'}.get(root.receipt_state, 'muted')
                WrapLabel:
                    text: '办理结束后请取走您的身份证'
                    style: 's' if root.receipt_text else 'm'
                    tone: 'primary'
                    bold: not root.receipt_text
            BigButton:
                id: receipt_button
                text: '重新打印回执' if root.receipt_state == 'failed' else '打印回执'
                kind: 'secondary'
                size_hint_x: None
                width: dp(290) if root.can_print_receipt else 0
                opacity: 1 if root.can_print_receipt else 0
                disabled: not root.can_print_receipt
                on_release: root.print_receipt()
            BigButton:
                id: done
                text: '完成'
                size_hint_x: None
                width: dp(280) if root.can_print_receipt else dp(360)
                on_release: app.finish_session()
"""
)


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
        self.receipt_text = words.receipt_line(flow.receipt_state, flow.receipt_error)
        self.can_print_receipt = flow.can_print_receipt and flow.receipt_state in ("", "failed")
        if result == self._shown:
            return
        self._shown = result
        self.ids.scroll.scroll_y = 1
        self.item_name = result.item_name
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
            self.message = words.refused(result.error)
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
