"""一证通办 screens, one module each; the app routes to them by the flow's step."""

from __future__ import annotations

from kiosk.flows.yizheng import Step, YizhengFlow

from ..common.flow import screen_of_step
from .agent_authority import AgentAuthorityScreen
from .agent_letter import AgentLetterScreen
from .agent_principal import AgentPrincipalScreen
from .agent_relation import AgentRelationScreen
from .base import FlowScreen
from .collect_delivery import DeliveryScreen
from .collect_materials import MaterialsScreen
from .company import CompanyScreen
from .confirm import ConfirmScreen
from .detail import DetailScreen
from .error import YzErrorScreen
from .form import FormScreen
from .items import ItemsScreen
from .progress import ProgressScreen
from .result import YzResultScreen

SERVICE_ID = "yizheng_tongban"

SCREEN_OF_STEP = {
    Step.LOADING: "yz_loading",
    Step.ITEMS: "yz_items",
    Step.AGENT_PRINCIPAL: "yz_agent_principal",
    Step.AGENT_RELATION: "yz_agent_relation",
    Step.AGENT_AUTHORITY: "yz_agent_authority",
    Step.AGENT_LETTER: "yz_agent_letter",
    Step.DETAIL: "yz_detail",
    Step.COMPANY: "yz_company",
    Step.FORM: "yz_form",
    Step.MATERIALS: "yz_materials",
    Step.DELIVERY: "yz_delivery",
    Step.CONFIRM: "yz_confirm",
    Step.SUBMITTING: "yz_submitting",
    Step.RESULT: "yz_result",
    Step.ERROR: "yz_error",
}


def screen_for(flow: YizhengFlow | None) -> str:
    """The screen that shows the flow's current step (no flow: it could not start)."""
    return screen_of_step(flow, SCREEN_OF_STEP, "yz_error")


def build_screens() -> list[FlowScreen]:
    return [
        ProgressScreen(name="yz_loading"), ItemsScreen(), DetailScreen(), CompanyScreen(),
        FormScreen(), ConfirmScreen(), ProgressScreen(name="yz_submitting"), YzResultScreen(),
        YzErrorScreen(), AgentPrincipalScreen(), AgentRelationScreen(), AgentAuthorityScreen(),
        AgentLetterScreen(), MaterialsScreen(), DeliveryScreen(),
    ]


__all__ = ["SERVICE_ID", "FlowScreen", "build_screens", "screen_for"]
