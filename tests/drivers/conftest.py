"""Fixtures for the driver tests: demo cards, a simulated reader on a pty, a fast driver.

Every wait is bounded: helpers raise AssertionError after their timeout instead of
hanging, and fixtures stop what they started even when a test fails.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from driver_helpers import FAST, EventRecorder, ReaderFactory

from drivers.idcard.reader import SamSerialReader
from drivers.idcard.simulator import IdCardSimulator
from drivers.status import DeviceState


@pytest.fixture
def make_reader(sim: IdCardSimulator) -> Iterator[ReaderFactory]:
    """Build, open and (at teardown) close a driver on the simulator's stable link."""
    opened: list[SamSerialReader] = []

    def make(port: str | None = None, **options: object) -> tuple[SamSerialReader, EventRecorder]:
        settings: dict[str, object] = {**FAST, **options}
        reader = SamSerialReader("id_reader", port or str(sim.link_path), **settings)  # type: ignore[arg-type]
        recorder = EventRecorder(reader.events)
        opened.append(reader)
        reader.open()
        return reader, recorder

    try:
        yield make
    finally:
        for reader in opened:
            reader.close()


@pytest.fixture
def online_reader(make_reader: ReaderFactory) -> tuple[SamSerialReader, EventRecorder]:
    reader, events = make_reader()
    events.wait_state(DeviceState.ONLINE)
    return reader, events
