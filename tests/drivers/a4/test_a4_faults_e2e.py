"""Printer faults as the driver meets them on a real CUPS queue: paper out before and during
a job, refill, jam, offline, a queue stopped by staff, timeouts, cupsd gone and back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import cups
import pytest
from driver_helpers import EventRecorder

from drivers.a4.cups_printer import CupsPrinter
from drivers.a4.cups_status import JobState
from drivers.a4.sim_cups import Paper, SimulatedCups
from drivers.errors import DeviceTimeout, DeviceUnavailable, ErrorCode, PrinterFault
from drivers.status import DeviceState, FaultAction, SupplyLevel
from tests.support.cups import make_proof_pdf, start_simulated_cups, stop_simulated_cups

PDF = make_proof_pdf("fault-test")
QUIET = 1.5  # s to watch for a PDF that must not appear


def job_state(sim: SimulatedCups, job: str) -> JobState:
    attributes = cups.Connection(host=sim.server).getJobAttributes(
        int(job), requested_attributes=["job-state"])
    return JobState(attributes["job-state"])


def wait_job_state(sim: SimulatedCups, job: str, state: JobState, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while job_state(sim, job) is not state:
        assert time.monotonic() < deadline, f"job {job} never reached {state.name}"
        time.sleep(0.05)


def jobs_in_history(sim: SimulatedCups) -> int:
    return len(cups.Connection(host=sim.server).getJobs(which_jobs="all"))


def test_paper_out_before_the_job_refuses_it_and_sends_nothing(
    a4_sim: SimulatedCups, a4_printer: CupsPrinter
) -> None:
    a4_sim.set_paper(Paper.OUT)
    before = jobs_in_history(a4_sim)

    with pytest.raises(PrinterFault) as caught:
        a4_printer.submit_pdf(PDF, "proof")

    assert caught.value.code is ErrorCode.PAPER_OUT
    status = a4_printer.status()
    assert not status.ready and status.supplies["paper"] is SupplyLevel.OUT
    assert status.action is FaultAction.CLEAR_BY_STAFF
    assert jobs_in_history(a4_sim) == before


def test_paper_out_mid_job_cancels_it_so_a_refill_prints_nothing_late(
    a4_sim: SimulatedCups, a4_printer: CupsPrinter
) -> None:
    a4_sim.set_print_delay(3.0)
    printed_before = len(a4_sim.pdfs())
    job = a4_printer.submit_pdf(PDF, "proof")
    wait_job_state(a4_sim, job, JobState.PROCESSING)

    a4_sim.set_paper(Paper.OUT)
    with pytest.raises(PrinterFault) as caught:
        a4_printer.wait_job(job, timeout=20)

    assert caught.value.code is ErrorCode.PAPER_OUT
    assert job_state(a4_sim, job) is JobState.CANCELED
    a4_sim.set_print_delay(0.0)
    a4_sim.set_paper(Paper.NORMAL)
    time.sleep(QUIET)
    assert len(a4_sim.pdfs()) == printed_before


def test_refill_makes_the_printer_ready_again_and_the_next_job_prints_once(
    a4_sim: SimulatedCups, a4_printer: CupsPrinter
) -> None:
    events = EventRecorder(a4_printer.events)
    a4_sim.set_paper(Paper.OUT)
    events.wait_state(DeviceState.USER_ERROR, timeout=3)
    printed_before = len(a4_sim.pdfs())

    mark = events.mark()
    a4_sim.set_paper(Paper.NORMAL)  # staff refill; no job is involved
    events.wait_state(DeviceState.ONLINE, timeout=3, since=mark)

    job = a4_printer.submit_pdf(PDF, "reprint")
    assert a4_printer.wait_job(job, timeout=30).pages == 1
    a4_sim.wait_pdf(timeout=5)
    time.sleep(0.5)
    assert len(a4_sim.pdfs()) == printed_before + 1
    events.close()


def test_jammed_paper_refuses_jobs_and_stops_a_running_one(
    a4_sim: SimulatedCups, a4_printer: CupsPrinter
) -> None:
    a4_sim.set_paper(Paper.JAMMED)
    status = a4_printer.refresh()
    assert (status.state, status.fault) == (DeviceState.USER_ERROR, "paper_jam")
    assert status.supplies["paper"] is SupplyLevel.JAMMED
    with pytest.raises(PrinterFault) as refused:
        a4_printer.submit_pdf(PDF, "proof")
    assert refused.value.code is ErrorCode.PAPER_JAM

    a4_sim.set_paper(Paper.NORMAL)
    a4_sim.set_print_delay(3.0)
    job = a4_printer.submit_pdf(PDF, "proof")
    wait_job_state(a4_sim, job, JobState.PROCESSING)
    a4_sim.set_paper(Paper.JAMMED)
    with pytest.raises(PrinterFault) as stopped:
        a4_printer.wait_job(job, timeout=20)
    assert stopped.value.code is ErrorCode.PAPER_JAM
    assert job_state(a4_sim, job) is JobState.CANCELED


def test_offline_printer_is_a_wait_fault(a4_sim: SimulatedCups, a4_printer: CupsPrinter) -> None:
    a4_sim.set_offline(True)
    status = a4_printer.refresh()
    assert (status.state, status.action, status.fault) == (
        DeviceState.OFFLINE, FaultAction.WAIT, "printer_offline")
    with pytest.raises(PrinterFault) as caught:
        a4_printer.submit_pdf(PDF, "proof")
    assert caught.value.code is ErrorCode.PRINTER_OFFLINE

    a4_sim.set_offline(False)
    assert a4_printer.refresh().ready


def test_queue_paused_by_staff_needs_staff(
    a4_sim: SimulatedCups, a4_printer: CupsPrinter
) -> None:
    connection = cups.Connection(host=a4_sim.server)
    connection.disablePrinter(a4_sim.queue)  # what cupsdisable does
    status = a4_printer.refresh()
    assert (status.state, status.action, status.fault) == (
        DeviceState.OFFLINE, FaultAction.CLEAR_BY_STAFF, "printer_offline")
    connection.enablePrinter(a4_sim.queue)
    assert a4_printer.refresh().ready


def test_job_not_done_in_time_is_cancelled_and_never_prints(
    a4_sim: SimulatedCups, a4_printer: CupsPrinter
) -> None:
    a4_sim.set_print_delay(1.5)
    printed_before = len(a4_sim.pdfs())
    job = a4_printer.submit_pdf(PDF, "proof")

    started = time.monotonic()
    with pytest.raises(DeviceTimeout) as caught:
        a4_printer.wait_job(job, timeout=0.5)

    assert time.monotonic() - started < 1.4  # it gave up rather than wait for the print
    assert caught.value.code is ErrorCode.TIMEOUT
    assert job_state(a4_sim, job) is JobState.CANCELED
    time.sleep(QUIET)  # past the moment the job would have printed
    assert len(a4_sim.pdfs()) == printed_before


def test_unreachable_cupsd_is_no_device_and_submit_fails_cleanly(tmp_path: Path) -> None:
    printer = CupsPrinter("a4", "tongban-a4", server=str(tmp_path / "no-cupsd.sock"))

    status = printer.status()

    assert (status.state, status.fault) == (DeviceState.NO_DEVICE, "no_device")
    assert "cupsd unreachable" in status.detail
    with pytest.raises(DeviceUnavailable) as caught:
        printer.submit_pdf(PDF, "proof")
    assert caught.value.code is ErrorCode.NO_DEVICE


def test_missing_queue_is_no_device(a4_sim: SimulatedCups) -> None:
    status = CupsPrinter("a4", "no-such-queue", server=a4_sim.server).status()
    assert (status.state, status.fault) == (DeviceState.NO_DEVICE, "no_device")
    assert "no-such-queue not found" in status.detail


@pytest.fixture
def own_sim() -> Iterator[SimulatedCups]:
    """A printer of its own, for a test that stops cupsd."""
    sim = start_simulated_cups(queue="tongban-restart")
    try:
        yield sim
    finally:
        stop_simulated_cups(sim)


def test_driver_follows_cupsd_going_away_and_coming_back(own_sim: SimulatedCups) -> None:
    printer = CupsPrinter("a4", own_sim.queue, server=own_sim.server, status_interval=0.2,
                          job_poll_interval=0.1)
    events = EventRecorder(printer.events)
    printer.open()
    try:
        events.wait_state(DeviceState.ONLINE, timeout=3)
        mark = events.mark()
        own_sim.stop_daemon()
        gone = events.wait_state(DeviceState.NO_DEVICE, timeout=3, since=mark)
        assert "cupsd unreachable" in gone.status.detail
        with pytest.raises(DeviceUnavailable):
            printer.submit_pdf(PDF, "proof")

        mark = events.mark()
        own_sim.start()
        events.wait_state(DeviceState.ONLINE, timeout=5, since=mark)
        job = printer.submit_pdf(PDF, "proof")
        assert printer.wait_job(job, timeout=30).pages == 1
        own_sim.wait_pdf(timeout=5)
    finally:
        printer.close()
        events.close()
