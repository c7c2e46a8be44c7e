"""办件查询 screens; the app routes to them by the flow's step."""

from __future__ import annotations

from kiosk.flows.progress_query import ProgressQueryFlow, Step

from ..common.flow import screen_of_step
from .base import PqScreen
from .detail import PqDetailScreen
from .enter import PqEnterScreen
from .lists import PqListScreen
from .progress import PqErrorScreen, PqProgressScreen
from .start import PqStartScreen

SERVICE_ID = "progress_query"

SCREEN_OF_STEP = {
    Step.START: "pq_start",
    Step.ENTER: "pq_enter",
    Step.LOADING: "pq_loading",
    Step.LIST: "pq_list",
    Step.DETAIL: "pq_detail",
    Step.PUBLIC: "pq_public",
    Step.PRINTING: "pq_printing",
    Step.ERROR: "pq_error",
}


def screen_for(flow: ProgressQueryFlow | None) -> str:
    """The screen that shows the flow's current step (no flow: it could not start)."""
    return screen_of_step(flow, SCREEN_OF_STEP, "pq_error")


def build_screens() -> list[PqScreen]:
    return [
        PqStartScreen(), PqEnterScreen(), PqProgressScreen(name="pq_loading"), PqListScreen(),
        PqDetailScreen(name="pq_detail"), PqDetailScreen(name="pq_public"),
        PqProgressScreen(name="pq_printing"), PqErrorScreen(),
    ]


__all__ = ["SERVICE_ID", "PqScreen", "build_screens", "screen_for"]
