"""排队取号 and 报到: a queue ticket without identifying, and check-in of an appointment.

The tile opens the category list at once (registry ``identify="optional"``): categories with
their waiting counts and estimated wait -> a tap takes a ticket (Idempotency-Key: a retry
gets the same ticket) -> printed on the receipt printer -> done. An ID card placed while the
list shows is lent to the flow (``identity_arrived``): only its birth date is kept, for the
green channel (65 or older), and the card is let go at once; central decides the kind.

Central out of reach: the ticket takes the next number of this terminal's reserved block
(kiosk/queue_blocks.py), printed 离线取号 without a wait estimate, its upload committed to the
outbox. No block: no ticket (``no_block``), the screen sends the citizen to the service desk.

报到: an appointment code scanned at an idle screen starts this flow and checks in
(``appointment_scanned``; the code was verified offline first: forged, expired and other-hall
codes never reach central), or 预约报到 on the list asks for the code or the ID card (its ID
number and name go to central in that one call, then the card is let go). Central's refusals
(too_early, too_late, not_today, cancelled, not_found, already_checked_in) come back to the
check-in step with central's detail (the window's alternative); central down: said, with a
normal ticket offered.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, ClassVar, Protocol

from kiosk import hall_time
from kiosk.central_api.errors import CentralError, CentralRejected, CentralUnavailable
from kiosk.central_api.queue import CheckIn, QueueApi, QueueCategories, QueueTicket
from kiosk.flows.base import Flow, Handling, Runner, keeping_alive, thread_runner
from kiosk.flows.deps import FlowDeps
from kiosk.flows.queue_views import (
    CategoryView,
    TicketView,
    is_green,
    offline_ticket,
    online_ticket,
    prepare_blocks,
    ticket_receipt,
)
from kiosk.printing.documents.receipts import ReceiptDocument
from kiosk.printing.printers import PrintResult
from kiosk.queue_blocks import LOW_WATER, QueueBlocks

if TYPE_CHECKING:
    from kiosk.central_api.client import CentralClient
    from kiosk.identify.codes import CodeMeaning
    from kiosk.session import Session

log = logging.getLogger(__name__)


class Step(StrEnum):
    LOADING = "loading"
    CATEGORIES = "categories"
    TAKING = "taking"
    PRINTING = "printing"
    DONE = "done"
    PRINT_FAILED = "print_failed"
    CHECKIN = "checkin"            # scan the appointment code or place the ID card
    CHECKING_IN = "checking_in"
    ERROR = "error"                # no_block (offline, no numbers), internal


class QueueCentral(Protocol):
    base_url: str

    def categories(self) -> QueueCategories: ...
    def take(self, category: str, birth_date: str | None, idempotency_key: str) -> QueueTicket: ...
    def checkin_code(self, qr: str, idempotency_key: str) -> CheckIn: ...
    def checkin_person(self, id_number: str, name: str, idempotency_key: str) -> CheckIn: ...


class ReceiptPrinting(Protocol):
    def receipt_ready(self) -> tuple[bool, str]: ...
    def print_receipt(self, document: ReceiptDocument, id_number: str | None = None) -> PrintResult: ...


# Offline code checks that never reach central (kiosk.identify.codes.CodeReason values).
CODE_REFUSALS = frozenset({"malformed", "forged", "expired", "wrong_hall", "unverifiable"})


class QueueTicketFlow(Flow):
    SERVICE_ID = "queue_ticket"
    FIRST = Step.LOADING
    ERROR_STEP = Step.ERROR
    TRANSITIONS: ClassVar = {
        Step.LOADING: frozenset({Step.CATEGORIES, Step.CHECKIN, Step.CHECKING_IN}),
        Step.CATEGORIES: frozenset({Step.TAKING, Step.CHECKIN, Step.CHECKING_IN, Step.LOADING}),
        Step.TAKING: frozenset({Step.PRINTING, Step.PRINT_FAILED, Step.CATEGORIES}),
        Step.PRINTING: frozenset({Step.DONE, Step.PRINT_FAILED}),
        Step.PRINT_FAILED: frozenset({Step.PRINTING}),
        Step.DONE: frozenset({Step.CHECKIN, Step.CHECKING_IN}),
        Step.CHECKIN: frozenset({Step.CHECKING_IN, Step.CATEGORIES, Step.LOADING}),
        Step.CHECKING_IN: frozenset({Step.PRINTING, Step.PRINT_FAILED, Step.CHECKIN}),
        Step.ERROR: frozenset({Step.LOADING, Step.CHECKIN, Step.CHECKING_IN}),
    }
    KEEPS_ERROR = frozenset({Step.CHECKIN})

    def __init__(self, session: Session, central: QueueCentral | None, blocks: QueueBlocks,
                 printing: ReceiptPrinting, zone: dt.tzinfo, runner: Runner = thread_runner,
                 reserver: object = None) -> None:
        super().__init__(session, runner)
        self._central = central
        self._blocks = blocks
        self._printing = printing
        self._zone = zone
        self._reserver = reserver      # the CentralClient that reserves blocks (prepare_blocks)
        self._keys: dict[tuple[str, ...], str] = {}
        self.categories: list[CategoryView] = []
        self.hall_name = ""
        self.offline = False           # the list came from the reserved blocks
        self.birth_date: str | None = None   # from a card placed on the list: the green channel
        self.green = False
        self.younger = False           # a card was read and its holder is under 65
        self.ticket: TicketView | None = None
        self.checkin_detail = ""       # central's words for a refusal (the window's alternative)
        self.appointment = ""          # the verified code's item and time, while checking in
        self.last_print: PrintResult | None = None

    # -- the list --------------------------------------------------------------------------
    def load(self) -> None:
        self._back_to(Step.LOADING, "")
        gen = self._generation

        def work() -> None:
            views, hall_name, offline, listing = self._fetch()
            if views is None:
                self._apply(gen, lambda: self._fail("no_block"))
                return

            def done() -> None:
                self.categories, self.hall_name, self.offline = views, hall_name, offline
                if self.step is Step.LOADING:   # a code scanned meanwhile goes on checking in
                    self._set(Step.CATEGORIES)

            self._apply(gen, done)
            if listing is not None and self._reserver is not None:
                prepare_blocks(self._reserver, self._blocks, listing)

        self._background(work)

    def _fetch(self) -> tuple[list[CategoryView] | None, str, bool, QueueCategories | None]:
        if self._central is not None:
            try:
                listing = self._central.categories()
            except CentralUnavailable:
                listing = None
            except CentralError as err:
                log.warning("queue categories refused: %s", err.code)
                listing = None
            if listing is not None:
                views = [CategoryView(c.code, c.name, c.waiting, c.estimated_wait_minutes)
                         for c in listing.categories]
                return views, listing.hall_name, False, listing
        kept = self._blocks.categories()
        if not kept:
            return None, "", True, None
        return [CategoryView(c.code, c.name, None, None) for c in kept], "", True, None

    def identity_arrived(self) -> None:
        """A card was placed (device thread): on the list, its birth date is kept for the
        green channel; at 预约报到, its holder is checked in; elsewhere it is let go."""
        if self.step is Step.CHECKIN:
            self._checkin_by_card()
            return
        card = self._card_now(self._generation)
        if self._session is not None:
            self._session.drop_identity()
        if card is None or self.step not in (Step.CATEGORIES, Step.LOADING):
            return
        today = hall_time.today(self._zone)
        green = is_green(card.get("birth_date"), today)
        birth = card.get("birth_date") or None
        del card
        with self._lock:
            self.birth_date = birth
            self.green, self.younger = green, birth is not None and not green
        self._touch()
        self._changed()

    def choose(self, code: str) -> None:
        """Take a ticket of category ``code`` (online, else from the reserved block)."""
        if self.step is not Step.CATEGORIES or not any(c.code == code for c in self.categories):
            return
        ready, reason = self._printing.receipt_ready()
        if not ready:
            self._back_to(Step.CATEGORIES, reason)
            return
        birth = self.birth_date
        key = self._keys.setdefault(("take", code, birth or ""), str(uuid.uuid4()))
        self._touch()
        self._set(Step.TAKING)
        gen = self._generation

        def work() -> None:
            ticket: TicketView | None = None
            if self._central is not None and not self.offline:
                try:
                    ticket = online_ticket(self._central.take(code, birth, key), self._central.base_url)
                except CentralUnavailable:
                    ticket = None
                except CentralError as err:
                    self._apply(gen, partial(self._back_to, Step.CATEGORIES, err.code))
                    return
            if ticket is None:
                taken = self._blocks.take(code, birth, is_green(birth, hall_time.today(self._zone)))
                if taken is None:
                    self._apply(gen, lambda: self._fail("no_block"))
                    return
                ticket = offline_ticket(taken)
            self._print(gen, ticket)
            if not ticket.offline and self._reserver is not None and self._blocks.left(code) < LOW_WATER:
                prepare_blocks(self._reserver, self._blocks)

        self._background(work)

    # -- check-in --------------------------------------------------------------------------
    def start_checkin(self) -> None:
        """预约报到: show the code or place the ID card."""
        if self.step in (Step.CATEGORIES, Step.ERROR, Step.LOADING):
            self._back_to(Step.CHECKIN, "")

    def appointment_scanned(self, text: str, meaning: CodeMeaning) -> None:
        """An appointment code (verified offline by the terminal's code worker)."""
        if self.step in (Step.TAKING, Step.PRINTING, Step.CHECKING_IN, Step.PRINT_FAILED):
            return   # one ticket at a time: a code shown meanwhile is not taken
        appointment = meaning.appointment
        shown = ""
        if appointment is not None and meaning.reason != "forged":
            shown = f"{appointment.item_name}　{appointment.start_text(self._zone)}"
        reason = meaning.reason.value if meaning.reason is not None else ""
        self._touch()
        if reason in CODE_REFUSALS:
            with self._lock:
                self.appointment, self.checkin_detail = shown, ""
            self._back_to(Step.CHECKIN, reason)
            return
        key = self._keys.setdefault(("qr", text), str(uuid.uuid4()))
        self._checkin(lambda central: central.checkin_code(text, key), shown)

    def _checkin_by_card(self) -> None:
        key = self._keys.setdefault(("card",), str(uuid.uuid4()))
        gen = self._generation

        def call(central: QueueCentral) -> CheckIn:
            card = self._card_now(gen)
            if card is None:
                raise CentralRejected(400, "not_found")
            try:
                return central.checkin_person(card["id_number"], card["name"], key)
            finally:
                del card
                if self._session is not None:
                    self._session.drop_identity()   # the card is let go once central answered

        self._checkin(call, "")

    def _checkin(self, call: Callable[[QueueCentral], CheckIn], shown: str) -> None:
        gen = self._generation
        with self._lock:
            self.appointment, self.checkin_detail = shown, ""
        self._back_to(Step.CHECKING_IN, "")

        def work() -> None:
            central = self._central
            if central is None:
                self._apply(gen, partial(self._back_to, Step.CHECKIN, "central_unavailable"))
                if self._session is not None:
                    self._session.drop_identity()
                return
            try:
                answer = call(central)
            except CentralUnavailable:
                self._apply(gen, partial(self._back_to, Step.CHECKIN, "central_unavailable"))
                return
            except CentralRejected as err:
                self._apply(gen, partial(self._refused, err.error, err.detail))
                return
            except CentralError as err:
                self._apply(gen, partial(self._back_to, Step.CHECKIN, err.code))
                return
            when = f"{answer.appointment.item_name}　{answer.appointment.time}".strip("　 ")
            self._print(gen, online_ticket(answer.ticket, central.base_url, when or shown))

        self._background(work)

    def _refused(self, reason: str, detail: str) -> None:
        self.checkin_detail = detail
        self._back_to(Step.CHECKIN, reason)

    # -- printing --------------------------------------------------------------------------
    def _print(self, gen: int, ticket: TicketView) -> None:
        """On the work's thread: show the ticket and print it."""
        def shown() -> None:
            self.ticket = ticket
            self._set(Step.PRINTING)

        self._apply(gen, shown)
        with keeping_alive(self._touch):
            result = self._printing.print_receipt(ticket_receipt(ticket, self._zone))
        log.info("queue ticket %s printed: %s", ticket.label, result.ok)

        def done() -> None:
            self.last_print = result
            if result.ok:
                self._set(Step.DONE)
            else:
                self._back_to(Step.PRINT_FAILED, result.reason)

        self._apply(gen, done)

    def reprint(self) -> None:
        if self.step is not Step.PRINT_FAILED or self.ticket is None:
            return
        ticket, gen = self.ticket, self._generation
        self._set(Step.PRINTING)
        self._background(lambda: self._print(gen, ticket))

    def back(self) -> None:
        """From 预约报到 (or a refusal) back to the list; the list again after an error."""
        if self.step is Step.CHECKIN:
            self._set(Step.CATEGORIES if self.categories else Step.LOADING)
            if self.step is Step.LOADING:
                self.load()
        elif self.step is Step.ERROR:
            self.load()

    def completed_handling(self) -> Handling | None:
        ticket = self.ticket if self.step is Step.DONE else None
        if ticket is None:
            return None
        what = "预约报到" if ticket.kind == "appointment" else "排队取号"
        return Handling(self.SERVICE_ID, f"{what}：{ticket.category_name} {ticket.label}")

    def wipe(self) -> None:
        super().wipe()
        with self._lock:
            self.categories = []
            self.birth_date = None
            self.green = self.younger = False
            self.ticket = None
            self.checkin_detail = self.appointment = ""
            self.last_print = None
            self._keys.clear()


class _Api(QueueApi):
    """QueueApi with its client's address (follow links central gives may be relative)."""

    def __init__(self, client: CentralClient) -> None:
        super().__init__(client)
        self.base_url: str = client.base_url


def build(deps: FlowDeps) -> QueueTicketFlow:
    zone = hall_time.hall_zone(deps.config)
    blocks = QueueBlocks(deps.outbox.store, deps.outbox, zone)
    central = _Api(deps.central) if deps.central is not None else None
    return QueueTicketFlow(deps.session, central, blocks, deps.printing, zone, reserver=deps.central)


__all__ = ["QueueTicketFlow", "Step", "build", "prepare_blocks"]
