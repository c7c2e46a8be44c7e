"""The base of every 一证通办 screen: the app hands these screens the YizhengFlow. The
header, tags and the rest they share with the other services are in screens/common/."""

from __future__ import annotations

from kiosk.flows.yizheng import YizhengFlow
from kiosk.session import SessionSnapshot

from ..common.flow import FlowScreenBase


class FlowScreen(FlowScreenBase[YizhengFlow]):
    """A screen of the 一证通办 flow. ``applicant`` is the masked identity line; while the
    citizen acts for someone (帮办代办) it names the principal as 申请人 and them as 代办人."""

    _own_line = ""

    def show(self, snapshot: SessionSnapshot) -> None:
        super().show(snapshot)
        self._own_line = self.applicant
        self._agent_line()

    def show_flow(self, flow: YizhengFlow | None) -> None:
        super().show_flow(flow)
        self._agent_line()

    def clear_identity(self) -> None:
        self._own_line = ""
        super().clear_identity()

    def _agent_line(self) -> None:
        flow, own = self._flow, self._own_line
        if flow is None or not own:
            return
        view = flow.agent_view()
        if view.acting:
            self.applicant = f"申请人 {view.principal_masked}　代办人 {view.agent_masked}"
        elif str(flow.step).startswith("agent_"):
            self.applicant = own.replace("申请人", "代办人", 1)
        else:
            self.applicant = own
