"""DLE EOT real-time status bytes -> conditions -> DeviceStatus, as tables."""

from __future__ import annotations

import pytest

from drivers.errors import DeviceUnavailable, ErrorCode, PrinterFault, ProtocolError
from drivers.receipt.status import (
    Condition,
    decode_status_byte,
    error_for_status,
    query_bytes,
    status_from_conditions,
)
from drivers.status import DeviceState, DeviceStatus, FaultAction, SupplyLevel

QUIET = 0x12  # fixed bits only: nothing to report


@pytest.mark.parametrize(
    ("n", "value", "expected"),
    [
        (1, QUIET, Condition.NONE),
        (1, QUIET | 0x08, Condition.OFFLINE),
        (2, QUIET | 0x04, Condition.COVER_OPEN),
        (2, QUIET | 0x08, Condition.FEED_BUTTON),
        (2, QUIET | 0x20, Condition.PAPER_STOPPED),
        (2, QUIET | 0x40, Condition.ERROR),
        (2, QUIET | 0x24, Condition.COVER_OPEN | Condition.PAPER_STOPPED),
        (3, QUIET | 0x08, Condition.CUTTER_ERROR),
        (3, QUIET | 0x20, Condition.UNRECOVERABLE),
        (3, QUIET | 0x40, Condition.AUTO_RECOVERABLE),
        (4, QUIET | 0x0C, Condition.PAPER_NEAR_END),
        (4, QUIET | 0x04, Condition.PAPER_NEAR_END),   # printers that set one bit of two
        (4, QUIET | 0x60, Condition.PAPER_END),
        (4, QUIET | 0x6C, Condition.PAPER_END | Condition.PAPER_NEAR_END),
    ],
)
def test_each_status_bit_means_its_condition(n: int, value: int, expected: Condition) -> None:
    assert decode_status_byte(n, value) == expected


@pytest.mark.parametrize("value", [0x00, 0xFF, 0x13, 0x92, 0x10, 0x02, 0x80 | QUIET])
def test_a_byte_without_the_fixed_bits_is_garbled(value: int) -> None:
    with pytest.raises(ProtocolError) as caught:
        decode_status_byte(4, value)
    assert caught.value.code is ErrorCode.FRAME_GARBLED


def test_unknown_query_numbers_are_refused() -> None:
    with pytest.raises(ValueError):
        query_bytes(5)
    assert query_bytes(4) == b"\x10\x04\x04"


@pytest.mark.parametrize(
    ("conditions", "state", "fault", "action", "paper"),
    [
        (Condition.NONE, DeviceState.ONLINE, "", FaultAction.NONE, SupplyLevel.FULL),
        (Condition.PAPER_NEAR_END, DeviceState.ONLINE, "", FaultAction.NONE, SupplyLevel.LOW),
        (Condition.PAPER_END | Condition.OFFLINE, DeviceState.USER_ERROR, "paper_out",
         FaultAction.CLEAR_BY_STAFF, SupplyLevel.OUT),
        (Condition.PAPER_STOPPED, DeviceState.USER_ERROR, "paper_out",
         FaultAction.CLEAR_BY_STAFF, SupplyLevel.OUT),
        (Condition.COVER_OPEN | Condition.OFFLINE, DeviceState.USER_ERROR, "cover_open",
         FaultAction.CLEAR_BY_STAFF, SupplyLevel.FULL),
        (Condition.CUTTER_ERROR | Condition.ERROR | Condition.OFFLINE,
         DeviceState.HARDWARE_ERROR, "cutter_error", FaultAction.MAINTENANCE, SupplyLevel.FULL),
        (Condition.UNRECOVERABLE | Condition.ERROR, DeviceState.HARDWARE_ERROR, "device_error",
         FaultAction.MAINTENANCE, SupplyLevel.FULL),
        (Condition.AUTO_RECOVERABLE | Condition.ERROR, DeviceState.OFFLINE, "device_error",
         FaultAction.WAIT, SupplyLevel.FULL),
        (Condition.OFFLINE, DeviceState.OFFLINE, "printer_offline", FaultAction.WAIT,
         SupplyLevel.FULL),
        # Paper out outranks the cover: a staff member refilling has it open anyway.
        (Condition.PAPER_END | Condition.COVER_OPEN, DeviceState.USER_ERROR, "paper_out",
         FaultAction.CLEAR_BY_STAFF, SupplyLevel.OUT),
    ],
)
def test_conditions_map_to_state_fault_action_and_paper(
    conditions: Condition, state: DeviceState, fault: str, action: FaultAction,
    paper: SupplyLevel,
) -> None:
    status = status_from_conditions(conditions)
    assert (status.state, status.fault, status.action) == (state, fault, action)
    assert status.supplies == {"paper": paper}
    assert status.ready is (state is DeviceState.ONLINE)


def test_paper_near_end_still_prints() -> None:
    assert status_from_conditions(Condition.PAPER_NEAR_END).ready


def test_a_not_ready_status_becomes_a_printer_fault_with_its_code() -> None:
    error = error_for_status(status_from_conditions(Condition.COVER_OPEN), "job 7 refused")
    assert isinstance(error, PrinterFault)
    assert error.code is ErrorCode.COVER_OPEN


def test_an_unreachable_printer_becomes_device_unavailable() -> None:
    status = DeviceStatus(DeviceState.NO_DEVICE, FaultAction.WAIT, fault="no_device",
                          detail="tcp://10.0.0.9:9100: ECONNREFUSED")
    error = error_for_status(status, "job 7 refused")
    assert isinstance(error, DeviceUnavailable)
    assert error.code is ErrorCode.NO_DEVICE
    assert "ECONNREFUSED" in str(error)
