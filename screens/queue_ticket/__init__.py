"""排队取号 and 预约报到 screens; the app routes to them by the flow's step."""

from __future__ import annotations

from kiosk.flows.queue_ticket import QueueTicketFlow, Step

from ..common.flow import screen_of_step
from .base import QueueScreen
from .categories import QueueCategoriesScreen
from .checkin import QueueCheckinScreen
from .outcome import QueueDoneScreen, QueueErrorScreen, QueueFailedScreen
from .progress import QueueProgressScreen

SERVICE_ID = "queue_ticket"

SCREEN_OF_STEP = {
    Step.LOADING: "qt_loading",
    Step.CATEGORIES: "qt_categories",
    Step.TAKING: "qt_taking",
    Step.PRINTING: "qt_printing",
    Step.DONE: "qt_done",
    Step.PRINT_FAILED: "qt_failed",
    Step.CHECKIN: "qt_checkin",
    Step.CHECKING_IN: "qt_checking_in",
    Step.ERROR: "qt_error",
}


def screen_for(flow: QueueTicketFlow | None) -> str:
    """The screen that shows the flow's current step (no flow: it could not start)."""
    return screen_of_step(flow, SCREEN_OF_STEP, "qt_error")


def build_screens() -> list[QueueScreen]:
    return [
        QueueProgressScreen(name="qt_loading"), QueueCategoriesScreen(),
        QueueProgressScreen(name="qt_taking"), QueueProgressScreen(name="qt_printing"),
        QueueDoneScreen(), QueueFailedScreen(), QueueCheckinScreen(),
        QueueProgressScreen(name="qt_checking_in"), QueueErrorScreen(),
    ]


__all__ = ["SERVICE_ID", "QueueScreen", "build_screens", "screen_for"]
