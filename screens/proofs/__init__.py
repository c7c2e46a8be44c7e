"""证明打印 screens; the app routes to them by the flow's step."""

from __future__ import annotations

from kiosk.flows.proofs import ProofFlow, Step

from ..common.flow import screen_of_step
from .base import ProofScreen
from .choose import ProofListScreen
from .outcome import ProofDoneScreen, ProofErrorScreen, ProofFailedScreen
from .preview import ProofPreviewScreen
from .progress import ProofProgressScreen

SERVICE_ID = "proof_print"

SCREEN_OF_STEP = {
    Step.LOADING: "pf_loading",
    Step.LIST: "pf_list",
    Step.ISSUING: "pf_issuing",
    Step.PREVIEW: "pf_preview",
    Step.PRINTING: "pf_printing",
    Step.DONE: "pf_done",
    Step.PRINT_FAILED: "pf_failed",
    Step.ERROR: "pf_error",
}


def screen_for(flow: ProofFlow | None) -> str:
    """The screen that shows the flow's current step (no flow: it could not start)."""
    return screen_of_step(flow, SCREEN_OF_STEP, "pf_error")


def build_screens() -> list[ProofScreen]:
    return [
        ProofProgressScreen(name="pf_loading"), ProofListScreen(),
        ProofProgressScreen(name="pf_issuing"), ProofPreviewScreen(),
        ProofProgressScreen(name="pf_printing"), ProofDoneScreen(), ProofFailedScreen(),
        ProofErrorScreen(),
    ]


__all__ = ["SERVICE_ID", "ProofScreen", "build_screens", "screen_for"]
