"""证明打印: the proofs central can issue for the identified citizen, printed on A4.

list (what central can issue for this person) -> issue (central produces the document and
its verification code; the terminal renders the PDF) -> preview of page one -> print (the
job is followed through CUPS to its end) -> done, or a plain reason (paper out: staff must
refill) with a reprint of the same document once the printer is ready again.

Issuing uses one idempotency key per proof per session: choosing the same proof again, or
a retry after a timeout, gets the same document, never a second one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import ClassVar, Protocol

from kiosk.central_api.errors import CentralError, CentralUnavailable, NotEnrolled
from kiosk.central_api.models import IssuedDocument, ProofSummary
from kiosk.flows.base import Flow, Handling, Runner, keeping_alive, thread_runner
from kiosk.flows.deps import FlowDeps
from kiosk.printing.printers import PrintResult
from kiosk.session import Session

log = logging.getLogger(__name__)


class Step(StrEnum):
    LOADING = "loading"
    LIST = "list"
    ISSUING = "issuing"
    PREVIEW = "preview"
    PRINTING = "printing"
    DONE = "done"
    PRINT_FAILED = "print_failed"
    ERROR = "error"


class ProofCentral(Protocol):
    def available_proofs(self, id_number: str, name: str) -> list[ProofSummary]: ...
    def issue_proof(self, proof_code: str, id_number: str, name: str,
                    idempotency_key: str) -> IssuedDocument: ...


class DocumentPrinting(Protocol):
    def a4_ready(self) -> tuple[bool, str]: ...
    def print_document(self, pdf: bytes, *, doc_type: str, doc_number: str, title: str,
                       pages: int, id_number: str | None = None) -> PrintResult: ...


@dataclass(frozen=True)
class ProofView:
    code: str
    name: str
    issuer: str
    description: str


@dataclass(frozen=True)
class RenderedDocument:
    document_number: str
    title: str
    issuer: str
    pdf: bytes
    pages: int
    preview_png: bytes


# issued document (central's model) -> the PDF, its page count and a PNG of page one
Renderer = Callable[[IssuedDocument], RenderedDocument]


class ProofFlow(Flow):
    SERVICE_ID = "proof_print"
    FIRST = Step.LOADING
    ERROR_STEP = Step.ERROR
    TRANSITIONS: ClassVar = {
        Step.LOADING: frozenset({Step.LIST}),
        Step.LIST: frozenset({Step.ISSUING, Step.LOADING}),
        Step.ISSUING: frozenset({Step.PREVIEW, Step.LIST}),
        Step.PREVIEW: frozenset({Step.PRINTING, Step.PRINT_FAILED, Step.LIST}),
        Step.PRINTING: frozenset({Step.DONE, Step.PRINT_FAILED}),
        Step.PRINT_FAILED: frozenset({Step.PRINTING, Step.LIST}),
        Step.DONE: frozenset({Step.LIST}),
        Step.ERROR: frozenset({Step.LOADING}),
    }

    def __init__(
        self,
        session: Session,
        central: ProofCentral,
        printing: DocumentPrinting,
        renderer: Renderer,
        runner: Runner = thread_runner,
    ) -> None:
        super().__init__(session, runner)
        self._central = central
        self._printing = printing
        self._render = renderer
        self._keys: dict[str, str] = {}
        self.proofs: list[ProofView] = []
        self.document: RenderedDocument | None = None
        self.last_print: PrintResult | None = None

    # -- intents ---------------------------------------------------------------------------
    def load(self) -> None:
        self._set(Step.LOADING)
        self._require_card()

        def work() -> None:
            gen = self._generation
            card = self._card_now(gen)
            if card is None:
                return  # the session ended before the work ran
            try:
                found = self._central.available_proofs(card["id_number"], card["name"])
            except CentralUnavailable:
                self._apply(gen, lambda: self._fail("central_unavailable"))
                return
            except CentralError as err:
                self._apply(gen, partial(self._fail, err.code))
                return
            views = [ProofView(p.code, p.name, p.issuer, p.description) for p in found]

            def done() -> None:
                self.proofs = views
                self._set(Step.LIST)

            self._apply(gen, done)

        self._background(work)

    def choose(self, code: str) -> None:
        """Have central issue the proof, render it, and show page one."""
        if self.step is not Step.LIST or not any(p.code == code for p in self.proofs):
            return
        self._require_card()
        key = self._keys.setdefault(code, str(uuid.uuid4()))
        self._touch()
        self._set(Step.ISSUING)

        def work() -> None:
            gen = self._generation
            card = self._card_now(gen)
            if card is None:
                return
            try:
                with keeping_alive(self._touch):
                    issued = self._central.issue_proof(code, card["id_number"], card["name"], key)
                    del card
                    rendered = self._render(issued)
                    del issued
            except CentralUnavailable:
                self._apply(gen, lambda: self._back_to(Step.LIST, "central_unavailable"))
                return
            except CentralError as err:
                self._apply(gen, partial(self._back_to, Step.LIST, err.code))
                return
            log.info("proof %s issued as %s (%d pages)", code, rendered.document_number, rendered.pages)

            def done() -> None:
                self.document = rendered
                self._set(Step.PREVIEW)

            self._apply(gen, done)

        self._background(work)

    def print(self) -> None:
        """Print the previewed document (again, after a failure)."""
        if self.step not in (Step.PREVIEW, Step.PRINT_FAILED) or self.document is None:
            return
        ready, reason = self._printing.a4_ready()
        if not ready:
            self._back_to(Step.PRINT_FAILED, reason)
            return
        self._require_card()
        self._touch()
        self._set(Step.PRINTING)

        def work() -> None:
            # The document and the ID number are looked up when the job starts (not captured
            # by the closure) and let go when it ends.
            gen = self._generation
            with self._lock:
                document = self.document if gen == self._generation else None
            card = self._card_now(gen)
            if document is None or card is None:
                return
            with keeping_alive(self._touch):
                result = self._printing.print_document(
                    document.pdf, doc_type="proof", doc_number=document.document_number,
                    title=document.title, pages=document.pages, id_number=card["id_number"],
                )
            del document, card

            def done() -> None:
                self.last_print = result
                if result.ok:
                    self._set(Step.DONE)
                else:
                    self._back_to(Step.PRINT_FAILED, result.reason)

            self._apply(gen, done)

        self._background(work)

    def back(self) -> None:
        if self.step in (Step.PREVIEW, Step.PRINT_FAILED, Step.DONE):
            with self._lock:
                self.document = None
            self._set(Step.LIST)

    def completed_handling(self) -> Handling | None:
        document = self.document if self.step is Step.DONE else None
        return Handling(self.SERVICE_ID, f"证明打印：{document.title}") if document else None

    def wipe(self) -> None:
        super().wipe()
        with self._lock:
            self.proofs = []
            self.document = None      # the PDF and preview carry the citizen's data
            self.last_print = None
            self._keys.clear()


def build(deps: FlowDeps) -> ProofFlow:
    if deps.central is None:
        raise NotEnrolled()  # the registry says it needs central: the terminal checked
    from kiosk.printing.jobs import ProofRenderer

    return ProofFlow(deps.session, deps.central, deps.printing, ProofRenderer(deps.config))
