"""The flow cannot go on (no catalogue and no central, not enrolled ...): say so plainly,
offer to try again and the way home."""

from __future__ import annotations

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from kiosk.flows.yizheng import YizhengFlow

from .. import words
from .base import FlowScreen

Builder.load_string(
    """
#:import dp kivy.metrics.dp

<YzErrorScreen>:
    name: 'yz_error'
    BoxLayout:
        orientation: 'vertical'
        padding: dp(120), dp(40), dp(120), dp(24)
        spacing: dp(24)
        Widget:
        WrapLabel:
            text: '暂时无法办理一证通办业务'
            style: 'xl'
            bold: True
            halign: 'center'
        DangerNotice:
            text: root.message
            halign: 'center'
        WrapLabel:
            text: '您也可以到人工窗口办理，或咨询现场工作人员'
            tone: 'muted'
            halign: 'center'
        Widget:
        BoxLayout:
            size_hint_y: None
            height: home.height
            spacing: dp(32)
            BigButton:
                id: home
                text: '返回首页'
                kind: 'secondary'
                on_release: app.cancel_session()
            BigButton:
                text: '重试'
                opacity: 1 if root.can_retry else 0
                disabled: not root.can_retry
                on_release: root.retry()
"""
)


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
