"""What the driver makes of a CUPS queue's attributes (tables only, no cupsd)."""

from __future__ import annotations

import pytest

from drivers.a4.cups_link import parse_server
from drivers.a4.cups_printer import count_pages
from drivers.a4.cups_status import CONNECTING_GRACE, base_reason, classify, fault_code
from drivers.errors import ErrorCode
from drivers.status import DeviceState, DeviceStatus, FaultAction, SupplyLevel


def queue(*reasons: str, state: int = 3, accepting: bool = True) -> DeviceStatus:
    attributes = {
        "printer-state": state,
        "printer-state-reasons": list(reasons) or ["none"],
        "printer-is-accepting-jobs": accepting,
    }
    return classify(attributes, "q")


def test_idle_queue_without_reasons_is_online_with_full_paper() -> None:
    status = queue()
    assert status.state is DeviceState.ONLINE
    assert status.supplies == {"paper": SupplyLevel.FULL}
    assert status.ready and status.fault == ""


def test_queue_busy_with_another_job_still_takes_jobs() -> None:
    assert queue(state=4).ready


@pytest.mark.parametrize("reason", ["media-empty-error", "media-empty", "media-needed-warning"])
def test_empty_tray_is_paper_out_for_staff(reason: str) -> None:
    status = queue(reason)
    assert (status.state, status.action, status.fault) == (
        DeviceState.USER_ERROR, FaultAction.CLEAR_BY_STAFF, "paper_out")
    assert status.supplies["paper"] is SupplyLevel.OUT
    assert not status.ready


def test_low_paper_is_reported_but_still_prints() -> None:
    status = queue("media-low-report")
    assert status.state is DeviceState.ONLINE and status.ready
    assert status.supplies["paper"] is SupplyLevel.LOW


def test_jam_is_a_paper_jam_and_outranks_an_empty_tray() -> None:
    status = queue("media-empty-error", "media-jam-error")
    assert status.fault == "paper_jam"
    assert status.supplies["paper"] is SupplyLevel.JAMMED


@pytest.mark.parametrize("reason", ["door-open-error", "cover-open-warning"])
def test_open_cover_needs_staff(reason: str) -> None:
    status = queue(reason)
    assert (status.state, status.fault) == (DeviceState.USER_ERROR, "cover_open")


def test_printer_reported_offline_recovers_by_itself() -> None:
    status = queue("offline-report")
    assert (status.state, status.action, status.fault) == (
        DeviceState.OFFLINE, FaultAction.WAIT, "printer_offline")


@pytest.mark.parametrize(
    "status",
    [queue("paused", state=5), queue(state=5), queue(accepting=False)],
    ids=["paused", "stopped", "rejecting"],
)
def test_queue_stopped_or_rejecting_needs_staff(status: DeviceStatus) -> None:
    assert (status.state, status.action, status.fault) == (
        DeviceState.OFFLINE, FaultAction.CLEAR_BY_STAFF, "printer_offline")


def test_paper_out_on_a_paused_queue_says_paper_out() -> None:
    assert queue("media-empty-error", "paused", state=5).fault == "paper_out"


def test_connecting_to_device_is_offline_only_when_it_lasts() -> None:
    attributes = {"printer-state": 4, "printer-state-reasons": ["connecting-to-device"]}
    assert classify(attributes, "q", connecting_for=1.0).ready
    late = classify(attributes, "q", connecting_for=CONNECTING_GRACE + 1)
    assert (late.state, late.fault) == (DeviceState.OFFLINE, "printer_offline")


def test_unknown_error_reason_needs_a_technician_and_unknown_report_does_not() -> None:
    assert queue("fuser-over-temp-error").state is DeviceState.HARDWARE_ERROR
    assert queue("toner-low-report").ready


def test_detail_names_queue_state_and_reasons() -> None:
    assert queue("media-empty-error", state=4).detail == (
        "queue q: processing reasons=media-empty-error")


@pytest.mark.parametrize(
    ("keyword", "base"),
    [("media-empty-error", "media-empty"), ("media-low-report", "media-low"),
     ("toner-low-warning", "toner-low"), ("paused", "paused")],
)
def test_severity_suffix_is_stripped(keyword: str, base: str) -> None:
    assert base_reason(keyword) == base


def test_job_failure_code_follows_the_printer_fault() -> None:
    assert fault_code(queue("media-jam-error")) is ErrorCode.PAPER_JAM
    assert fault_code(queue()) is ErrorCode.JOB_FAILED


@pytest.mark.parametrize(
    ("server", "kwargs"),
    [(None, {}), ("/run/cups/cups.sock", {"host": "/run/cups/cups.sock"}),
     ("print.local:8631", {"host": "print.local", "port": 8631}),
     ("print.local", {"host": "print.local"}), ("[::1]:631", {"host": "::1", "port": 631})],
)
def test_server_setting_becomes_connection_arguments(server: str | None, kwargs: dict) -> None:
    assert parse_server(server) == kwargs


def test_bytes_that_are_not_a_pdf_are_refused_before_cups() -> None:
    with pytest.raises(ValueError, match="not a readable PDF"):
        count_pages(b"%PDF-1.4 garbage")
