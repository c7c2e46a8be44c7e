"""排队取号 through the real Terminal: the tile starts the flow with nobody identified, an
ID card placed on the simulated reader is lent to it for the green channel and let go, the
ticket comes out of the simulated ESC/POS printer with a QR that opens the follow page; an
appointment code scanned at the idle home screen starts the check-in."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from drivers.idcard.model import IdentityCard
from drivers.idcard.simulator import IdCardSimulator
from drivers.receipt.simulator import PrinterSimulator
from kiosk.config import load_config
from kiosk.flows.queue_ticket import QueueTicketFlow, Step
from kiosk.session import SessionState
from kiosk.terminal import Terminal
from tests.kiosk import queue_fixtures
from tests.kiosk.queue_fixtures import EnrolledHall, book_around_now, card

hall = queue_fixtures.hall   # the fixture
TIMEOUT = 20.0


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in time: {what}")
        time.sleep(0.02)


@pytest.fixture
def elder() -> IdentityCard:
    return card(age=72, name="韩桂英", serial="511")


@pytest.fixture
def reader(demo_cards: dict[str, IdentityCard], elder: IdentityCard, tmp_path: Path) -> Iterator[IdCardSimulator]:
    simulator = IdCardSimulator({**demo_cards, "elder": elder}, link=tmp_path / "idreader")
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def paper(tmp_path: Path) -> Iterator[PrinterSimulator]:
    printer = PrinterSimulator(tmp_path / "receipts", paper="80mm", speed_mm_s=0)
    printer.start()
    try:
        yield printer
    finally:
        printer.stop()


@pytest.fixture
def terminal(hall: EnrolledHall, reader: IdCardSimulator, paper: PrinterSimulator,
             tmp_path: Path) -> Iterator[Terminal]:
    config = hall.terminal_dir(tmp_path / "terminal")
    host, port = paper.address
    site = Path(tmp_path / "terminal" / "kiosk.toml")
    site.write_text(site.read_text(encoding="utf-8") + (
        f'[devices.id_reader]\nport = "{reader.link_path}"\npoll_interval_s = 0.02\n'
        f'reconnect_interval_s = 0.2\n[devices.receipt_printer]\ndriver = "escpos"\n'
        f'url = "tcp://{host}:{port}"\n[services]\noffered = ["identity_check", "queue_ticket"]\n'),
        encoding="utf-8")
    config = load_config(site)
    term = Terminal(config)
    term.start()
    try:
        wait_until(lambda: all(term.device_statuses()[d].ready for d in ("id_reader", "receipt_printer")),
                   "devices ready")
        yield term
    finally:
        term.stop()


def queue_flow(terminal: Terminal) -> QueueTicketFlow:
    flow = terminal.flow
    assert isinstance(flow, QueueTicketFlow)
    return flow


def decoded(png: Path) -> list[str]:
    """The QR codes on a printed receipt (the simulator's picture of the paper)."""
    return [r.text for r in zxingcpp.read_barcodes(Image.open(png))]


def test_the_tile_opens_the_list_and_a_card_gives_the_green_channel(
    terminal: Terminal, reader: IdCardSimulator, paper: PrinterSimulator, tmp_path: Path,
    hall: EnrolledHall,
) -> None:
    assert terminal.choose_service("queue_ticket")
    snap = terminal.session.snapshot()
    assert snap.state is SessionState.ACTIVE and snap.identity is None   # nobody identified
    flow = queue_flow(terminal)
    wait_until(lambda: flow.step is Step.CATEGORIES, "categories")
    reader.place("elder")
    wait_until(lambda: flow.green, "the green channel from the card")
    assert terminal.session.card is None and terminal.session.state is SessionState.ACTIVE
    flow.choose("A")
    wait_until(lambda: flow.step is Step.DONE, "printed")
    ticket = flow.ticket
    assert ticket is not None and ticket.kind == "green"
    assert decoded(paper.wait_receipt(5)) == [ticket.follow_url]
    assert ticket.follow_url.startswith(hall.central.url + "/hall/JC-ZWZX/ticket/")
    reader.remove()
    terminal.session.finish()
    assert flow.birth_date is None


def test_an_appointment_code_at_the_idle_home_screen_checks_in(
    terminal: Terminal, hall: EnrolledHall, paper: PrinterSimulator,
) -> None:
    person = card(age=38, name="杨帆", serial="521")
    code = book_around_now(hall.central, person.id_number, person.name, start_in_minutes=15)
    assert terminal.session.state is SessionState.IDLE
    terminal.arrivals.code_scanned(code + "\r\n")      # what the scanner's CodeScanned does
    wait_until(lambda: isinstance(terminal.flow, QueueTicketFlow)
               and terminal.flow.step is Step.DONE, "checked in and printed")
    flow = queue_flow(terminal)
    assert flow.ticket is not None and flow.ticket.kind == "appointment"
    assert terminal.session.snapshot().service_id == "queue_ticket"
    assert paper.wait_receipt(5)


def test_going_on_to_the_queue_after_an_identity_check_wipes_the_identity(
    terminal: Terminal, reader: IdCardSimulator,
) -> None:
    assert terminal.switch_service("queue_ticket") is None          # nobody identified
    assert terminal.choose_service("identity_check")
    reader.place("elder")
    wait_until(lambda: terminal.session.state is SessionState.IDENTIFIED, "identified")
    assert terminal.confirm_identity() is not None
    flow = terminal.switch_service("queue_ticket")
    assert isinstance(flow, QueueTicketFlow)
    snap = terminal.session.snapshot()
    assert snap.state is SessionState.ACTIVE and snap.service_id == "queue_ticket"
    assert snap.identity is None and terminal.session.card is None   # not carried over
    wait_until(lambda: flow.step is Step.CATEGORIES, "categories")
    assert not flow.green                                           # the card was not lent


def test_todays_offline_blocks_are_reserved_at_start_before_anyone_comes(terminal: Terminal) -> None:
    wait_until(lambda: {c.code for c in terminal.queue_blocks.categories()} == {"A", "B", "C"},
               "blocks for every category")
    assert all(c.left >= 10 and c.name for c in terminal.queue_blocks.categories())
