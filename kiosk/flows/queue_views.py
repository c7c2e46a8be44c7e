"""What the 排队取号 screens read of the flow, and what goes on paper: categories with their
waiting counts, the ticket (online, offline or a check-in's), the green channel's age rule,
the ticket receipt, and the reservation of offline blocks while central answers.

Nothing here holds a person's name or ID number; a birth date lives on the flow only until
the session's wipe.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from urllib.parse import urljoin

from kiosk.central_api.errors import CentralError
from kiosk.central_api.queue import QueueApi, QueueCategories, QueueTicket
from kiosk.printing.documents.receipts import ReceiptDocument, queue_ticket
from kiosk.queue_blocks import OfflineTicket, QueueBlocks

log = logging.getLogger(__name__)

GREEN_AGE = 65   # 65 or older by the birth date on the ID card: 绿色通道


@dataclass(frozen=True)
class CategoryView:
    code: str
    name: str
    waiting: int | None               # None: not known (offline)
    wait_minutes: int | None          # None: not known


@dataclass(frozen=True)
class TicketView:
    """A ticket as the screen and the receipt show it."""

    label: str
    category_name: str
    kind: str                         # normal | green | appointment
    people_ahead: int | None          # None: offline, not known
    wait_minutes: int | None
    hall_name: str
    taken_at: dt.datetime
    offline: bool
    follow_url: str = ""
    appointment: str = ""             # a check-in's item and time


def age_on(birth_date: str, today: dt.date) -> int | None:
    """Full years on ``today`` for an ISO ``birth_date`` (None when it is not a date)."""
    try:
        born = dt.date.fromisoformat(birth_date)
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def is_green(birth_date: str | None, today: dt.date) -> bool:
    age = age_on(birth_date, today) if birth_date else None
    return age is not None and age >= GREEN_AGE


def online_ticket(ticket: QueueTicket, base_url: str, appointment: str = "") -> TicketView:
    follow = urljoin(base_url.rstrip("/") + "/", ticket.follow_url) if ticket.follow_url else ""
    return TicketView(ticket.label, ticket.category_name, ticket.kind, ticket.people_ahead,
                      ticket.estimated_wait_minutes, ticket.hall_name, ticket.taken_at,
                      ticket.offline, follow, appointment)


def offline_ticket(ticket: OfflineTicket) -> TicketView:
    return TicketView(ticket.label, ticket.category_name, "green" if ticket.green else "normal",
                      None, None, ticket.hall_name, ticket.taken_at, True)


def ticket_receipt(ticket: TicketView, zone: dt.tzinfo) -> ReceiptDocument:
    return queue_ticket(
        hall_name=ticket.hall_name, ticket_number=ticket.label, service=ticket.category_name,
        waiting=ticket.people_ahead, issued_at=ticket.taken_at, qr_data=ticket.follow_url or None,
        zone=zone, kind=ticket.kind, offline=ticket.offline, wait_minutes=ticket.wait_minutes,
        appointment=ticket.appointment,
    )


def prepare_blocks(central: object, blocks: QueueBlocks, listing: QueueCategories | None = None) -> int:
    """Reserve today's offline blocks (each category's, if missing or low) while central
    answers; what fails is logged and left for the next time (a list shown online, a ticket
    taken online, the next start). ``listing``: the categories just fetched, if any. Returns
    how many blocks were reserved."""
    from kiosk.central_api.client import CentralClient

    if not isinstance(central, CentralClient):
        return 0
    api = QueueApi(central)
    try:
        listing = listing or api.categories()
        return blocks.refresh(api, listing.categories, listing.hall, listing.hall_name)
    except CentralError as err:
        log.info("queue blocks not reserved now: %s", err.code)
        return 0
