"""Waiting on central: loading the items, checking a company, submitting."""

from __future__ import annotations

from kiosk.flows.yizheng import YizhengFlow

from ..common.busy import WaitingScreen
from .base import FlowScreen


class ProgressScreen(WaitingScreen[YizhengFlow], FlowScreen):
    """One class, two screens: ``yz_loading`` (items, company check) and ``yz_submitting``."""

    def waiting(self, flow: YizhengFlow | None) -> tuple[str, str]:
        if self.name == "yz_submitting":
            return "正在提交，请稍候", "申请已保存在本机，正在发送至政务服务平台，请勿取走身份证"
        if flow is not None and flow.item is not None:
            return "正在核验企业信息，请稍候", "正在向政务服务平台查询企业登记信息"
        return "正在查询您可办理的事项，请稍候", "正在向政务服务平台查询您的电子证照"
