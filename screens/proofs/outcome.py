"""How a proof print ended: printed (take it from the tray), failed (the reason in words, a
reprint of the same document once the printer is ready), or the service could not run at
all (central unreachable ...)."""

from __future__ import annotations

from kivy.properties import BooleanProperty, OptionProperty, StringProperty
from kivy.uix.label import Label

from kiosk.flows.proofs import ProofFlow

from .. import words
from .base import ProofScreen


class ProofMark(Label):
    tone = OptionProperty("success", options=["success", "danger"])


def _document_line(flow: ProofFlow | None) -> str:
    document = flow.document if flow is not None else None
    if document is None:
        return ""
    return f"{document.title}　{words.pages(document.pages)}\n证明编号 {document.document_number}"


class ProofDoneScreen(ProofScreen):
    document = StringProperty("")
    _flow: ProofFlow | None = None

    def show_flow(self, flow: ProofFlow | None) -> None:
        self._flow = flow
        self.document = _document_line(flow)

    def back(self) -> None:
        if self._flow is not None:
            self._flow.back()

    def clear_flow(self) -> None:
        self._flow = None
        self.document = ""


class ProofFailedScreen(ProofScreen):
    message = StringProperty("")
    document = StringProperty("")
    _flow: ProofFlow | None = None

    def show_flow(self, flow: ProofFlow | None) -> None:
        self._flow = flow
        self.message = words.print_failed(flow.error) if flow is not None else ""
        self.document = _document_line(flow)

    def reprint(self) -> None:
        if self._flow is not None:
            self._flow.print()

    def back(self) -> None:
        if self._flow is not None:
            self._flow.back()

    def clear_flow(self) -> None:
        self._flow = None
        self.message = self.document = ""


class ProofErrorScreen(ProofScreen):
    message = StringProperty("")
    can_retry = BooleanProperty(False)
    _flow: ProofFlow | None = None

    def show_flow(self, flow: ProofFlow | None) -> None:
        self._flow = flow
        # No flow: the terminal could not start one (not enrolled with a central).
        self.message = words.proof_error(flow.error if flow is not None else "not_enrolled")
        self.can_retry = flow is not None

    def retry(self) -> None:
        if self._flow is not None:
            self._flow.load()

    def clear_flow(self) -> None:
        self._flow = None
        self.message = ""
        self.can_retry = False
