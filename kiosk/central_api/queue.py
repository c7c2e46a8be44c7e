"""Central's queue (取号) and check-in (报到) endpoints, as the terminal calls them
(docs/hall-day.md, "Queue and calling"): models and one function per call, all through
``CentralClient.call`` so signing, retries, deadlines and strict parsing are the client's.

Only a birth date leaves the terminal for the green channel; check-in by ID card sends the
ID number and name in the body of one call and nothing here keeps them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict

from kiosk.central_api.client import CentralClient
from kiosk.central_api.models import _Response

TicketKind = str   # normal | appointment | green (central may add kinds: shown as normal)


class QueueCategory(_Response):
    code: str
    name: str
    waiting: int
    estimated_wait_minutes: int | None = None


class QueueCategories(_Response):
    hall: str
    hall_name: str
    categories: list[QueueCategory]


class QueueTicket(_Response):
    label: str
    category: str
    category_name: str
    kind: TicketKind
    people_ahead: int
    estimated_wait_minutes: int | None = None
    hall: str
    hall_name: str
    day: dt.date
    taken_at: AwareDatetime
    offline: bool = False
    follow_url: str = ""


class QueueBlock(_Response):
    day: dt.date
    category: str
    first: int
    last: int


class CheckedInAppointment(BaseModel):
    """The part of central's appointment a check-in screen shows (names come masked)."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)
    code: str = ""
    item_name: str = ""
    date: str = ""
    time: str = ""
    end: str = ""
    hall_name: str = ""


class CheckIn(_Response):
    appointment: CheckedInAppointment
    ticket: QueueTicket


class QueueCentral(Protocol):
    """What the queue flow asks of central (CentralClient through the functions below)."""

    def categories(self) -> QueueCategories: ...
    def take(self, category: str, birth_date: str | None, idempotency_key: str) -> QueueTicket: ...
    def reserve_block(self, category: str) -> QueueBlock: ...
    def checkin_code(self, qr: str, idempotency_key: str) -> CheckIn: ...
    def checkin_person(self, id_number: str, name: str, idempotency_key: str) -> CheckIn: ...


class QueueApi:
    """The queue endpoints on one ``CentralClient`` (the terminal's)."""

    def __init__(self, client: CentralClient) -> None:
        self._client = client

    def categories(self) -> QueueCategories:
        return self._client.call(QueueCategories, "GET", "/queue/categories")

    def take(self, category: str, birth_date: str | None, idempotency_key: str) -> QueueTicket:
        body: dict[str, Any] = {"category": category}
        if birth_date:
            body["birth_date"] = birth_date
        return self._client.call(QueueTicket, "POST", "/queue/tickets", body,
                                 idempotency_key=idempotency_key, ok=(200, 201))

    def reserve_block(self, category: str) -> QueueBlock:
        # A new block on each call: never retried blindly (a lost answer wastes numbers only).
        return self._client.call(QueueBlock, "POST", "/queue/blocks", {"category": category},
                                 ok=(200, 201), retried=False)

    def upload_offline(self, body: dict[str, Any], idempotency_key: str) -> QueueTicket:
        return self._client.call(QueueTicket, "POST", "/queue/tickets/offline", body,
                                 idempotency_key=idempotency_key, ok=(200, 201))

    def checkin_code(self, qr: str, idempotency_key: str) -> CheckIn:
        return self._client.call(CheckIn, "POST", "/appointments/checkin", {"qr": qr},
                                 idempotency_key=idempotency_key, ok=(200, 201))

    def checkin_person(self, id_number: str, name: str, idempotency_key: str) -> CheckIn:
        return self._client.call(CheckIn, "POST", "/appointments/checkin",
                                 {"id_number": id_number, "name": name},
                                 idempotency_key=idempotency_key, ok=(200, 201))
