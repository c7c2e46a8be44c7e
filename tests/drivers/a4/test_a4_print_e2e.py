"""Printing through a real CUPS queue: the driver on the simulated printer (private cupsd,
cups-pdf), checked on the PDF the "printer" produced."""

from __future__ import annotations

import subprocess
from pathlib import Path

from driver_helpers import EventRecorder

from drivers.a4.cups_printer import CupsPrinter
from drivers.a4.sim_cups import Paper, SimulatedCups
from drivers.contracts import DocumentPrinter
from drivers.events import StatusChanged
from drivers.status import DeviceState, SupplyLevel
from tests.support.cups import (
    decode_qr,
    differing_fraction,
    ink_in,
    make_proof_pdf,
    render_pages,
)

TITLE_BOX = (25.0, 25.0, 110.0, 37.0)  # mm: where make_proof_pdf draws its title
PAYLOAD = "https://tongban.example.gov.cn/verify?doc=HJ2024-000123&sig=3f9a"


def test_driver_is_a_document_printer(a4_printer: CupsPrinter) -> None:
    assert isinstance(a4_printer, DocumentPrinter)


def test_idle_queue_with_paper_is_ready(a4_printer: CupsPrinter) -> None:
    status = a4_printer.refresh()
    assert status.state is DeviceState.ONLINE and status.ready
    assert status.supplies == {"paper": SupplyLevel.FULL}


def test_printed_proof_comes_out_with_its_pages_chinese_text_and_readable_qr(
    a4_sim: SimulatedCups, a4_printer: CupsPrinter, tmp_path: Path
) -> None:
    pdf = make_proof_pdf(PAYLOAD, pages=2)

    job = a4_printer.submit_pdf(pdf, "proof")
    outcome = a4_printer.wait_job(job, timeout=30)

    assert (outcome.job_id, outcome.pages, outcome.bytes_sent) == (job, 2, len(pdf))
    assert 0 < outcome.seconds < 30
    printed = a4_sim.wait_pdf(timeout=5)
    assert printed.stat().st_mode & 0o077 == 0  # the printout may carry personal data
    pages = render_pages(printed, tmp_path)
    assert len(pages) == 2
    assert decode_qr(pages[0]) == [PAYLOAD]
    # The queue turns PDF into PostScript and cups-pdf back into PDF, which drops the text
    # layer of the CJK font but must keep what is printed: the title is there, and the page
    # looks like the document that was sent.
    assert ink_in(pages[0], TITLE_BOX) > 500
    original = tmp_path / "original.pdf"
    original.write_bytes(pdf)
    assert differing_fraction(pages[0], render_pages(original, tmp_path)[0]) < 0.003
    fonts = subprocess.run(["pdffonts", str(printed)], capture_output=True, text=True,
                           check=True).stdout
    assert "WenQuanYiMicroHei" in fonts


def test_temporary_copy_of_the_document_is_gone_after_submission(
    a4_printer: CupsPrinter,
) -> None:
    assert a4_printer.spool_dir is not None
    job = a4_printer.submit_pdf(make_proof_pdf("x"), "proof")
    assert list(a4_printer.spool_dir.iterdir()) == []
    a4_printer.wait_job(job, timeout=30)


def test_low_paper_is_reported_and_still_prints(
    a4_sim: SimulatedCups, a4_printer: CupsPrinter
) -> None:
    a4_sim.set_paper(Paper.LOW)
    status = a4_printer.refresh()
    assert status.ready and status.supplies["paper"] is SupplyLevel.LOW

    job = a4_printer.submit_pdf(make_proof_pdf("low"), "proof")
    assert a4_printer.wait_job(job, timeout=30).pages == 1
    a4_sim.wait_pdf(timeout=5)


def test_watcher_publishes_paper_out_and_refill_without_any_job(
    a4_sim: SimulatedCups, a4_printer: CupsPrinter
) -> None:
    events = EventRecorder(a4_printer.events)
    mark = events.mark()

    a4_sim.set_paper(Paper.OUT)
    out = events.wait_state(DeviceState.USER_ERROR, timeout=3, since=mark)
    assert out.status.fault == "paper_out"
    assert a4_printer.status().supplies["paper"] is SupplyLevel.OUT

    mark = events.mark()
    a4_sim.set_paper(Paper.NORMAL)
    events.wait_state(DeviceState.ONLINE, timeout=3, since=mark)
    assert a4_printer.status().ready
    assert all(isinstance(e, StatusChanged) for e in events.events)
    events.close()
