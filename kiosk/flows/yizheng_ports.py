"""What the 一证通办 flow needs from central, the receipt printer and the outbox: the narrow
interfaces the flow is written against (the real objects and the tests' fakes satisfy them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from kiosk.capture.pages import Page
from kiosk.central_api.models import (
    ApplicationRequest,
    Catalogue,
    CompanyContext,
    Item,
    PersonContext,
)
from kiosk.flows.yizheng_views import ResultView
from kiosk.outbox_rows import Submission
from kiosk.printing.documents.handover import HandoverData
from kiosk.printing.printers import PrintResult


class CentralLike(Protocol):
    catalogue_is_cached: bool

    def catalogue(self) -> Catalogue: ...
    def person_context(self, id_number: str, name: str) -> PersonContext: ...
    def company_context(self, uscc: str, representative_id_number: str) -> CompanyContext: ...


class ReceiptsLike(Protocol):
    """Prints the 办件受理回执 of a result (kiosk/printing/jobs.py)."""

    def ready(self) -> tuple[bool, str]: ...
    def print_receipt(self, result: ResultView, card: dict[str, str], item: Item | None,
                      agent_masked: str = "") -> PrintResult: ...
    def print_handover(self, result: ResultView, draft: HandoverData) -> PrintResult: ...


class OutboxLike(Protocol):
    def submit_application(self, request: ApplicationRequest,
                           evidence: Sequence[Page] = ()) -> Submission: ...
    def deliver_now(self, local_receipt: str, timeout: float) -> Submission: ...
