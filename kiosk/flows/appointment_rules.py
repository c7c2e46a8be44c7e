"""预约办事's decisions that need no central and no session: where a refusal of a booking
sends the citizen, which days the calendar asks for, whether an appointment may still be
cancelled, and the steps of the flow. Plain data and functions (the flow and its tests use
them; screens read the step names)."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

from kiosk.central_api.booking import Appointment
from kiosk.central_api.errors import CentralError, CentralRejected

DAYS_SHOWN = 14   # the calendar: today and the next 13 days (the rules allow 7 working days)


class Step(StrEnum):
    LOADING = "loading"              # the halls this terminal books for
    HALLS = "halls"                  # only when central gives several
    ITEMS = "items"
    LOADING_DAYS = "loading_days"
    DAYS = "days"                    # the calendar
    LOADING_SLOTS = "loading_slots"
    SLOTS = "slots"
    CONFIRM = "confirm"
    BOOKING = "booking"
    DONE = "done"                    # booked; the slip prints (or says why not)
    LOADING_MINE = "loading_mine"
    MINE = "mine"                    # 我的预约
    CANCELLING = "cancelling"
    ERROR = "error"


# A refused booking: the step the citizen acts from next ("" = the flow cannot go on here:
# the error step). Slot-level reasons go back to the (refreshed) times, day-level ones to
# the (refreshed) calendar.
AFTER_REFUSAL: dict[str, Step | None] = {
    "full": Step.LOADING_SLOTS,
    "too_soon": Step.LOADING_SLOTS,
    "closed": Step.LOADING_SLOTS,
    "too_far": Step.LOADING_DAYS,
    "calendar_unknown": Step.LOADING_DAYS,
    "duplicate": Step.LOADING_DAYS,
    "suspended": None,
    "invalid_id": None,
    "not_found": None,
}

# Central did not answer a booking (or answered garbage): it may have booked. The citizen
# retries from the confirmation, with the same Idempotency-Key, or looks in 我的预约.
UNCONFIRMED = "book_unconfirmed"

_DATE = re.compile(r"(20[0-9]{2})-([01][0-9])-([0-3][0-9])")


def after_refusal(reason: str) -> Step | None:
    """Where a booking refused for ``reason`` goes (an unknown reason: the confirmation)."""
    return AFTER_REFUSAL.get(reason, Step.CONFIRM)


def date_in(detail: str) -> dt.date | None:
    """The first ISO date in a refusal's detail (``suspended`` names when it ends)."""
    match = _DATE.search(detail or "")
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def can_cancel(appointment: Appointment, now: dt.datetime) -> bool:
    """Whether the terminal offers 取消预约: booked, and the cancel deadline not passed
    (central decides in the end: ``too_late``)."""
    if appointment.status != "booked":
        return False
    return appointment.cancel_until is None or now < appointment.cancel_until


def person_name(card: dict[str, str]) -> str:
    """The name central books under: the Chinese name, else the English one (foreigners)."""
    return card.get("name") or card.get("name_en", "")


def reason_of(err: CentralError) -> str:
    """The reason to show for a failed call: central's refusal, else the kind of failure."""
    if isinstance(err, CentralRejected):
        return err.error
    return "invalid_response" if err.code == "invalid_response" else "central_unavailable"
