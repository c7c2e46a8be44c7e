"""办事指南 screens; the app routes to them by the flow's step."""

from __future__ import annotations

from kiosk.flows.guide import GuideFlow, Step

from ..common.flow import screen_of_step
from .base import GuideScreen
from .detail import GuideDetailScreen
from .lists import GuideErrorScreen, GuideListScreen, GuideLoadingScreen

SERVICE_ID = "guide"

SCREEN_OF_STEP = {
    Step.LOADING: "gd_loading",
    Step.LIST: "gd_list",
    Step.DETAIL: "gd_detail",
    Step.ERROR: "gd_error",
}


def screen_for(flow: GuideFlow | None) -> str:
    """The screen that shows the flow's current step (no flow: it could not start)."""
    return screen_of_step(flow, SCREEN_OF_STEP, "gd_error")


def build_screens() -> list[GuideScreen]:
    return [GuideLoadingScreen(name="gd_loading"), GuideListScreen(), GuideDetailScreen(),
            GuideErrorScreen()]


__all__ = ["SERVICE_ID", "GuideScreen", "build_screens", "screen_for"]
