"""How a proof print ended: printed (take it from the tray), failed (the reason in words, a
reprint of the same document once the printer is ready), or the service could not run at
all (central unreachable ...)."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import StringProperty

from kiosk.flows.proofs import ProofFlow

from .. import printing_words as print_words
from ..common.outcome import ErrorScreen
from .base import ProofScreen


def _document_line(flow: ProofFlow | None) -> str:
    document = flow.document if flow is not None else None
    if document is None:
        return ""
    return f"{document.title}　{print_words.pages(document.pages)}\n证明编号 {document.document_number}"


class DocumentOutcome(ProofScreen):
    """How printing the document ended, with the document's title, pages and number."""

    document = StringProperty("")

    def show_flow(self, flow: ProofFlow | None) -> None:
        super().show_flow(flow)
        self.document = _document_line(flow)

    def clear_flow(self) -> None:
        super().clear_flow()
        self.document = ""


class ProofDoneScreen(DocumentOutcome):
    """Printed: take the proof from the tray, print another or finish."""


class ProofFailedScreen(DocumentOutcome):
    message = StringProperty("")

    def show_flow(self, flow: ProofFlow | None) -> None:
        super().show_flow(flow)
        self.message = print_words.print_failed(flow.error) if flow is not None else ""

    def reprint(self) -> None:
        if self._flow is not None:
            self._flow.print()

    def clear_flow(self) -> None:
        super().clear_flow()
        self.message = ""


class ProofErrorScreen(ErrorScreen[ProofFlow], ProofScreen):
    def error_words(self, error: str) -> str:
        return print_words.proof_error(error)

    def leave(self) -> None:
        App.get_running_app().finish_session()
