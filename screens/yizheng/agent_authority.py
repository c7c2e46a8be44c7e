"""帮办代办: how the principal authorised the agent. 授权委托书拍照 always; 被代办人本人在场
only when the principal's ID card was read in this session (an e-ID code proves no
presence), else the choice is greyed with the reason."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk.flows.yizheng import YizhengFlow

from . import words as yz_words
from .base import FlowScreen


class AgentAuthorityScreen(FlowScreen):
    principal = StringProperty("")
    message = StringProperty("")
    can_present = BooleanProperty(False)

    def show_flow(self, flow: YizhengFlow | None) -> None:
        super().show_flow(flow)
        if flow is None:
            self.clear_flow()
            return
        view = flow.agent_view()
        self.principal = (yz_words.principal_line(view.principal_masked, view.principal_source)
                          + (f"　关系：{view.relation}" if view.relation else "")) if view.principal_masked else ""
        self.can_present = view.can_present
        self.message = yz_words.agent_error(flow.error)

    def choose(self, authority: str) -> None:
        if self._flow is not None:
            self._flow.choose_authority(authority)

    def clear_flow(self) -> None:
        super().clear_flow()
        self.principal = self.message = ""
        self.can_present = False
