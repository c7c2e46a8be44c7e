"""一证通办: from an ID card read to a filed application.

items (what this person can complete with the ID card alone) -> detail (materials, each
免提交 or still needed) -> company (legal representatives of a company item give its unified
social credit code) -> form (remaining fields, prefilled from the card and licences) ->
confirm -> submit (committed to the outbox first, then delivered) -> result.

Central down: the cached catalogue still lists items and shows their 办事指南; eligibility
cannot be checked up front, so the citizen is told, and a confirmed application waits in the
outbox with a local receipt number until central takes it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from kiosk.capture.pages import PageSet
from kiosk.central_api.errors import CentralError, CentralRejected, CentralUnavailable, NotEnrolled
from kiosk.central_api.models import (
    ApplicationRequest,
    Item,
)
from kiosk.flows import yizheng_collect as collect
from kiosk.flows.base import Handling, IllegalTransition, Runner, thread_runner
from kiosk.flows.deps import FlowDeps
from kiosk.flows.notice_print import NoticePrinting, NoticeReceiptsLike
from kiosk.flows.yizheng_agent import AgentSteps
from kiosk.flows.yizheng_collect import Collect
from kiosk.flows.yizheng_collect_steps import CollectSteps
from kiosk.flows.yizheng_ports import CentralLike, OutboxLike, ReceiptsLike
from kiosk.flows.yizheng_printing import PrintingSteps
from kiosk.flows.yizheng_steps import Step
from kiosk.flows.yizheng_views import (
    Context,
    FieldState,
    ItemView,
    MaterialView,
    ResultView,
    context_of,
    exempt,
    item_views,
    material_views,
    result_view,
)
from kiosk.forms import prefill_value, valid_uscc, validate_form
from kiosk.session import Session

if TYPE_CHECKING:
    from drivers.contracts import DocumentCamera
    from kiosk.capture.settings import CaptureSettings

log = logging.getLogger(__name__)

DELIVER_WAIT_S = 6.0  # how long the citizen waits for the 办件编号 before getting the local receipt


class YizhengFlow(AgentSteps, CollectSteps, PrintingSteps):
    SERVICE_ID = "yizheng_tongban"
    FIRST = Step.LOADING
    ERROR_STEP = Step.ERROR
    KEEPS_ERROR = frozenset({Step.ERROR, Step.COMPANY})
    TRANSITIONS: ClassVar = {
        Step.LOADING: frozenset({Step.ITEMS, Step.COMPANY, Step.FORM}),
        Step.ITEMS: frozenset({Step.DETAIL, Step.AGENT_PRINCIPAL}),
        Step.AGENT_PRINCIPAL: frozenset({Step.ITEMS, Step.AGENT_RELATION}),
        Step.AGENT_RELATION: frozenset({Step.AGENT_PRINCIPAL, Step.AGENT_AUTHORITY}),
        Step.AGENT_AUTHORITY: frozenset({Step.AGENT_RELATION, Step.AGENT_LETTER, Step.LOADING}),
        Step.AGENT_LETTER: frozenset({Step.AGENT_AUTHORITY, Step.LOADING}),
        Step.DETAIL: frozenset({Step.ITEMS, Step.COMPANY, Step.FORM}),
        Step.COMPANY: frozenset({Step.DETAIL, Step.LOADING}),
        Step.FORM: frozenset({Step.DETAIL, Step.MATERIALS, Step.DELIVERY, Step.CONFIRM}),
        Step.MATERIALS: frozenset({Step.FORM, Step.DELIVERY, Step.CONFIRM}),
        Step.DELIVERY: frozenset({Step.FORM, Step.MATERIALS, Step.CONFIRM}),
        Step.CONFIRM: frozenset({Step.FORM, Step.MATERIALS, Step.DELIVERY, Step.SUBMITTING}),
        Step.SUBMITTING: frozenset({Step.RESULT}),
        Step.RESULT: frozenset(),
        Step.ERROR: frozenset({Step.ITEMS, Step.LOADING}),
    }

    def __init__(
        self,
        session: Session,
        central: CentralLike,
        outbox: OutboxLike,
        request_factory: Callable[[dict[str, Any]], ApplicationRequest],
        runner: Runner = thread_runner,
        receipts: ReceiptsLike | None = None,
        camera: DocumentCamera | None = None,
        region_code: str = "",
        hall_name: str = "",
        zone: dt.tzinfo | None = None,
        capture: CaptureSettings | None = None,
        notices: NoticeReceiptsLike | None = None,
    ) -> None:
        super().__init__(session, runner)
        # 打印一次性告知单 on the item page (docs/casework.md §9; kiosk/flows/notice_print.py).
        self.notice = NoticePrinting(notices, self._background, self._changed, self._touch)
        # Every photographed page of this visit (paper materials here, 代办's authorization
        # letter in yizheng_agent.py): in memory only, wiped at the end.
        self.pages = PageSet()
        self.collect = Collect(camera, self.pages, region_code, hall_name, zone, capture,
                               run=self._background, changed=self._changed)
        self._agent_init()   # 帮办代办 (kiosk/flows/yizheng_agent.py)
        self._receipts = receipts
        self._central = central
        self._outbox = outbox
        self._request_factory = request_factory  # builds an ApplicationRequest from a dict
        self.catalogue_cached = False
        self._catalogue: dict[str, Item] = {}
        self._ctx = Context()
        self._company_ctx = Context()
        self.company_name = ""
        self.company_uscc = ""
        self.item: Item | None = None
        self.fields: list[FieldState] = []
        self.result: ResultView | None = None
        # The 办件受理回执: "" (not printed), printing, printed, failed (receipt_error says why)
        self.receipt_state = ""
        self.receipt_error = ""

    # -- queries ---------------------------------------------------------------------------
    @property
    def offline(self) -> bool:
        return self._ctx.offline

    def items(self) -> list[ItemView]:
        """Items for this person: online, the ones completable with the card alone first."""
        return item_views(self._catalogue.values(), self._ctx)

    def materials(self) -> list[MaterialView]:
        if self.item is None:
            return []
        return material_views(self.item, self._ctx, self._company_ctx)

    def missing_required(self) -> list[MaterialView]:
        return [m for m in self.materials() if m.required and not m.exempt]

    # -- intents ---------------------------------------------------------------------------
    def load(self) -> None:
        self._set(Step.LOADING)
        self._require_card()

        def work() -> None:
            gen = self._generation
            try:
                catalogue = self._central.catalogue()
            except CentralUnavailable:
                self._apply(gen, lambda: self._fail("central_unavailable_no_catalogue"))
                return
            except CentralError as err:
                self._apply(gen, partial(self._fail, err.code))
                return
            cached = bool(getattr(self._central, "catalogue_is_cached", False))
            ctx = Context()
            card = self._card_now(gen)
            if card is None:
                return  # the session ended while the catalogue came
            try:
                person = self._central.person_context(card["id_number"], card["name"])
                del card
                ctx = context_of(person)
            except CentralUnavailable:
                ctx.offline = True
            except CentralError as err:
                self._apply(gen, partial(self._fail, err.code))
                return

            def done() -> None:
                self._catalogue = {item.code: item for item in catalogue.items}
                self.collect.regions = collect.region_names(catalogue.regions)
                self.catalogue_cached = cached
                self._ctx = ctx
                self._set(Step.ITEMS)

            self._apply(gen, done)

        self._background(work)

    def select_item(self, code: str) -> None:
        if self.agent_refuses(code):
            self._set_error("agent_not_allowed")   # 本事项须本人办理，不可代办
            return
        with self._lock:
            self.item = self._catalogue.get(code)
            if self.item is None:
                return
            self._company_ctx = Context()
            self.company_name = self.company_uscc = ""
            self.fields = []
            self.collect.start(self.item)
        self._touch()
        self._set(Step.DETAIL)

    def can_apply(self) -> bool:
        """Filing needs every required material exempt or photographable here (and, online,
        the item eligible)."""
        if self.item is None:
            return False
        if self.agent_refuses(self.item.code):
            return False
        if self.item.applicant_kind == "company":
            return not self._ctx.offline
        if not self._ctx.offline and self.item.code not in self._ctx.eligible:
            return False
        return not self.collect.unsatisfied(self.missing_required())

    def begin_form(self) -> None:
        if self.item is None:
            return
        self._touch()
        if self.item.applicant_kind == "company" and not self.company_uscc:
            self._set(Step.COMPANY)
            return
        if not self.can_apply():
            return
        self._build_fields()
        self._set(Step.FORM)

    def submit_company(self, code: str) -> None:
        code = code.strip().upper()
        self._touch()
        if not valid_uscc(code):
            self._set_error("invalid_uscc")
            return
        self._require_card()
        self._set(Step.LOADING)

        def work() -> None:
            gen = self._generation
            card = self._applicant_now(gen)
            if card is None:
                return
            try:
                company = self._central.company_context(code, card["id_number"])
            except CentralUnavailable:
                self._apply(gen, lambda: self._back_to(Step.COMPANY, "central_unavailable"))
                return
            except CentralRejected as err:
                self._apply(gen, partial(self._back_to, Step.COMPANY, err.code))
                return
            if not company.known:
                self._apply(gen, lambda: self._back_to(Step.COMPANY, "company_unknown"))
                return
            if not company.is_representative:
                self._apply(gen, lambda: self._back_to(Step.COMPANY, "not_representative"))
                return

            def done() -> None:
                self.company_uscc = code
                self.company_name = company.company_name or ""
                self._company_ctx = context_of(company)
                if self.item is not None and self.item.code not in self._company_ctx.eligible:
                    self._back_to(Step.COMPANY, "company_not_eligible")
                    return
                self._build_fields()
                self._set(Step.FORM)

            self._apply(gen, done)

        self._background(work)

    def set_value(self, key: str, value: str) -> None:
        self._touch()
        for f in self.fields:
            if f.key == key:
                f.value = value
                f.error = ""
        self._changed()

    def confirm_form(self) -> bool:
        self._touch()
        errors = validate_form(self.item.fields if self.item else [], {f.key: f.value for f in self.fields})
        for f in self.fields:
            f.error = errors.get(f.key, "")
        if errors:
            self._changed()
            return False
        self._set(Step(self.collect.after_form(self.item)) if self.item else Step.CONFIRM)
        return True

    def back(self) -> None:
        self._touch()
        if self.step in (Step.AGENT_PRINCIPAL, Step.AGENT_RELATION, Step.AGENT_AUTHORITY, Step.AGENT_LETTER):
            self.agent_back()
            return
        previous = {
            Step.DETAIL: Step.ITEMS, Step.COMPANY: Step.DETAIL, Step.FORM: Step.DETAIL,
            Step.CONFIRM: Step.FORM, Step.ERROR: Step.ITEMS,
        }.get(self.step)
        if self.item is not None and self.step in (Step.MATERIALS, Step.DELIVERY, Step.CONFIRM):
            previous = Step(self.collect.back_from(str(self.step), self.item))
        if previous is not None:
            self._back_to(previous, "")

    def submit(self) -> None:
        """Commit to the outbox (nothing is lost from here on), then try to deliver at once."""
        if self.step is not Step.CONFIRM or self.item is None:
            return
        if self.pending_notice() is not None and not self.collect.duplicate_ack:
            self._set_error("pending_unconfirmed")   # 仍要提交 first (submit_anyway)
            return
        # Handed to the work through a box it empties: once committed, the request (name, ID
        # number, form) is no longer held while delivery and the receipt take their time.
        card = self._applicant()   # the principal while filing for them (帮办代办)
        box = [self._request_factory(self._request(card))]
        self.collect.draft_handover(self.item, card)
        del card
        pages = self.pages.pages()   # in the order of the request's evidence refs
        self._set(Step.SUBMITTING)
        item_name = self.item.name

        def work() -> None:
            # The local commit (an fsync'd, encrypted row) runs here, off the UI thread; once
            # it returns nothing is lost, whatever happens to central or the power.
            gen = self._generation
            request = box.pop()
            submission = (self._outbox.submit_application(request, evidence=pages) if pages
                          else self._outbox.submit_application(request))
            del request
            log.info("application committed locally as %s", submission.local_receipt)
            outcome = self._outbox.deliver_now(submission.local_receipt, DELIVER_WAIT_S)
            view = result_view(outcome, item_name)

            def done() -> None:
                self.result = view
                self._set(Step.RESULT)

            self._apply(gen, done)
            if view.error == "" and self._receipts is not None:
                # Printed at once when the printer is ready; else the reason shows up front
                # and the citizen can ask again after staff fixed the printer.
                self._print_receipt(gen)
                self._print_handover(gen)

        self._background(work)

    # -- helpers ---------------------------------------------------------------------------
    def _build_fields(self) -> None:
        if self.item is None:
            return
        card = self._applicant()
        licences = {**self._ctx.licences, **self._company_ctx.licences}
        self.fields = [
            FieldState(f.key, f.label, f.type, f.required, list(f.options),
                       value=prefill_value(f.prefill, card, licences))
            for f in self.item.fields
        ]

    def _request(self, card: dict[str, str]) -> dict[str, Any]:
        if self.item is None:
            raise IllegalTransition("一证通办: nothing to submit without an item")
        materials = [
            {"code": m.code, "source": m.source, "ref": m.licence_type or m.code}
            for m in self.item.materials
            if exempt(m, self._ctx, self._company_ctx)
        ]
        company = {"uscc": self.company_uscc, "name": self.company_name} if self.company_uscc else None
        return {
            "item_code": self.item.code,
            "applicant": {"kind": self.item.applicant_kind, "id_number": card["id_number"],
                          "name": card["name"] or card.get("name_en", "")},
            "company": company,
            "agent": self._agent_body(),
            "form": {f.key: f.value.strip() for f in self.fields if f.value.strip()},
            "materials": materials,
            "submitted_at": dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"),
            **self.collect.request_parts(self.item),
        }

    def completed_handling(self) -> Handling | None:
        """好差评: an application filed (kept locally or at central)."""
        result, item = self.result, self.item
        if self.step is not Step.RESULT or result is None or result.error or item is None:
            return None
        return Handling(self.SERVICE_ID, f"一证通办：{item.name}", item.code,
                        result.application_number or None, result.local_receipt or None)

    def print_notice(self) -> None:
        """打印一次性告知单 of the item shown: nothing personal on it (docs/casework.md §9)."""
        if self.item is not None:
            self.notice.print(self.item)

    def wipe(self) -> None:
        super().wipe()
        with self._lock:
            self._ctx = Context()
            self._company_ctx = Context()
            self.fields = []
            self.item = None
            self.result = None
            self.receipt_state = self.receipt_error = ""
            self.company_name = self.company_uscc = ""
        self._agent_wipe()
        self.notice.reset()
        self.collect.wipe()
        self.pages.wipe()


def build(deps: FlowDeps) -> YizhengFlow:
    if deps.central is None:
        raise NotEnrolled()  # the registry says it needs central: the terminal checked
    from kiosk import hall_time
    from kiosk.central_api import ApplicationRequest
    from kiosk.printing.jobs import ApplicationReceipts, NoticeReceipts

    receipts = (ApplicationReceipts(deps.config, deps.printing)
                if deps.printing.receipt is not None else None)
    # The region and hall this terminal enrolled in (central decides the mode from the
    # enrollment's region too); the site configuration's when the enrollment names none.
    identity = getattr(deps.central, "identity", None)
    region = getattr(identity, "region_code", "") or deps.config.terminal.region_code
    hall = getattr(identity, "hall_name", "") or deps.config.terminal.hall_name
    return YizhengFlow(deps.session, deps.central, deps.outbox, ApplicationRequest.model_validate,
                       receipts=receipts, camera=deps.camera, region_code=region, hall_name=hall,
                       zone=hall_time.hall_zone(deps.config),
                       capture=getattr(deps.config, "capture", None),
                       notices=(NoticeReceipts(deps.config, deps.printing, region)
                                if deps.printing.receipt is not None else None))
