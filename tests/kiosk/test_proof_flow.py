"""证明打印 without a window: central and the printers stand in at their boundary.

The real path (central, PDF, CUPS queue) runs in tests/kiosk/test_printing_e2e.py and the UI
tests; here the flow's decisions: one document per proof per session, preview before
print, paper out ends in a reason and a reprint of the same document, the wipe.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kiosk.central_api.errors import CentralUnavailable
from kiosk.flows.base import inline_runner
from kiosk.flows.proofs import ProofFlow, RenderedDocument, Step
from kiosk.printing.printers import PrintResult
from kiosk.session import Session
from tests.support.cards import make_card


@dataclass
class Summary:
    code: str
    name: str
    issuer: str
    description: str


class FakeCentral:
    def __init__(self) -> None:
        self.down = False
        self.issued: list[tuple[str, str]] = []

    def available_proofs(self, id_number: str, name: str) -> list[Summary]:
        if self.down:
            raise CentralUnavailable("connect_failed")
        return [Summary("shebao_canbao", "社会保险参保证明", "晋城市社会保险事业服务中心", "参保缴费情况"),
                Summary("huji", "户籍证明", "晋城市公安局", "")]

    def issue_proof(self, proof_code: str, id_number: str, name: str, idempotency_key: str) -> dict[str, Any]:
        if self.down:
            raise CentralUnavailable("connect_failed")
        self.issued.append((proof_code, idempotency_key))
        return {"document_number": f"140500-{proof_code}-1", "title": "社会保险参保证明"}


def render(issued: dict[str, Any]) -> RenderedDocument:
    return RenderedDocument(issued["document_number"], issued["title"], "晋城市社会保险事业服务中心",
                            b"%PDF-1.4 fake", 2, b"\x89PNG fake")


class FakePrinting:
    def __init__(self) -> None:
        self.paper = True
        self.fail_next = ""
        self.jobs: list[tuple[str, str | None]] = []

    def a4_ready(self) -> tuple[bool, str]:
        return (True, "") if self.paper else (False, "paper_out")

    def print_document(self, pdf: bytes, *, doc_type: str, doc_number: str, title: str,
                       pages: int, id_number: str | None = None) -> PrintResult:
        if self.fail_next:
            reason, self.fail_next = self.fail_next, ""
            return PrintResult(False, "E", "7", 0, reason)
        self.jobs.append((doc_number, id_number))
        return PrintResult(True, "E", "8", pages)


@pytest.fixture
def parts(tmp_path: Path) -> tuple[ProofFlow, FakeCentral, FakePrinting]:
    session = Session(idle_timeout=60, idle_warning=15, removal_grace=5, temp_root=tmp_path)
    session.identity_read(make_card(), "proof_print")
    assert session.confirm()
    central, printing = FakeCentral(), FakePrinting()
    return ProofFlow(session, central, printing, render, runner=inline_runner), central, printing


def test_choose_preview_print_done(parts: tuple[ProofFlow, FakeCentral, FakePrinting]) -> None:
    flow, central, printing = parts
    flow.load()
    assert flow.step is Step.LIST and [p.code for p in flow.proofs] == ["shebao_canbao", "huji"]
    flow.choose("shebao_canbao")
    assert flow.step is Step.PREVIEW and flow.document is not None and flow.document.pages == 2
    flow.print()
    assert flow.step is Step.DONE
    assert printing.jobs == [("140500-shebao_canbao-1", make_card().id_number)]


def test_choosing_the_same_proof_again_asks_central_with_the_same_key(
    parts: tuple[ProofFlow, FakeCentral, FakePrinting],
) -> None:
    flow, central, _ = parts
    flow.load()
    flow.choose("shebao_canbao")
    flow.back()
    flow.choose("shebao_canbao")
    flow.back()
    flow.choose("huji")
    keys = [k for _, k in central.issued]
    assert keys[0] == keys[1] and keys[2] != keys[0]


def test_paper_out_mid_job_gives_the_reason_and_the_reprint_prints_once(
    parts: tuple[ProofFlow, FakeCentral, FakePrinting],
) -> None:
    flow, _, printing = parts
    flow.load()
    flow.choose("shebao_canbao")
    printing.fail_next = "paper_out"
    flow.print()
    assert (flow.step, flow.error) == (Step.PRINT_FAILED, "paper_out")
    printing.paper = False           # still empty: the reprint is refused up front
    flow.print()
    assert (flow.step, flow.error) == (Step.PRINT_FAILED, "paper_out") and printing.jobs == []
    printing.paper = True
    flow.print()
    assert flow.step is Step.DONE and len(printing.jobs) == 1


def test_unknown_proofs_and_central_down(parts: tuple[ProofFlow, FakeCentral, FakePrinting]) -> None:
    flow, central, _ = parts
    flow.load()
    flow.choose("no_such_proof")
    assert flow.step is Step.LIST and central.issued == []
    central.down = True
    flow.choose("huji")
    assert (flow.step, flow.error) == (Step.LIST, "central_unavailable")
    flow.load()
    assert (flow.step, flow.error) == (Step.ERROR, "central_unavailable")


def test_wipe_drops_the_document(parts: tuple[ProofFlow, FakeCentral, FakePrinting]) -> None:
    flow, _, _ = parts
    flow.load()
    flow.choose("huji")
    flow.wipe()
    assert flow.document is None and flow.proofs == [] and flow.step is Step.LOADING
