"""好差评 screens; the app routes to them by the flow's step (kiosk/flows/evaluation.py)."""

from __future__ import annotations

from kiosk.flows.evaluation import EvaluationFlow, Step

from ..common.flow import screen_of_step
from .base import EvaluationScreen
from .choose import EvaluationListScreen
from .outcome import EvaluationErrorScreen, EvaluationThanksScreen, EvaluationWaitingScreen
from .rate import EvaluationRateScreen
from .reasons import EvaluationReasonsScreen

SERVICE_ID = "evaluation"

SCREEN_OF_STEP = {
    Step.LOADING: "ev_loading",
    Step.LIST: "ev_list",
    Step.RATE: "ev_rate",
    Step.REASONS: "ev_reasons",
    Step.SENDING: "ev_sending",
    Step.THANKS: "ev_thanks",
    Step.ERROR: "ev_error",
}


def screen_for(flow: EvaluationFlow | None) -> str:
    """The screen that shows the flow's current step (no flow: it could not start)."""
    return screen_of_step(flow, SCREEN_OF_STEP, "ev_error")


def build_screens() -> list[EvaluationScreen]:
    return [
        EvaluationWaitingScreen(name="ev_loading"), EvaluationListScreen(), EvaluationRateScreen(),
        EvaluationReasonsScreen(), EvaluationWaitingScreen(name="ev_sending"),
        EvaluationThanksScreen(), EvaluationErrorScreen(name="ev_error"),
    ]


__all__ = ["SERVICE_ID", "EvaluationScreen", "build_screens", "screen_for"]
