"""办件查询: an application's progress, by who the citizen is or by what the receipt says
(docs/casework.md §4).

The tile opens the start screen at once (registry ``identify="optional"``):

- 刷身份证 / 社保卡 / 电子证照码: the card is lent to the flow (``identity_arrived``) and kept
  while the citizen looks at their own applications (a reprint logs whose receipt it was);
  ``mine`` lists them newest first with what they must still do; ``open`` one for its
  timeline, parts and delivery; ``reprint`` prints its 办件受理回执 again (查询码 and QR).
  Back to the start lets the card go (``Session.drop_identity``).
- 输入办件编号 + 查询码, or a receipt's QR scanned (at the start, anywhere in the flow, or at
  the idle home screen: ``receipt_scanned``): central's public view, status and timeline
  only, the applicant masked, no reprint. An old ``TONGBAN-APP:`` receipt has no 查询码;
  central answers it in a per-terminal window.

Refusals stay on the step the citizen asked from with a reason: ``not_found`` (unknown
number and wrong 查询码 alike), ``rate_limited``, ``malformed`` (a scanned code that is not
whole), ``central_unavailable``; a reprint that did not print says the printer's reason.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar, Protocol

from kiosk import hall_time
from kiosk.central_api.errors import CentralError, CentralRejected, CentralUnavailable, NotEnrolled
from kiosk.central_api.models import MineApplication, MineApplications, PublicApplication
from kiosk.flows.base import Flow, Runner, keeping_alive, thread_runner
from kiosk.flows.deps import FlowDeps
from kiosk.flows.progress_query_views import AppView, mine_view, public_view
from kiosk.printing.printers import PrintResult

if TYPE_CHECKING:
    from kiosk.central_api.client import CentralClient
    from kiosk.session import Session

log = logging.getLogger(__name__)

NUMBER = re.compile(r"[A-Za-z0-9-]{1,64}")
CHECK = re.compile(r"[2-9A-HJ-NP-Z]{6}")   # central/tracking.py ALPHABET


class Step(StrEnum):
    START = "start"            # 刷卡 / 输入办件编号 / 扫回执二维码
    ENTER = "enter"            # 办件编号 + 查询码
    LOADING = "loading"
    LIST = "list"              # the identified citizen's applications
    DETAIL = "detail"          # one of them
    PUBLIC = "public"          # the anonymous view of one application
    PRINTING = "printing"      # 补打回执
    ERROR = "error"            # internal


class TrackingCentral(Protocol):
    def mine(self, id_number: str, name: str) -> MineApplications: ...
    def public(self, number: str, check: str | None) -> PublicApplication: ...


class ReceiptReprints(Protocol):
    def ready(self) -> tuple[bool, str]: ...
    def reprint(self, app: MineApplication, card: dict[str, str], item: object = None) -> PrintResult: ...


class ProgressQueryFlow(Flow):
    SERVICE_ID = "progress_query"
    FIRST = Step.START
    ERROR_STEP = Step.ERROR
    _ASK = frozenset({Step.START, Step.ENTER, Step.LOADING})
    TRANSITIONS: ClassVar = {
        Step.START: frozenset({Step.ENTER, Step.LOADING}),
        Step.ENTER: frozenset({Step.START, Step.LOADING}),
        Step.LOADING: frozenset({Step.START, Step.ENTER, Step.LIST, Step.DETAIL, Step.PUBLIC}),
        Step.LIST: frozenset({Step.DETAIL, Step.START, Step.LOADING}),
        Step.DETAIL: frozenset({Step.LIST, Step.PRINTING, Step.START, Step.LOADING}),
        Step.PUBLIC: frozenset({Step.START, Step.ENTER, Step.LOADING}),
        Step.PRINTING: frozenset({Step.DETAIL}),
        Step.ERROR: frozenset({Step.START}),
    }
    KEEPS_ERROR = frozenset({Step.START, Step.ENTER, Step.LIST, Step.DETAIL})

    def __init__(self, session: Session, central: TrackingCentral, receipts: ReceiptReprints | None,
                 zone: dt.tzinfo, runner: Runner = thread_runner) -> None:
        super().__init__(session, runner)
        self._central = central
        self._receipts = receipts
        self._zone = zone
        self._mine: list[MineApplication] = []
        self._lent: int | None = None      # id() of the card whose list is shown
        self._origin: Step = Step.START    # where a refused look-up returns
        self.applications: tuple[AppView, ...] = ()
        self.selected: AppView | None = None
        self.public_app: AppView | None = None
        self.number = ""                   # what was typed or scanned (shown back on ENTER)
        self.printed = False               # the last reprint came out

    # -- reading ---------------------------------------------------------------------------
    @property
    def identified(self) -> bool:
        return self._lent is not None

    def reprint_ready(self) -> tuple[bool, str]:
        """Whether 补打回执 can print now (the button says why not)."""
        if self._receipts is None:
            return False, "no_printer"
        return self._receipts.ready()

    # -- the identified way ----------------------------------------------------------------
    def identity_arrived(self) -> None:
        """A card (or an e-ID code) was lent (device thread): list its holder's applications.
        The same card again (a reader re-reading it) changes nothing."""
        card = self._session.card if self._session is not None else None
        if card is None or id(card) == self._lent or self.step in (Step.PRINTING, Step.ERROR):
            return
        with self._lock:
            self._lent = id(card)
            self._origin = Step.START
            self.selected = self.public_app = None
            self.error = ""
            self.step = Step.LOADING    # from any step: a card is an answer to every screen
        self._changed()
        self._touch()
        gen = self._generation

        def work() -> None:
            fields = self._card_now(gen)
            if fields is None:
                return
            try:
                answer = self._central.mine(fields["id_number"], fields.get("name") or fields.get("name_en", ""))
            except CentralError as err:
                reason = self._reason(err)
                self._apply(gen, lambda: self._refused(reason, drop=True))
                return
            finally:
                del fields
            views = tuple(mine_view(a, self._zone) for a in answer.applications)

            def done() -> None:
                self._mine = list(answer.applications)
                self.applications = views
                self._set(Step.LIST)

            self._apply(gen, done)

        self._background(work)

    def open(self, number: str) -> None:
        """One of the listed applications, with its timeline."""
        if self.step not in (Step.LIST, Step.DETAIL):
            return
        view = next((a for a in self.applications if a.number == number), None)
        if view is None:
            return
        self._touch()
        with self._lock:
            self.selected, self.printed = view, False
        self._set(Step.DETAIL)

    def to_list(self) -> None:
        if self.step is Step.DETAIL:
            self._set(Step.LIST)

    def reprint(self) -> None:
        """补打回执 of the application shown (identified only)."""
        view = self.selected
        app = next((a for a in self._mine if view is not None and a.application_number == view.number), None)
        if self.step is not Step.DETAIL or app is None:
            return
        ready, reason = self.reprint_ready()
        if not ready or self._receipts is None:
            self._set_error(reason or "no_printer")
            return
        receipts = self._receipts
        self._touch()
        with self._lock:
            self.printed = False
        self._set(Step.PRINTING)
        gen = self._generation

        def work() -> None:
            fields = self._card_now(gen)
            if fields is None:
                return
            with keeping_alive(self._touch):
                result = receipts.reprint(app, fields)
            del fields

            def done() -> None:
                self.printed = result.ok
                self._back_to(Step.DETAIL, "" if result.ok else (result.reason or "print_failed"))

            self._apply(gen, done)

        self._background(work)

    # -- the anonymous way -----------------------------------------------------------------
    def enter_number(self) -> None:
        """输入办件编号: the keypads."""
        if self.step in (Step.START, Step.PUBLIC):
            self._touch()
            self._back_to(Step.ENTER, "")

    def lookup(self, number: str, check: str) -> None:
        """The typed 办件编号 and 查询码 (both required when typed)."""
        if self.step is not Step.ENTER:
            return
        number, check = number.strip(), check.strip().upper()
        self.number = number
        if not NUMBER.fullmatch(number):
            self._set_error("number_missing")
            return
        if not CHECK.fullmatch(check):
            self._set_error("check_invalid")
            return
        self._public(number, check, Step.ENTER)

    def receipt_scanned(self, number: str | None, check: str | None, reason: str | None) -> None:
        """A receipt's QR (kiosk.identify.codes APPLICATION_RECEIPT) scanned in this flow or
        at the idle home screen. ``reason`` set: the code is not whole (``malformed``).
        An identified citizen's own application opens in full; anything else publicly."""
        if self.step in (Step.LOADING, Step.PRINTING, Step.ERROR):
            return
        origin = Step.ENTER if self.step is Step.ENTER else Step.START
        if reason or not number:
            self._refused_from(origin, reason or "malformed")
            return
        self._touch()
        if self.identified and any(a.number == number for a in self.applications):
            with self._lock:
                self.selected = next(a for a in self.applications if a.number == number)
                self.printed = False
            self._back_to(Step.DETAIL, "")
            return
        self.number = number
        self._public(number, check, origin)

    def _public(self, number: str, check: str | None, origin: Step) -> None:
        self._touch()
        self._drop_card()
        with self._lock:
            self._origin = origin
            self.public_app = None
            self.step, self.error = Step.LOADING, ""
        self._changed()
        gen = self._generation

        def work() -> None:
            try:
                answer = self._central.public(number, check)
            except CentralError as err:
                reason = self._reason(err)
                self._apply(gen, lambda: self._refused(reason))
                return
            view = public_view(answer, self._zone)

            def done() -> None:
                self.public_app = view
                self._set(Step.PUBLIC)

            self._apply(gen, done)

        self._background(work)

    # -- back ------------------------------------------------------------------------------
    def load(self) -> None:
        """The error screen's 重试: start again."""
        if self.step is Step.ERROR:
            self.restart()

    def back(self) -> None:
        """One step back; from the identified list, the card is let go."""
        if self.step is Step.DETAIL:
            self._set(Step.LIST)
        elif self.step in (Step.LIST, Step.ENTER, Step.PUBLIC, Step.ERROR):
            self.restart()

    def restart(self) -> None:
        """Back to the start screen, nothing of the last answer kept."""
        if self.step in (Step.LOADING, Step.PRINTING):
            return
        self._drop_card()
        with self._lock:
            self.public_app = self.selected = None
            self.number = ""
        self._back_to(Step.START, "")

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _reason(err: CentralError) -> str:
        if isinstance(err, CentralRejected):
            from kiosk.central_api.tracking import refusal
            return refusal(err)
        if isinstance(err, CentralUnavailable):
            return "central_unavailable"
        log.warning("progress query failed: %s", err.code)
        return "central_error"

    def _refused(self, reason: str, drop: bool = False) -> None:
        if drop:
            self._drop_card()
        self._back_to(self._origin, reason)

    def _refused_from(self, origin: Step, reason: str) -> None:
        with self._lock:
            self._origin = origin
        self._back_to(origin, reason)

    def _drop_card(self) -> None:
        """Let the lent card go and forget the list made from it."""
        with self._lock:
            lent, self._lent = self._lent, None
            self._mine, self.applications, self.selected = [], (), None
        if lent is not None and self._session is not None:
            self._session.drop_identity()

    def wipe(self) -> None:
        super().wipe()
        with self._lock:
            self._mine, self.applications = [], ()
            self._lent = None
            self.selected = self.public_app = None
            self.number, self.printed = "", False
            self._origin = Step.START


class _Api:
    """kiosk/central_api/tracking.py bound to one client (what the flow asks for)."""

    def __init__(self, client: CentralClient) -> None:
        self._client = client

    def mine(self, id_number: str, name: str) -> MineApplications:
        from kiosk.central_api import tracking
        return tracking.mine(self._client, id_number, name)

    def public(self, number: str, check: str | None) -> PublicApplication:
        from kiosk.central_api import tracking
        return tracking.public(self._client, number, check)


def build(deps: FlowDeps) -> ProgressQueryFlow:
    if deps.central is None:
        raise NotEnrolled()   # the registry says it needs central: the terminal checked
    from kiosk.printing.jobs import ApplicationReceipts

    receipts = ApplicationReceipts(deps.config, deps.printing) if deps.printing.receipt is not None else None
    return ProgressQueryFlow(deps.session, _Api(deps.central), receipts, hall_time.hall_zone(deps.config))


__all__ = ["ProgressQueryFlow", "Step", "build"]
