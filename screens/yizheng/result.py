"""After filing: the 办件编号 when central took the application; the 本机受理号 when it is
waiting in the outbox for the network; the reason in words when central refused it."""

from __future__ import annotations

from kivy.lang import Builder
from kivy.properties import OptionProperty, StringProperty

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
        Widget:
        BoxLayout:
            size_hint_y: None
            height: done.height
            spacing: dp(32)
            WrapLabel:
                text: '办理结束后请取走您的身份证'
                tone: 'primary'
                bold: True
                pos_hint: {'center_y': .5}
            BigButton:
                id: done
                text: '完成'
                size_hint_x: None
                width: dp(360)
                on_release: app.finish_session()
"""
)

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
    _shown: ResultView | None = None

    def show_flow(self, flow: YizhengFlow | None) -> None:
        result = flow.result if flow is not None else None
        if result is None:
            self.clear_flow()
            return
        if result == self._shown:
            return
        self._shown = result
        self.item_name = result.item_name
        if result.delivered:
            self.outcome = "success"
            self.headline = "申请已提交，政务服务平台已接收"
            self.number_caption, self.number = "办件编号", result.application_number
            self.status = result.status
            self.message = result.next_steps or "请记下办件编号，可凭办件编号查询办理进度"
            self.ids.timeline.fill(result.timeline)
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

    def clear_flow(self) -> None:
        self._shown = None
        self.headline = self.item_name = self.number_caption = self.number = ""
        self.status = self.message = ""
        self.outcome = "success"
        self.ids.timeline.clear()
