"""预约办事 without a window, against the real central (`kiosk-central serve`, seeded SQLite):
the flow's table, a booking from the calendar to the printed slip, 我的预约 and cancelling,
each refusal central gives and where it sends the citizen, a lost answer retried under the
same Idempotency-Key (one booking), central down or answering garbage, and the wipe.

Dates: whatever the day the tests run; the days come from central's calendar (a test year
is imported through `kiosk-central calendar import` when the pinned chinesecalendar does
not know it, tests/kiosk/appointment_fixtures.py). The slip printer is the flow's port
keeping what it printed (the real ESC/POS path: test_appointment_slip.py and the UI test).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk import hall_time
from kiosk.central_api.booking import Appointment, BookingApi, Hall
from kiosk.central_api.client import CentralClient
from kiosk.central_api.errors import CentralRejected
from kiosk.flows.appointment import AppointmentFlow, Step
from kiosk.flows.appointment_rules import UNCONFIRMED, after_refusal
from kiosk.flows.base import check_table, inline_runner, thread_runner
from kiosk.printing.documents.appointment_slip import AppointmentSlipData, appointment_slip
from kiosk.printing.documents.receipts import ReceiptDocument
from kiosk.printing.printers import PrintResult
from kiosk.session import Session
from tests.kiosk.appointment_fixtures import (
    BANK_SITE,
    HALL,
    PENSION,
    ZONE,
    citizen,
    enrolled,
    ensure_calendar,
    id_number,
)
from tests.support.fake_central import FakeCentral, Reply
from tests.support.gate_proxy import GateProxy
from tests.support.real_central import RealCentral, central_available

pytestmark = pytest.mark.skipif(not central_available(), reason="central/ (kiosk-central) is not installed")
UTC = dt.UTC


@dataclass
class Slips:
    """The flow's slip printer: ready or not; each slip laid out by the real layout."""

    ready_as: tuple[bool, str] = (True, "")
    fail_with: str = ""
    printed: list[tuple[ReceiptDocument, str]] = field(default_factory=list)

    def ready(self) -> tuple[bool, str]:
        return self.ready_as

    def print_slip(self, appointment: Appointment, hall: Hall, id_number: str) -> PrintResult:
        if self.fail_with:
            return PrintResult(False, reason=self.fail_with)
        doc = appointment_slip(AppointmentSlipData(appointment, hall, "T", dt.datetime.now(UTC)), ZONE)
        self.printed.append((doc, id_number))
        return PrintResult(True)


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealCentral]:
    folder = tmp_path_factory.mktemp("appointment-central")
    real = RealCentral(folder)
    real.seed()
    ensure_calendar(real, folder)
    real.start()
    try:
        yield real
    finally:
        real.stop()


@pytest.fixture(scope="module")
def client(central: RealCentral) -> Iterator[CentralClient]:
    with enrolled(central) as c:
        yield c


_serials = iter(range(100, 999))


def flow_for(client: CentralClient | BookingApi, tmp_path: Path, slips: Slips | None = None,
             serial: int | None = None) -> AppointmentFlow:
    session = Session(idle_timeout=120, idle_warning=15, removal_grace=5, temp_root=tmp_path)
    session.identity_read(citizen(serial if serial is not None else next(_serials)), "appointment")
    assert session.confirm()
    api = client if isinstance(client, BookingApi) else BookingApi(client)
    return AppointmentFlow(session, api, slips if slips is not None else Slips(), runner=inline_runner, zone=ZONE)


def to_bookable_slot(flow: AppointmentFlow, item: str = PENSION, skip_days: int = 0) -> None:
    """items -> the (skip_days+1)-th bookable day -> its first bookable slot -> CONFIRM."""
    if flow.step is Step.LOADING:
        flow.load()
    if flow.step is Step.ITEMS:
        flow.choose_item(item)
    assert flow.step is Step.DAYS, (flow.step, flow.error)
    # Days from the day after tomorrow: tomorrow's last places stop being bookable as the
    # clock passes them (24 h ahead), between loading the days and loading its times.
    today = flow.days[0].date
    day = [d for d in flow.days if d.bookable and (d.date - today).days >= 2][skip_days]
    flow.choose_day(day.date)
    assert flow.step is Step.SLOTS, (flow.step, flow.error)
    slot = next(s for s in flow.slots if s.bookable)
    flow.choose_slot(slot.time)
    assert flow.step is Step.CONFIRM


def bookings_of(central: RealCentral, person: str) -> list[tuple[object, ...]]:
    return central.query("SELECT appointment_id, status, idempotency_key FROM bookings WHERE person_id_number = ?",
                         person)


# -- the table --------------------------------------------------------------------------------

def test_the_transition_table_is_sound() -> None:
    assert check_table(AppointmentFlow) == []


def test_every_refusal_sends_the_citizen_where_they_can_act() -> None:
    assert after_refusal("full") is Step.LOADING_SLOTS and after_refusal("too_soon") is Step.LOADING_SLOTS
    assert after_refusal("too_far") is Step.LOADING_DAYS and after_refusal("duplicate") is Step.LOADING_DAYS
    assert after_refusal("calendar_unknown") is Step.LOADING_DAYS
    for reason in ("suspended", "invalid_id", "not_found"):
        assert after_refusal(reason) is None        # the error step
    assert after_refusal("idempotency_conflict") is Step.CONFIRM


# -- a booking, the slip, 我的预约, cancelling ------------------------------------------------

def test_book_a_slot_print_the_slip_see_it_and_cancel_it(client: CentralClient, central: RealCentral,
                                                         tmp_path: Path) -> None:
    slips = Slips()
    flow = flow_for(client, tmp_path, slips)
    flow.load()
    assert flow.step is Step.ITEMS and flow.hall is not None and flow.hall.code == HALL
    pension = flow.hall.item(PENSION)
    assert pension is not None and set(pension.sessions) >= {"regular", "cuoshi", "wuxiu"}
    flow.choose_item(PENSION)
    assert flow.step is Step.DAYS and len(flow.days) == 14
    assert flow.days[0].date == flow.today() and flow.days[0].reason == "too_soon"
    assert any(d.bookable for d in flow.days)
    to_bookable_slot(flow)
    slot, day = flow.slot, flow.day
    assert slot is not None and day is not None
    flow.book()
    assert flow.step is Step.DONE, (flow.step, flow.error)
    booked = flow.appointment
    assert booked is not None and booked.status == "booked"
    assert (booked.date, booked.time, booked.item_code) == (day.date, slot.time, PENSION)
    assert booked.name_masked == "李*" and booked.qr and booked.qr.startswith("TONGBAN-APPT:")
    assert flow.slip_state == "printed"
    [(doc, printed_for)] = slips.printed
    assert doc.number == booked.number and printed_for == flow._card()["id_number"]
    person = flow._card()["id_number"]
    assert [row[1] for row in bookings_of(central, person)] == ["booked"]

    flow.open_mine()
    assert flow.step is Step.MINE and flow.mine is not None
    assert [a.number for a in flow.mine] == [booked.number] and flow.can_cancel(flow.mine[0])
    flow.cancel(booked.number)
    assert (flow.step, flow.error, flow.cancelled) == (Step.MINE, "", booked.number)
    assert [a.status for a in flow.mine] == ["cancelled"]
    assert [row[1] for row in bookings_of(central, person)] == ["cancelled"]
    flow.back()
    assert flow.step is Step.ITEMS


def test_a_bank_terminal_books_for_the_city_hall(central: RealCentral, tmp_path: Path) -> None:
    with enrolled(central, BANK_SITE, region="140502", profile="bank") as bank:
        flow = flow_for(bank, tmp_path)
        flow.load()
        assert flow.step is Step.ITEMS and [h.code for h in flow.halls] == [HALL]


def test_a_site_booking_for_two_halls_asks_which_first(central: RealCentral, tmp_path: Path) -> None:
    # A site of two halls (the seed's sites have one each): the row `hall_sites` keeps.
    with sqlite3.connect(central.db_path, timeout=30) as db:
        db.executemany("INSERT INTO hall_sites (site_name, hall_code, position) VALUES (?, ?, ?)",
                       [("泽州县测试网点", HALL, 0), ("泽州县测试网点", "ZZ-ZWZX", 1)])
    with enrolled(central, "泽州县测试网点", region="140525", profile="bank") as site:
        flow = flow_for(site, tmp_path)
        flow.load()
        assert flow.step is Step.HALLS and [h.code for h in flow.halls] == [HALL, "ZZ-ZWZX"]
        flow.choose_hall("ZZ-ZWZX")
        assert flow.step is Step.ITEMS and flow.hall is not None and flow.hall.code == "ZZ-ZWZX"
        assert all("wuxiu" not in i.sessions for i in flow.hall.items)     # the county hall: 错时 evenings
        assert any("cuoshi" in i.sessions for i in flow.hall.items)
        flow.back()
        assert flow.step is Step.HALLS
        flow.open_mine()
        assert flow.step is Step.MINE and flow.mine == ()
        flow.back()
        assert flow.step is Step.HALLS


# -- refusals ---------------------------------------------------------------------------------

def test_a_grey_day_says_why_and_stays(client: CentralClient, tmp_path: Path) -> None:
    flow = flow_for(client, tmp_path)
    flow.load()
    flow.choose_item(PENSION)
    flow.choose_day(flow.today())                 # today: always too soon
    assert (flow.step, flow.error) == (Step.DAYS, "too_soon")
    far = next((d for d in flow.days if d.reason == "too_far"), None)
    assert far is not None, [(d.date, d.reason) for d in flow.days]   # 14 days > 7 working days
    flow.choose_day(far.date)
    assert (flow.step, flow.error) == (Step.DAYS, "too_far")


def test_a_slot_taken_meanwhile_is_refused_full_and_the_times_come_back_fresh(
    client: CentralClient, tmp_path: Path,
) -> None:
    flow = flow_for(client, tmp_path)
    to_bookable_slot(flow, skip_days=1)
    slot, day = flow.slot, flow.day
    assert slot is not None and day is not None
    api = BookingApi(client)
    for n in range(slot.remaining):              # others take the last places
        api.book(hall=HALL, item_code=PENSION, day=day.date, time=slot.time, id_number=id_number(900 + n),
                 name="赵六", idempotency_key=f"00000000-0000-4000-8000-{900 + n:012d}")
    flow.book()
    assert (flow.step, flow.error) == (Step.SLOTS, "full")
    fresh = next(s for s in flow.slots if s.time == slot.time)
    assert fresh.remaining == 0 and not fresh.bookable and fresh.reason == "full"
    flow.choose_slot(slot.time)
    assert (flow.step, flow.error) == (Step.SLOTS, "full")


def test_a_second_booking_of_the_item_that_day_is_refused_duplicate(client: CentralClient, tmp_path: Path) -> None:
    flow = flow_for(client, tmp_path)
    to_bookable_slot(flow)
    flow.book()
    assert flow.step is Step.DONE
    first = flow.appointment
    assert first is not None
    flow.open_mine()
    flow.back()                                   # from 我的预约 back to the items
    flow.choose_item(PENSION)
    flow.choose_day(first.date)
    later = next(s for s in flow.slots if s.bookable and s.time != first.time)
    flow.choose_slot(later.time)
    flow.book()
    assert (flow.step, flow.error) == (Step.DAYS, "duplicate")


def test_refusals_central_gives_a_booking(client: CentralClient) -> None:
    """The reasons the calendar cannot show up front, straight from the engine."""
    api = BookingApi(client)
    today = hall_time.today(ZONE)
    days = api.days(HALL, PENSION, today, 14).days
    good = next(d for d in days if d.bookable and (d.date - today).days >= 2)  # 09:00 open

    def refusal(**change: object) -> str:
        args: dict[str, object] = {"hall": HALL, "item_code": PENSION, "day": good.date, "time": "09:00",
                                   "id_number": id_number(777), "name": "钱七",
                                   "idempotency_key": "00000000-0000-4000-8000-000000000777"}
        args.update(change)
        with pytest.raises(CentralRejected) as caught:
            api.book(**args)  # type: ignore[arg-type]
        return caught.value.error

    assert refusal(time="09:10", idempotency_key="00000000-0000-4000-8000-000000000001") == "closed"
    assert refusal(day=dt.date(2099, 3, 2), idempotency_key="00000000-0000-4000-8000-000000000002") == \
        "calendar_unknown"
    wrong = id_number(777)[:-1] + ("0" if id_number(777)[-1] != "0" else "1")   # the check digit off
    assert refusal(id_number=wrong, idempotency_key="00000000-0000-4000-8000-000000000003") == "invalid_id"
    assert refusal(item_code="11140500MB0000000X0000000000", idempotency_key="00000000-0000-4000-8000-000000000004") \
        == "not_found"
    assert refusal(day=today, idempotency_key="00000000-0000-4000-8000-000000000005") == "too_soon"
    with pytest.raises(CentralRejected) as caught:
        api.cancel("YY0000000000000000", id_number(777))
    assert caught.value.error == "not_found"


def test_a_suspended_booker_is_told_until_when(client: CentralClient, central: RealCentral, tmp_path: Path) -> None:
    serial = 555
    person = id_number(serial)
    now = dt.datetime.now(UTC).replace(tzinfo=None)
    # Three no-shows earlier: central's own sweep would have written this row.
    with sqlite3.connect(central.db_path, timeout=30) as db:
        db.execute("INSERT INTO booking_suspensions (person_id_number, hall_code, starts_at, ends_at, lifted) "
                   "VALUES (?, ?, ?, ?, 0)", (person, HALL, now - dt.timedelta(days=1), now + dt.timedelta(days=29)))
    flow = flow_for(client, tmp_path, serial=serial)
    to_bookable_slot(flow)
    flow.book()
    assert (flow.step, flow.error) == (Step.ERROR, "suspended")
    assert flow.until is not None and flow.until >= hall_time.today(ZONE) + dt.timedelta(days=27)


# -- a lost answer, central down, garbage ------------------------------------------------------

def test_a_lost_answer_is_retried_with_the_same_key_and_books_once(central: RealCentral, tmp_path: Path) -> None:
    gate = GateProxy(central.url, "/api/v1/appointments/book")
    gate.start()
    try:
        base = enrolled(central)
        identity = base.identity
        base.close()
        with CentralClient(gate.url, identity, lookup_retries=0, read_timeout=30) as through_gate:
            flow = flow_for(through_gate, tmp_path)
            to_bookable_slot(flow)
            flow._runner = thread_runner
            gate.arm("window", after=1)           # central books, the answer is lost
            flow.book()
            assert gate.wait_held(30)
            gate.release()
            assert flow.wait_idle(30)
            assert (flow.step, flow.error) == (Step.CONFIRM, UNCONFIRMED)
            person = flow._card()["id_number"]
            [(appointment_id, status, _)] = bookings_of(central, person)
            assert status == "booked"             # central did book
            flow.book()                           # the citizen taps 确认预约 again
            assert flow.wait_idle(30)
            assert flow.step is Step.DONE and flow.appointment is not None
            assert [row[:2] for row in bookings_of(central, person)] == [(appointment_id, "booked")]
    finally:
        gate.stop()


def test_central_down_or_garbage_says_so_and_keeps_nothing_half_done(tmp_path: Path) -> None:
    fake = FakeCentral()
    fake.start()
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from kiosk.central_api.signing import TerminalIdentity

        key = Ed25519PrivateKey.generate()
        fake.register("T-0001", key.public_key())
        with CentralClient(fake.url, TerminalIdentity("T-0001", key, fake.url), sleep=lambda _s: None) as c:
            fake.then("GET", "/api/v1/halls/mine", Reply(200, b"<html>not json</html>"))
            flow = flow_for(c, tmp_path)
            flow.load()
            assert (flow.step, flow.error) == (Step.ERROR, "invalid_response")
            fake.then("GET", "/api/v1/halls/mine", *[Reply(503, {"error": "down"})] * 8)
            flow.load()
            assert (flow.step, flow.error) == (Step.ERROR, "central_unavailable")
            assert flow.halls == () and flow.appointment is None
    finally:
        fake.stop()


def test_the_wipe_drops_everything_of_the_citizen(client: CentralClient, tmp_path: Path) -> None:
    flow = flow_for(client, tmp_path)
    to_bookable_slot(flow)
    flow.book()
    flow.open_mine()
    assert flow.mine and flow._keys
    flow.wipe()
    assert flow.step is Step.LOADING and flow.error == ""
    assert (flow.halls, flow.hall, flow.item, flow.days, flow.day, flow.slots, flow.slot) == ((), None, None, (),
                                                                                              None, (), None)
    assert flow.appointment is None and flow.mine is None and flow._keys == {}
    assert flow.slip_state == "" and flow.cancelled == ""


def test_a_late_answer_after_the_session_ended_is_dropped(client: CentralClient, tmp_path: Path) -> None:
    flow = flow_for(client, tmp_path)
    flow.load()
    flow.choose_item(PENSION)
    started, release = threading.Event(), threading.Event()
    api = flow._central
    real_days = api.days

    def slow_days(*args: object) -> object:
        started.set()
        release.wait(10)
        return real_days(*args)  # type: ignore[arg-type]

    api.days = slow_days  # type: ignore[method-assign]
    flow._runner = thread_runner
    flow.back()
    flow.choose_item(PENSION)
    assert started.wait(10)
    flow.wipe()                                   # the session ends while central answers
    release.set()
    assert flow.wait_idle(10)
    assert flow.step is Step.LOADING and flow.days == ()
