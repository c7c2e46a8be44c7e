"""预约办事 screens, one module each; the app routes to them by the flow's step."""

from __future__ import annotations

from kiosk.flows.appointment import AppointmentFlow, Step

from ..common.flow import screen_of_step
from .base import AppointmentScreen
from .confirm import ApConfirmScreen
from .days import ApDaysScreen
from .done import ApDoneScreen
from .error import ApErrorScreen
from .lists import ApHallsScreen, ApItemsScreen
from .mine import ApMineScreen
from .progress import ApProgressScreen
from .slots import ApSlotsScreen

SERVICE_ID = "appointment"

SCREEN_OF_STEP = {
    Step.LOADING: "ap_loading",
    Step.HALLS: "ap_halls",
    Step.ITEMS: "ap_items",
    Step.LOADING_DAYS: "ap_loading_days",
    Step.DAYS: "ap_days",
    Step.LOADING_SLOTS: "ap_loading_slots",
    Step.SLOTS: "ap_slots",
    Step.CONFIRM: "ap_confirm",
    Step.BOOKING: "ap_booking",
    Step.DONE: "ap_done",
    Step.LOADING_MINE: "ap_loading_mine",
    Step.MINE: "ap_mine",
    Step.CANCELLING: "ap_cancelling",
    Step.ERROR: "ap_error",
}


def screen_for(flow: AppointmentFlow | None) -> str:
    """The screen that shows the flow's current step (no flow: it could not start)."""
    return screen_of_step(flow, SCREEN_OF_STEP, "ap_error")


def build_screens() -> list[AppointmentScreen]:
    waits = [ApProgressScreen(name=n) for n in ("ap_loading", "ap_loading_days", "ap_loading_slots",
                                                 "ap_booking", "ap_loading_mine", "ap_cancelling")]
    return [*waits, ApHallsScreen(), ApItemsScreen(), ApDaysScreen(), ApSlotsScreen(), ApConfirmScreen(),
            ApDoneScreen(), ApMineScreen(), ApErrorScreen()]


__all__ = ["SERVICE_ID", "AppointmentScreen", "build_screens", "screen_for"]
