"""Waiting on central: loading the items, checking a company, submitting. A turning ring
and a plain sentence; the work runs on the flow's thread, never on the UI's."""

from __future__ import annotations

from typing import Any

from kivy.animation import Animation
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.widget import Widget

from kiosk.flows.yizheng import YizhengFlow

from .base import FlowScreen


class BusyRing(Widget):
    angle = NumericProperty(0)

    def start(self) -> None:
        self.stop()
        anim = Animation(angle=360, duration=1.1) + Animation(angle=0, duration=0)
        anim.repeat = True
        anim.start(self)

    def stop(self) -> None:
        Animation.cancel_all(self, "angle")
        self.angle = 0


class ProgressScreen(FlowScreen):
    """One class, two screens: ``yz_loading`` (items, company check) and ``yz_submitting``."""

    headline = StringProperty("")
    detail = StringProperty("")

    def show_flow(self, flow: YizhengFlow | None) -> None:
        if self.name == "yz_submitting":
            self.headline = "正在提交，请稍候"
            self.detail = "申请已保存在本机，正在发送至政务服务平台，请勿取走身份证"
        elif flow is not None and flow.item is not None:
            self.headline = "正在核验企业信息，请稍候"
            self.detail = "正在向政务服务平台查询企业登记信息"
        else:
            self.headline = "正在查询您可办理的事项，请稍候"
            self.detail = "正在向政务服务平台查询您的电子证照"

    def on_enter(self, *_: Any) -> None:
        self.ids.ring.start()

    def on_leave(self, *_: Any) -> None:
        self.ids.ring.stop()
