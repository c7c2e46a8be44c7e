"""After a session ends, nothing of the citizen is left on this machine.

Seven kinds of session, each driven through the real Terminal as a citizen would: an identity
check with the ID card, a 一证通办 application filed with the real central, a proof printed on
A4 through a private cupsd, a social security card that wants its PIN (private pcscd, vpcd
virtual card), an electronic ID code scanned and resolved by the real central, a queue
ticket with the ID card placed for the green channel, and a check-in by ID card. After each,
the citizen's ID number and name are searched (UTF-8, GBK, UTF-16LE; tests/support/traces.py)
in the data dir (the SQLite store with its -wal/-journal files, the logs, the session
folders), in $TMPDIR, in the private cupsd's files (spool = RequestRoot, its temp dir, logs,
cups-pdf's working dirs) and the private pcscd's files: none may be found. The cupsd's
``out/`` is left out on purpose: it holds what cups-pdf "printed", i.e. the paper the citizen
took away, which legitimately carries their name.

A search after the fact cannot see a file that was written and deleted during the session
(an unlinked copy stays in the file system's free blocks), so every file this process opens
for writing under the data dir and $TMPDIR while the session runs is recorded, and none may
have vanished by the time of the search.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import tempfile
import threading
import time
import tty
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from drivers.a4.sim_cups import SimulatedCups
from drivers.idcard.simulator import IdCardSimulator
from drivers.pcsc.vcard_card import VirtualCard
from kiosk.config import load_config
from kiosk.events import KioskEvent, PinRequested
from kiosk.flows.proofs import ProofFlow
from kiosk.flows.proofs import Step as ProofStep
from kiosk.flows.yizheng import Step as YizhengStep
from kiosk.flows.yizheng import YizhengFlow
from kiosk.logs import setup_logging
from kiosk.session import IdentitySource, SessionState
from kiosk.terminal import Terminal
from tests.support.central_fixtures import real_central  # noqa: F401 - a fixture
from tests.support.pcsc import Pcscd, pcscd_fixture
from tests.support.real_central import (
    KIOSK,
    PENSION_FORM,
    PENSION_ITEM,
    RealCentral,
    central_available,
    seed_person,
)
from tests.support.traces import TraceFinder, WrittenFiles, files_under, held_by_thread

CLEAR = {"zhang_san": ("张三", "110101199003071233"), "li_si": ("李四", "31010419880512006X")}
ZHANG_SAN = seed_person(0)            # central's first citizen: the simulator's zhang_san card
LIU_FANG = ("刘芳", "140502198507150022")   # drivers/pcsc/vcards.toml liu_fang_ssse (PIN 123456)
PIN = "123456"
TIMEOUT = 20.0

needs_central = pytest.mark.skipif(not central_available(), reason="kiosk-central is not installed")


def wait_until(predicate: Callable[[], bool], timeout: float = TIMEOUT, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached in time: {what}")
        time.sleep(0.02)


# -- the terminal under test -----------------------------------------------------------------

@dataclass
class Kiosk:
    """A Terminal on a site file of its own, its private $TMPDIR, and what a session touched."""

    terminal: Terminal
    data_dir: Path
    tmpdir: Path
    heard: list[KioskEvent] = field(default_factory=list)

    @contextmanager
    def session(self, searched: list[Path] | None = None) -> Iterator[WrittenFiles]:
        """Records the files written during the block (the session)."""
        watch = WrittenFiles([self.data_dir, self.tmpdir, *(searched or [])])
        with watch.watching():
            yield watch

    def notified(self, kind: type[KioskEvent]) -> list[KioskEvent]:
        return [e for e in list(self.heard) if isinstance(e, kind)]

    def assert_no_trace(self, needles: list[str], watch: WrittenFiles, also: Sequence[Path] = (),
                        exclude: Sequence[Path] = ()) -> None:
        assert self.terminal.session.state is SessionState.IDLE
        assert self.terminal.session.card is None
        logs = sorted((self.data_dir / "logs").glob("*.log"))
        assert logs and logs[0].stat().st_size > 0, "nothing logged: the search would prove nothing"
        assert "session ended" in logs[0].read_text(encoding="utf-8")
        roots = [self.data_dir, self.tmpdir, *also]
        # jieba (the input method's domain words, built at start) keeps a cache of its
        # bundled dictionary in the IME's folder; 张三丰 there holds 张三. Not the session's.
        exclude = [*exclude, self.data_dir / "ime" / "jieba" / "jieba.cache"]
        searched = files_under(roots, exclude)
        assert any(p.suffix == ".db" or p.name.endswith((".db-wal", ".sqlite")) for p in searched), \
            "the store's SQLite file was not among the files searched"
        assert TraceFinder(needles).in_paths(roots, exclude) == []
        assert watch.vanished() == [], "written during the session and deleted: a copy in free blocks"


def site_file(folder: Path, sim: IdCardSimulator, extra: str = "", central_url: str | None = None,
              offered: tuple[str, ...] = ("identity_check",), idle_timeout: float = 60,
              presence: str = "may_leave") -> Path:
    site = folder / "kiosk.toml"
    services = ", ".join(f'"{service}"' for service in offered)
    text = (
        'profile = "hall"\n[terminal]\ndata_dir = "data"\nterminal_code = "T-NOTRACE"\n'
        f"[session]\nidle_timeout_s = {idle_timeout}\nidle_warning_s = 2\n"
        f'card_removal_grace_s = 1\ncard_presence = "{presence}"\n'
        f'[devices.id_reader]\nport = "{sim.link_path}"\npoll_interval_s = 0.02\n'
        "reconnect_interval_s = 0.2\n"
        f"[services]\noffered = [{services}]\n"
    )
    if central_url:
        text += f'[central]\nurl = "{central_url}"\n'
    site.write_text(text + extra, encoding="utf-8")
    return site


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tmpdir"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)
    # Chosen now: the choice writes (and deletes) a probe file, which is no session's trace.
    assert tempfile.gettempdir() == str(folder)
    return folder


@contextmanager
def running(site: Path, tmpdir: Path, enroll_with: RealCentral | None = None) -> Iterator[Kiosk]:
    if enroll_with is not None:
        done = subprocess.run([KIOSK, "--config", str(site), "enroll", "--code", enroll_with.add_terminal()],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    config = load_config(site)
    data_dir = Path(config.terminal.data_dir)
    setup_logging(data_dir / "logs", level=logging.DEBUG, to_stderr=False)
    term = Terminal(config)
    kiosk = Kiosk(term, data_dir, tmpdir)
    term.subscribe(kiosk.heard.append)
    term.start()
    try:
        yield kiosk
    finally:
        term.stop()
        setup_logging(None, to_stderr=False)


def identified_by(kiosk: Kiosk, name: str) -> Callable[[], bool]:
    session = kiosk.terminal.session
    return lambda: (session.state is SessionState.IDENTIFIED and session.card is not None
                    and session.card.name == name)


def ready(kiosk: Kiosk, *devices: str) -> None:
    wait_until(lambda: all(kiosk.terminal.device_statuses()[d].ready for d in devices),
               what=f"{', '.join(devices)} ready")


# -- 1. identity check -----------------------------------------------------------------------

@pytest.mark.parametrize("ending", ["idle_timeout", "card_removed", "finished"])
def test_no_trace_of_the_citizen_after_an_identity_check(
    sim: IdCardSimulator, tmp_path: Path, private_tmp: Path, ending: str
) -> None:
    # The card must stay on the reader (bank rule): taking it away ends the session.
    site = site_file(tmp_path, sim, idle_timeout=6, presence="required")
    with running(site, private_tmp) as kiosk, kiosk.session() as watch:
        terminal = kiosk.terminal
        ready(kiosk, "id_reader")
        assert terminal.choose_service("identity_check")
        for key in CLEAR:  # two citizens in a row: the second replaces the first
            sim.place(key)
            wait_until(identified_by(kiosk, CLEAR[key][0]))
            if key != list(CLEAR)[-1]:
                sim.remove()
                wait_until(lambda: terminal.snapshot().card_removed)
        card = terminal.session.card
        assert card is not None
        photo = card.photo_wlt
        terminal.session.confirm()
        temp_dir = terminal.session.temp_dir
        assert temp_dir is not None
        if ending == "idle_timeout":
            wait_until(lambda: terminal.snapshot().state is SessionState.IDLE, timeout=15)
        elif ending == "card_removed":
            sim.remove()
            wait_until(lambda: terminal.snapshot().state is SessionState.IDLE)
        else:
            terminal.session.finish()

        assert card.name == "" and card.id_number == ""
        assert photo == bytearray()  # zeroed and released
        assert not temp_dir.exists()
        kiosk.assert_no_trace([v for pair in CLEAR.values() for v in pair], watch)


# -- 2. 一证通办 -------------------------------------------------------------------------------

@pytest.fixture
def yizheng_kiosk(real_central: RealCentral, sim: IdCardSimulator, tmp_path: Path,  # noqa: F811
                  private_tmp: Path) -> Iterator[Kiosk]:
    site = site_file(tmp_path, sim, central_url=real_central.url,
                     offered=("identity_check", "yizheng_tongban"))
    with running(site, private_tmp, enroll_with=real_central) as kiosk:
        ready(kiosk, "id_reader")
        yield kiosk


def fill_in_pension_application(kiosk: Kiosk, sim: IdCardSimulator) -> YizhengFlow:
    """Home -> 一证通办 -> the ID card -> confirm -> the pension item -> form -> confirm."""
    terminal = kiosk.terminal
    assert terminal.choose_service("yizheng_tongban")
    sim.place("zhang_san")
    wait_until(identified_by(kiosk, ZHANG_SAN.name))
    assert terminal.session.confirm()
    flow = terminal.start_flow()
    assert isinstance(flow, YizhengFlow)
    wait_until(lambda: flow.step is YizhengStep.ITEMS, what="items")
    flow.select_item(PENSION_ITEM)
    assert flow.can_apply()
    flow.begin_form()
    assert flow.step is YizhengStep.FORM
    for key, value in PENSION_FORM.items():
        flow.set_value(key, value)
    assert flow.confirm_form(), [(f.key, f.error) for f in flow.fields if f.error]
    return flow


@needs_central
def test_no_trace_after_a_yizheng_application(yizheng_kiosk: Kiosk, sim: IdCardSimulator) -> None:
    kiosk = yizheng_kiosk
    with kiosk.session() as watch:
        flow = fill_in_pension_application(kiosk, sim)
        flow.submit()
        wait_until(lambda: flow.step is YizhengStep.RESULT, what="result")
        assert flow.result is not None and flow.result.delivered, flow.result
        sim.remove()                       # the citizen takes the card and ends the visit
        kiosk.terminal.session.finish()
        assert flow.wait_idle(TIMEOUT)
        wait_until(lambda: kiosk.terminal.outbox.status().pending == 0, what="outbox drained")
    assert flow.fields == [] and flow.result is None
    kiosk.assert_no_trace([ZHANG_SAN.name, ZHANG_SAN.id_number], watch)


@needs_central
def test_a_submission_still_delivering_holds_nothing_of_the_citizen_after_the_session(
    yizheng_kiosk: Kiosk, sim: IdCardSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Central answers slowly; the citizen leaves meanwhile. The worker still waiting for the
    delivery must not keep the citizen's card fields or application (closures included)."""
    kiosk = yizheng_kiosk
    outbox = kiosk.terminal.outbox
    delivering, release = threading.Event(), threading.Event()
    deliver = outbox.deliver_now

    def slow_delivery(local_receipt: str, timeout: float) -> Any:
        delivering.set()
        release.wait(TIMEOUT)
        return deliver(local_receipt, timeout)

    monkeypatch.setattr(outbox, "deliver_now", slow_delivery)
    with kiosk.session() as watch:
        flow = fill_in_pension_application(kiosk, sim)
        # The module's central may hold 张三's pension from an earlier test: then the confirm
        # page asks 仍要提交 (docs/casework.md §4), which submit_anyway is.
        flow.submit_anyway()
        assert delivering.wait(TIMEOUT), "the flow never started delivering"
        workers = [t for t in threading.enumerate() if t.name == "flow work"]
        kiosk.terminal.session.finish()
        try:
            held = [trace for worker in workers
                    for trace in held_by_thread(worker, [ZHANG_SAN.name, ZHANG_SAN.id_number])]
        finally:
            release.set()
        assert workers and held == []
        assert flow.wait_idle(TIMEOUT)
        assert flow.result is None             # the late answer was dropped
        wait_until(lambda: outbox.status().pending == 0, what="outbox drained")
    kiosk.assert_no_trace([ZHANG_SAN.name, ZHANG_SAN.id_number], watch)


# -- 3. proof printing -----------------------------------------------------------------------

@needs_central
def test_no_trace_after_a_printed_proof(
    real_central: RealCentral, cups_sim: SimulatedCups, sim: IdCardSimulator,  # noqa: F811
    tmp_path: Path, private_tmp: Path,
) -> None:
    site = site_file(
        tmp_path, sim, central_url=real_central.url, offered=("identity_check", "proof_print"),
        extra=f'[devices.a4_printer]\ndriver = "cups"\nqueue = "{cups_sim.queue}"\n'
              f'server = "{cups_sim.server}"\nstatus_interval_s = 0.5\n',
    )
    cups_sim.skip_printed()
    needles = [ZHANG_SAN.name, ZHANG_SAN.id_number]
    # cupsd's files, not the printed paper (out/): that the citizen takes away.
    cups_files, printed = [cups_sim.root_dir], [cups_sim.out_dir]
    with running(site, private_tmp, enroll_with=real_central) as kiosk, \
            kiosk.session(searched=[cups_sim.root_dir]) as watch:
        terminal = kiosk.terminal
        ready(kiosk, "id_reader", "a4_printer")
        assert terminal.choose_service("proof_print")
        sim.place("zhang_san")
        wait_until(identified_by(kiosk, ZHANG_SAN.name))
        assert terminal.session.confirm()
        flow = terminal.start_flow()
        assert isinstance(flow, ProofFlow)
        wait_until(lambda: flow.step is ProofStep.LIST, what="the proofs")
        proof = next(p for p in flow.proofs if p.name == "社会保险参保证明")
        flow.choose(proof.code)
        wait_until(lambda: flow.step is ProofStep.PREVIEW, what="the preview")
        assert flow.document is not None
        # The search would see the document if CUPS or the kiosk had kept it.
        assert {t.needle for t in TraceFinder(needles).in_bytes(flow.document.pdf)} == set(needles)
        flow.print()
        wait_until(lambda: flow.step in (ProofStep.DONE, ProofStep.PRINT_FAILED), timeout=90,
                   what="the print")
        assert flow.step is ProofStep.DONE, flow.error
        assert cups_sim.wait_pdf(10).stat().st_size > 0      # the paper came out
        terminal.session.finish()
        assert flow.wait_idle(TIMEOUT) and flow.document is None
    searched = files_under(cups_files, printed)
    assert any(p.parent.name == "log" for p in searched), "cupsd's files were not searched"
    # PreserveJobFiles No: the job's document (d<job>-<n>) left the spool with the job.
    assert [p.name for p in (cups_sim.root_dir / "spool").glob("d*")] == []
    kiosk.assert_no_trace(needles, watch, also=cups_files, exclude=printed)


# -- 4. social security card with PIN --------------------------------------------------------

@pytest.fixture(scope="module")
def pcscd() -> Iterator[Pcscd]:
    yield from pcscd_fixture()


@pytest.fixture(scope="module")
def virtual_card(pcscd: Pcscd) -> Iterator[VirtualCard]:
    card = VirtualCard(None, port=pcscd.ports[0], retry_s=0.05)
    card.start()
    try:
        yield card
    finally:
        card.stop()


def test_no_trace_after_a_social_security_card_with_its_pin(
    pcscd: Pcscd, virtual_card: VirtualCard, sim: IdCardSimulator, tmp_path: Path,
    private_tmp: Path,
) -> None:
    site = site_file(
        tmp_path, sim,
        extra=f'[devices.card_reader]\ndriver = "pcsc"\nreaders = ["{pcscd.reader_names[0]}"]\n'
              "ssse_pin_required = true\npoll_s = 0.5\n",
    )
    with running(site, private_tmp) as kiosk, kiosk.session(searched=[pcscd.root]) as watch:
        terminal = kiosk.terminal
        ready(kiosk, "card_reader")
        virtual_card.insert("liu_fang_ssse")
        try:
            assert virtual_card.wait_connected(TIMEOUT), "vpcd did not take the card"
            wait_until(lambda: bool(kiosk.notified(PinRequested)), what="the PIN pad")
            terminal.answer_pin(PIN)               # typed on the PIN pad
            wait_until(identified_by(kiosk, LIU_FANG[0]), what="identified")
            assert terminal.session.source is IdentitySource.SOCIAL_SECURITY
            assert terminal.session.confirm()
        finally:
            virtual_card.remove()                  # taken out: the session ends after the grace
        wait_until(lambda: terminal.snapshot().state is SessionState.IDLE, what="session ended")
    kiosk.assert_no_trace(list(LIU_FANG), watch, also=[pcscd.root])


# -- 5. electronic ID code -------------------------------------------------------------------

class ScannerLine:
    """The scanner's end of a serial line (a pty): a hand-held scanner sends a code + CR LF."""

    def __init__(self, link: Path) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        name = os.ttyname(slave)
        os.close(slave)
        self.master = master
        link.symlink_to(name)
        self.link = link

    def scan(self, code: str) -> None:
        os.write(self.master, code.encode("utf-8") + b"\r\n")

    def close(self) -> None:
        os.close(self.master)


@needs_central
def test_no_trace_after_an_electronic_id_code(
    real_central: RealCentral, sim: IdCardSimulator, tmp_path: Path, private_tmp: Path,  # noqa: F811
) -> None:
    line = ScannerLine(tmp_path / "ttyScanner")
    site = site_file(
        tmp_path, sim, central_url=real_central.url,
        extra=f'[devices.code_scanner]\ndriver = "serial_scanner"\nport = "{line.link}"\n'
              "baud = 115200\n",
    )
    try:
        with running(site, private_tmp, enroll_with=real_central) as kiosk, \
                kiosk.session() as watch:
            terminal = kiosk.terminal
            ready(kiosk, "code_scanner")
            code = real_central._cli("eid", "issue", "--id-number", ZHANG_SAN.id_number,
                                     "--db", real_central.db_url)
            line.scan(code)                        # shown on the citizen's phone, scanned
            wait_until(identified_by(kiosk, ZHANG_SAN.name), what="identified by the code")
            assert terminal.session.source is IdentitySource.ELECTRONIC_ID
            assert terminal.session.confirm()
            terminal.session.finish()
    finally:
        line.close()
    kiosk.assert_no_trace([ZHANG_SAN.name, ZHANG_SAN.id_number], watch)


# -- 6. 排队取号 with the ID card (green channel) and 报到 by ID card ------------------------

@pytest.fixture
def queue_kiosk(real_central: RealCentral, sim: IdCardSimulator, tmp_path: Path,  # noqa: F811
                private_tmp: Path) -> Iterator[Kiosk]:
    from drivers.receipt.simulator import PrinterSimulator

    printer = PrinterSimulator(tmp_path / "receipts", paper="80mm", speed_mm_s=0)
    printer.start()
    host, port = printer.address
    site = site_file(tmp_path, sim, central_url=real_central.url,
                     offered=("identity_check", "queue_ticket"),
                     extra=f'[devices.receipt_printer]\ndriver = "escpos"\nurl = "tcp://{host}:{port}"\n')
    try:
        with running(site, private_tmp, enroll_with=real_central) as kiosk:
            ready(kiosk, "id_reader", "receipt_printer")
            yield kiosk
    finally:
        printer.stop()


def queue_flow_of(kiosk: Kiosk) -> Any:
    from kiosk.flows.queue_ticket import QueueTicketFlow, Step

    terminal = kiosk.terminal
    assert terminal.choose_service("queue_ticket")
    flow = terminal.flow
    assert isinstance(flow, QueueTicketFlow)
    wait_until(lambda: flow.step is Step.CATEGORIES, what="categories")
    return flow


def end_queue_visit(kiosk: Kiosk, sim: IdCardSimulator, flow: Any) -> None:
    from kiosk.flows.queue_ticket import Step

    wait_until(lambda: flow.step is Step.DONE, what="the ticket printed")
    assert kiosk.terminal.session.card is None      # let go as soon as it was used
    sim.remove()
    kiosk.terminal.session.finish()
    assert flow.wait_idle(TIMEOUT)
    wait_until(lambda: kiosk.terminal.outbox.status().pending == 0, what="outbox drained")


@needs_central
def test_no_trace_after_a_queue_ticket_with_the_id_card(queue_kiosk: Kiosk, sim: IdCardSimulator) -> None:
    kiosk = queue_kiosk
    with kiosk.session() as watch:
        flow = queue_flow_of(kiosk)
        sim.place("zhang_san")                     # for the green channel: his birth date only
        wait_until(lambda: flow.younger, what="the card's birth date read")
        flow.choose("A")
        end_queue_visit(kiosk, sim, flow)
    kiosk.assert_no_trace([ZHANG_SAN.name, ZHANG_SAN.id_number], watch)


@needs_central
def test_no_trace_after_a_check_in_by_id_card(queue_kiosk: Kiosk, sim: IdCardSimulator,
                                             real_central: RealCentral) -> None:  # noqa: F811
    from tests.kiosk.queue_fixtures import book_around_now

    book_around_now(real_central, ZHANG_SAN.id_number, ZHANG_SAN.name, start_in_minutes=5)
    kiosk = queue_kiosk
    with kiosk.session() as watch:
        flow = queue_flow_of(kiosk)
        flow.start_checkin()
        sim.place("zhang_san")                     # his ID number and name go to central once
        end_queue_visit(kiosk, sim, flow)
        assert flow.ticket is None                 # wiped with the session
    kiosk.assert_no_trace([ZHANG_SAN.name, ZHANG_SAN.id_number], watch)


# -- 7. 预约办事: a booking with its slip printed, 我的预约, a cancel --------------------------

@needs_central
def test_no_trace_after_booking_an_appointment_and_cancelling_it(
    real_central: RealCentral, sim: IdCardSimulator, tmp_path: Path, private_tmp: Path,  # noqa: F811
) -> None:
    from drivers.receipt.simulator import PrinterSimulator
    from kiosk.flows.appointment import AppointmentFlow
    from kiosk.flows.appointment import Step as ApStep
    from tests.kiosk.appointment_fixtures import PENSION, ensure_calendar

    ensure_calendar(real_central, tmp_path)
    printer = PrinterSimulator(tmp_path / "receipts", paper="80mm", speed_mm_s=0)
    printer.start()
    host, port = printer.address
    site = site_file(tmp_path, sim, central_url=real_central.url, offered=("identity_check", "appointment"),
                     extra=f'[devices.receipt_printer]\ndriver = "escpos"\nurl = "tcp://{host}:{port}"\n')
    try:
        with running(site, private_tmp, enroll_with=real_central) as kiosk, kiosk.session() as watch:
            terminal = kiosk.terminal
            ready(kiosk, "id_reader", "receipt_printer")
            assert terminal.choose_service("appointment")
            sim.place("zhang_san")
            wait_until(identified_by(kiosk, ZHANG_SAN.name))
            flow = terminal.confirm_identity()
            assert isinstance(flow, AppointmentFlow)
            wait_until(lambda: flow.step is ApStep.ITEMS, what="the items")
            flow.choose_item(PENSION)
            wait_until(lambda: flow.step is ApStep.DAYS, what="the calendar")
            # From the day after tomorrow: tomorrow's last places expire as the clock passes.
            flow.choose_day(next(d for d in flow.days
                                 if d.bookable and (d.date - flow.days[0].date).days >= 2).date)
            wait_until(lambda: flow.step is ApStep.SLOTS, what="the times")
            flow.choose_slot(next(s for s in flow.slots if s.bookable).time)
            flow.book()                            # his ID number and name go to central once
            wait_until(lambda: flow.step is ApStep.DONE and flow.slip_state == "printed", what="the slip")
            assert flow.appointment is not None
            number = flow.appointment.number
            flow.open_mine()
            wait_until(lambda: flow.step is ApStep.MINE, what="我的预约")
            flow.cancel(number)
            wait_until(lambda: flow.step is ApStep.MINE and flow.cancelled == number, what="cancelled")
            sim.remove()
            terminal.session.finish()
            assert flow.wait_idle(TIMEOUT)
            wait_until(lambda: flow.appointment is None and flow.mine is None, what="the flow wiped")
            wait_until(lambda: terminal.outbox.status().pending == 0, what="outbox drained")
            kiosk.assert_no_trace([ZHANG_SAN.name, ZHANG_SAN.id_number], watch)
    finally:
        printer.stop()


# -- the search itself ------------------------------------------------------------------------

def test_the_search_finds_the_citizen_in_each_encoding_and_container(tmp_path: Path) -> None:
    """A search that cannot find anything proves nothing: plant the citizen and find them."""
    import gzip
    import sqlite3

    from kiosk.printing.documents.a4 import IssuedDocumentData, render_document_pdf

    name, number = CLEAR["zhang_san"]
    (tmp_path / "utf16.txt").write_bytes(f"x{name}x".encode("utf-16-le"))
    (tmp_path / "gbk.txt").write_bytes(f"x{number} {name}".encode("gbk"))
    with gzip.open(tmp_path / "kiosk.log.1.gz", "wb") as gz:
        gz.write(name.encode())
    db = sqlite3.connect(tmp_path / "store.db")
    db.execute("CREATE TABLE t (v TEXT)")
    db.execute("INSERT INTO t VALUES (?)", (number,))
    db.commit()
    db.close()
    pdf = render_document_pdf(IssuedDocumentData.from_mapping({
        "document_number": "D1", "verification_code": "V1", "verify_url": "https://x/documents/V1",
        "kind": "proof", "proof_code": "p", "title": "居民户籍证明", "issuer": "晋城市公安局",
        "issued_at": "2026-11-23T09:30:00+08:00", "holder": {"name": name, "id_number": number},
        "fields": [], "paragraphs": [], "notes": [],
    }), terminal_id="T", hall_name="大厅", printed_at=dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC))
    (tmp_path / "d00001-001").write_bytes(pdf)     # as a spooled job
    found = {(Path(t.where.split(" (")[0]).name, t.needle, t.encoding)
             for t in TraceFinder([name, number]).in_paths([tmp_path])}
    assert ("utf16.txt", name, "utf-16-le") in found
    assert {("gbk.txt", name, "gbk"), ("gbk.txt", number, "gbk")} <= found
    assert ("kiosk.log.1.gz", name, "utf-8") in found
    assert ("store.db", number, "utf-8") in found
    assert {("d00001-001", name, "text"), ("d00001-001", number, "text")} <= found
    assert TraceFinder([name, number]).in_paths([tmp_path], exclude=[tmp_path]) == []
