"""帮办代办: the agent's relation to the principal, one large button per option of the
contract (docs/casework.md §6), two a row."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.flows.yizheng import YizhengFlow
from kiosk.flows.yizheng_agent import RELATIONS

from ..widgets import BigButton
from . import words as yz_words
from .base import FlowScreen


class AgentRelationScreen(FlowScreen):
    principal = StringProperty("")

    def on_kv_post(self, base_widget: object) -> None:
        grid = self.ids.options
        for relation in RELATIONS:
            button = BigButton(text=relation, kind="secondary")
            button.bind(on_release=lambda b: self.choose(b.text))
            grid.add_widget(button)

    def show_flow(self, flow: YizhengFlow | None) -> None:
        super().show_flow(flow)
        view = flow.agent_view() if flow is not None else None
        self.principal = (yz_words.principal_line(view.principal_masked, view.principal_source)
                          if view is not None and view.principal_masked else "")

    def choose(self, relation: str) -> None:
        if self._flow is not None:
            self._flow.choose_relation(relation)

    def clear_flow(self) -> None:
        super().clear_flow()
        self.principal = ""
