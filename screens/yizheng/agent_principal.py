"""帮办代办, first step: the principal's identity. The agent is identified; the reader (or
the code scanner) now waits for the person they act for. The agent's own card read again is
said plainly (principal_is_agent); 取消代办 goes back to the agent's own items."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.flows.yizheng import YizhengFlow

from . import words as yz_words
from .base import FlowScreen


class AgentPrincipalScreen(FlowScreen):
    message = StringProperty("")

    def show_flow(self, flow: YizhengFlow | None) -> None:
        super().show_flow(flow)
        self.message = yz_words.agent_error(flow.error) if flow is not None else ""

    def clear_flow(self) -> None:
        super().clear_flow()
        self.message = ""
