"""Fixtures of the A4 printer tests: one simulated printer (private cupsd) per module.

Each test gets it back with normal paper, online, no print delay, no job left over and no
printed PDF pending; every wait in the tests is bounded.
"""

from __future__ import annotations

from collections.abc import Iterator

import cups
import pytest

from drivers.a4.cups_printer import CupsPrinter
from drivers.a4.sim_cups import Paper, SimulatedCups
from tests.support.cups import (
    require_simulated_cups,
    start_simulated_cups,
    stop_simulated_cups,
)

FAST_STATUS = 0.2  # watcher poll interval in tests (the default is 2 s)


@pytest.fixture(scope="module")
def cups_sim_module() -> Iterator[SimulatedCups]:
    require_simulated_cups()
    sim = start_simulated_cups()
    try:
        yield sim
    finally:
        stop_simulated_cups(sim)


@pytest.fixture
def a4_sim(cups_sim_module: SimulatedCups) -> Iterator[SimulatedCups]:
    sim = cups_sim_module
    _reset(sim)
    try:
        yield sim
    finally:
        _reset(sim)


def _reset(sim: SimulatedCups) -> None:
    if not sim.running:
        sim.start()
    connection = cups.Connection(host=sim.server)
    connection.cancelAllJobs(name=sim.queue)
    connection.enablePrinter(sim.queue)
    connection.acceptJobs(sim.queue)
    sim.set_print_delay(0.0)
    sim.set_offline(False)
    sim.set_paper(Paper.NORMAL)
    sim.skip_printed()


@pytest.fixture
def a4_printer(a4_sim: SimulatedCups, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CupsPrinter]:
    """The driver on the simulated queue, open (watching every 0.2 s)."""
    printer = CupsPrinter(
        "a4", a4_sim.queue, server=a4_sim.server, status_interval=FAST_STATUS,
        job_poll_interval=0.1, spool_dir=tmp_path_factory.mktemp("a4-spool"),
    )
    printer.open()
    try:
        yield printer
    finally:
        printer.close()
