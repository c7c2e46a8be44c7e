"""报到 without a window, against the real central: an appointment code checked offline
first (forged, expired, another hall: said without asking central), then checked in by
central into a priority ticket (kind appointment, printed); check-in by ID card (the number
and name go to central once, the card is let go); central's refusals (too_early, too_late,
not_today, cancelled, not_found, already checked in) come back in plain words with the
window's alternative; central down: said, with a normal ticket offered."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.central_api.link import CentralKeys
from kiosk.flows.queue_ticket import Step
from kiosk.identify.code_keys import CodeKeyCache
from kiosk.identify.codes import AppointmentVerifier, CodeMeaning, classify
from screens.queue_ticket import words
from tests.kiosk import queue_fixtures
from tests.kiosk.queue_fixtures import (
    HALL_NAME,
    EnrolledHall,
    Parts,
    book_around_now,
    card,
    receipt_text,
)

hall, parts = queue_fixtures.hall, queue_fixtures.parts   # the fixtures


def verified(parts: Parts, text: str) -> CodeMeaning:
    """What the terminal's code worker makes of a scanned code (central's keys kept in the
    data dir, fetched once)."""
    keys = CodeKeyCache.for_data_dir(Path(parts.config.terminal.data_dir), CentralKeys(parts.config))
    return classify(text, AppointmentVerifier(keys, hall=HALL_NAME))


def scan(parts: Parts, text: str) -> None:
    parts.flow.appointment_scanned(text, verified(parts, text))


def test_a_code_for_now_checks_in_and_prints_a_priority_ticket(parts: Parts, hall: EnrolledHall) -> None:
    person = card(age=40, name="赵敏", serial="211")
    code = book_around_now(hall.central, person.id_number, person.name, start_in_minutes=10)
    flow = parts.flow
    flow.load()
    scan(parts, code)
    assert flow.step is Step.DONE, (flow.error, flow.checkin_detail)
    ticket = flow.ticket
    assert ticket is not None and ticket.kind == "appointment" and ticket.label.startswith("B")
    text = receipt_text(parts.paper.printed[-1])
    assert "预约报到" in text and "城乡居民基本养老保险参保登记" in text and ticket.label in text
    assert hall.tickets(ticket.label)[0][1] == "appointment"
    # The same code again: central says it is checked in already, in words.
    with flow._lock:
        flow.step = Step.CATEGORIES
    flow._keys.clear()   # a new visit: a new key
    scan(parts, code)
    assert flow.step is Step.CHECKIN and flow.error == "already_checked_in"


def test_an_idle_terminal_scanning_a_code_starts_the_check_in(parts: Parts, hall: EnrolledHall) -> None:
    """The flow may be still loading its list when the code arrives: the check-in goes on."""
    person = card(age=50, name="钱伟", serial="212")
    code = book_around_now(hall.central, person.id_number, person.name, start_in_minutes=-5)
    scan(parts, code)     # straight from LOADING, as the terminal does at an idle screen
    assert parts.flow.step is Step.DONE and parts.flow.ticket is not None
    assert parts.flow.ticket.kind == "appointment"


def test_codes_that_do_not_verify_are_refused_without_central(parts: Parts, hall: EnrolledHall) -> None:
    flow = parts.flow
    flow.load()
    other = book_around_now(hall.central, card(30, serial="213").id_number, "孙丽", start_in_minutes=10,
                            hall_name="泽州县政务服务中心", hall_code="ZZ-ZWZX")
    scan(parts, other)
    assert (flow.step, flow.error) == (Step.CHECKIN, "wrong_hall")
    assert "不是本大厅" in words.checkin_refusal(flow.error)
    genuine = book_around_now(hall.central, card(30, serial="214").id_number, "周强", start_in_minutes=10)
    forged = genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB")
    scan(parts, forged)
    assert flow.error == "forged"
    expired = book_around_now(hall.central, card(30, serial="215").id_number, "吴芳",
                              start_in_minutes=-120, minutes=30)
    scan(parts, expired)
    assert flow.error == "expired"
    assert flow.ticket is None and parts.paper.printed == []


@pytest.mark.parametrize(("reason", "start", "minutes", "day", "status"), [
    ("too_early", 120, 30, 0, "booked"),
    ("too_late", -60, 180, 0, "booked"),
    ("not_today", 24 * 60 + 60, 30, 1, "booked"),
    ("cancelled", 10, 30, 0, "cancelled"),
])
def test_centrals_refusals_are_said_with_what_to_do(parts: Parts, hall: EnrolledHall, reason: str,
                                                    start: int, minutes: int, day: int, status: str) -> None:
    person = card(age=45, name="郑洁", serial=f"3{len(reason):02d}")
    code = book_around_now(hall.central, person.id_number, person.name, start_in_minutes=start,
                           minutes=minutes, day_offset=day, status=status)
    flow = parts.flow
    flow.load()
    scan(parts, code)
    assert (flow.step, flow.error) == (Step.CHECKIN, reason), flow.checkin_detail
    said = words.checkin_refusal(flow.error, flow.checkin_detail)
    assert "普通号" in said
    if reason in ("too_early", "too_late"):
        assert "报到时间为" in said        # central's window, in the words
    flow.back()                           # 取普通号
    assert flow.step is Step.CATEGORIES


def test_check_in_by_id_card_sends_it_once_and_lets_it_go(parts: Parts, hall: EnrolledHall) -> None:
    person = card(age=70, name="冯玉珍", serial="221")
    book_around_now(hall.central, person.id_number, person.name, start_in_minutes=0)
    flow, session = parts.flow, parts.session
    flow.load()
    flow.start_checkin()
    assert flow.step is Step.CHECKIN
    session.identity_read(person, "queue_ticket")
    flow.identity_arrived()
    assert session.card is None
    assert flow.step is Step.DONE and flow.ticket is not None and flow.ticket.kind == "appointment"


def test_nobody_booked_by_card_is_not_found(parts: Parts) -> None:
    flow, session = parts.flow, parts.session
    flow.load()
    flow.start_checkin()
    session.identity_read(card(age=33, name="陈晨", serial="231"), "queue_ticket")
    flow.identity_arrived()
    assert (flow.step, flow.error) == (Step.CHECKIN, "not_found") and session.card is None
    assert "没有找到" in words.checkin_refusal(flow.error)


def test_central_down_during_check_in_is_said_and_a_normal_ticket_offered(
    parts: Parts, hall: EnrolledHall
) -> None:
    person = card(age=52, name="褚明", serial="241")
    code = book_around_now(hall.central, person.id_number, person.name, start_in_minutes=5)
    flow = parts.flow
    flow.load()
    meaning = verified(parts, code)
    assert meaning.accepted
    hall.central.stop()
    try:
        flow.appointment_scanned(code, meaning)
        assert (flow.step, flow.error) == (Step.CHECKIN, "central_unavailable")
        assert "先取普通号" in words.checkin_refusal(flow.error)
        flow.back()
        assert flow.step is Step.CATEGORIES
    finally:
        hall.central.start()


@pytest.mark.parametrize("reason", ["malformed", "forged", "expired", "wrong_hall", "unverifiable",
                                    "too_early", "too_late", "not_today", "cancelled", "not_found",
                                    "already_checked_in", "central_unavailable", "something_new"])
def test_every_refusal_says_what_to_do_instead(reason: str) -> None:
    said = words.checkin_refusal(reason)
    assert said.endswith("。") and any(way in said for way in ("普通号", "服务台", "重新预约", "留意叫号"))
    assert not any(c.isascii() and c.isalpha() for c in said)     # Chinese, no codes
