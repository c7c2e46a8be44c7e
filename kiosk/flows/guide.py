"""办事指南: the catalogue for anyone, without identifying (docs/casework.md §9).

The tile opens the list at once (registry ``identify="optional"``): every 事项 of central's
catalogue — the cached one when central is away, so the guide works offline — with its
department and ways of handling; a tap shows the item's guide: conditions, materials (免提交
for licences and shared data, 需提交 for paper), the fields asked, fees, time limits, where
to go, the phone, how it is handled from this terminal (全程网办 / 异地代收 / 多地联办 with
its departments) and whether someone else may file it (不可代办). 打印一次性告知单 prints it
on the receipt printer (kiosk/printing/documents/notice.py); the button is shown disabled
with the printer's reason when it cannot print. A card placed meanwhile is let go at once:
the guide needs nobody's identity.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar, Protocol

from kiosk.casework import application_mode
from kiosk.central_api.errors import CentralError, NotEnrolled
from kiosk.central_api.models import Catalogue, Item
from kiosk.flows.base import Flow, Runner, thread_runner
from kiosk.flows.deps import FlowDeps
from kiosk.flows.notice_print import NoticePrinting, NoticeReceiptsLike

if TYPE_CHECKING:
    from kiosk.session import Session

log = logging.getLogger(__name__)


class Step(StrEnum):
    LOADING = "loading"
    LIST = "list"
    DETAIL = "detail"
    ERROR = "error"          # no catalogue at all (never fetched, central away)


class CatalogueSource(Protocol):
    catalogue_is_cached: bool

    def catalogue(self) -> Catalogue: ...


class GuideFlow(Flow):
    SERVICE_ID = "guide"
    FIRST = Step.LOADING
    ERROR_STEP = Step.ERROR
    TRANSITIONS: ClassVar = {
        Step.LOADING: frozenset({Step.LIST}),
        Step.LIST: frozenset({Step.DETAIL, Step.LOADING}),
        Step.DETAIL: frozenset({Step.LIST}),
        Step.ERROR: frozenset({Step.LOADING}),
    }

    def __init__(self, session: Session | None, central: CatalogueSource,
                 receipts: NoticeReceiptsLike | None, region_code: str = "",
                 runner: Runner = thread_runner) -> None:
        super().__init__(session, runner)
        self._central = central
        self.region_code = region_code
        self.items: tuple[Item, ...] = ()
        self.region_names: dict[str, str] = {}
        self.cached = False                    # the list is the kept copy (central away)
        self.item: Item | None = None
        self.notice = NoticePrinting(receipts, self._background, self._changed, self._touch)

    # -- reading ---------------------------------------------------------------------------
    def mode(self, item: Item) -> str:
        """How this terminal files the item (docs/casework.md §2)."""
        return application_mode(item, self.region_code) if self.region_code else (
            "多地联办" if item.joint else "全程网办")

    def region_name(self, code: str) -> str:
        return self.region_names.get(code, f"行政区划代码 {code}")

    # -- intents ---------------------------------------------------------------------------
    def load(self) -> None:
        self._back_to(Step.LOADING, "")
        gen = self._generation

        def work() -> None:
            try:
                catalogue = self._central.catalogue()
            except CentralError as err:
                log.warning("guide: no catalogue (%s)", err.code)
                self._apply(gen, lambda: self._fail("no_catalogue"))
                return
            cached = bool(getattr(self._central, "catalogue_is_cached", False))

            def done() -> None:
                self.items = tuple(catalogue.items)
                self.region_names = {r.code: r.name for r in catalogue.regions}
                self.cached = cached
                self._set(Step.LIST)

            self._apply(gen, done)

        self._background(work)

    def open(self, code: str) -> None:
        if self.step not in (Step.LIST, Step.DETAIL):
            return
        item = next((i for i in self.items if i.code == code), None)
        if item is None:
            return
        self._touch()
        with self._lock:
            self.item = item
        self._set(Step.DETAIL)

    def print_notice(self) -> None:
        """打印一次性告知单 of the item shown."""
        if self.step is Step.DETAIL and self.item is not None:
            self.notice.print(self.item, self.region_names)

    def back(self) -> None:
        if self.step is Step.DETAIL:
            self._touch()
            self._set(Step.LIST)

    def identity_arrived(self) -> None:
        """A card was placed: the guide needs nobody's identity, so it is let go at once."""
        if self._session is not None:
            self._session.drop_identity()

    def wipe(self) -> None:
        super().wipe()
        with self._lock:
            self.item = None
            self.notice.reset()


def build(deps: FlowDeps) -> GuideFlow:
    if deps.central is None:
        raise NotEnrolled()   # the catalogue comes from central (then from its kept copy)
    from kiosk.printing.jobs import NoticeReceipts

    identity = getattr(deps.central, "identity", None)
    region = getattr(identity, "region_code", "") or deps.config.terminal.region_code or ""
    receipts = NoticeReceipts(deps.config, deps.printing, region) if deps.printing.receipt is not None else None
    return GuideFlow(deps.session, deps.central, receipts, region)


__all__ = ["GuideFlow", "Step", "build"]
