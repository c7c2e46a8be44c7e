"""排队取号 without a window, against the real central: categories with waiting counts, a
ticket taken and printed (retrying with the same key gets the same ticket), the green channel
from the birth date of a card placed on the list (65+ vs younger; only the birth date leaves
the terminal), the flow's table, and the wipe."""

from __future__ import annotations

import datetime as dt

from kiosk.flows.base import check_table
from kiosk.flows.queue_ticket import QueueTicketFlow, Step
from kiosk.flows.queue_views import age_on, is_green
from kiosk.registry import SERVICES
from tests.kiosk import queue_fixtures
from tests.kiosk.queue_fixtures import EnrolledHall, Parts, card, receipt_text

hall, parts = queue_fixtures.hall, queue_fixtures.parts   # the fixtures


def test_the_table_is_whole_and_the_service_needs_no_identity() -> None:
    assert check_table(QueueTicketFlow) == []
    spec = SERVICES["queue_ticket"]
    assert spec.identify == "optional" and not spec.needs_central
    assert spec.needs == ("receipt_printer",)


def test_age_counts_full_years_on_the_day() -> None:
    today = dt.date(2030, 6, 15)
    assert age_on("1965-06-15", today) == 65 and is_green("1965-06-15", today)
    assert age_on("1965-06-16", today) == 64 and not is_green("1965-06-16", today)
    assert age_on("not a date", today) is None and not is_green(None, today)


def test_categories_show_waiting_counts_and_a_ticket_prints(parts: Parts, hall: EnrolledHall) -> None:
    flow = parts.flow
    flow.load()
    assert flow.step is Step.CATEGORIES and not flow.offline
    assert [c.code for c in flow.categories] == ["A", "B", "C"]
    assert all(c.waiting is not None and c.wait_minutes is not None for c in flow.categories)
    assert flow.hall_name == "晋城市政务服务中心"
    before = next(c.waiting for c in flow.categories if c.code == "B")

    flow.choose("B")
    assert flow.step is Step.DONE, flow.error
    ticket = flow.ticket
    assert ticket is not None and ticket.label.startswith("B") and ticket.kind == "normal"
    assert ticket.people_ahead == before and not ticket.offline
    assert ticket.follow_url.startswith(hall.central.url + "/hall/JC-ZWZX/ticket/" + ticket.label)
    text = receipt_text(parts.paper.printed[-1])
    assert ticket.label in text and "社保" in text and "晋城市政务服务中心" in text
    assert f"您前面还有 {before} 人" in text and "预计等候" in text
    assert f"QR {ticket.follow_url}" in text and "离线" not in text
    assert hall.tickets(ticket.label) == [(ticket.label, "normal", 0, "waiting")]
    # Blocks for offline tickets were reserved while central answered.
    assert {c.code for c in parts.blocks.categories()} == {"A", "B", "C"}


def test_the_same_choice_again_is_the_same_ticket(parts: Parts, hall: EnrolledHall) -> None:
    flow = parts.flow
    flow.load()
    flow.choose("A")
    first = flow.ticket
    assert first is not None
    # The citizen's screen went back to the list (e.g. a retry after a lost answer).
    with flow._lock:
        flow.step = Step.CATEGORIES
    flow.choose("A")
    assert flow.ticket is not None and flow.ticket.label == first.label
    assert len(hall.tickets(first.label)) == 1


def test_a_card_of_someone_65_or_older_gives_the_green_channel(parts: Parts, hall: EnrolledHall) -> None:
    flow, session = parts.flow, parts.session
    flow.load()
    session.identity_read(card(age=70), "queue_ticket")
    assert session.card is not None          # lent to the flow ...
    flow.identity_arrived()
    assert session.card is None              # ... and let go at once
    assert flow.green and not flow.younger and flow.birth_date is not None
    flow.choose("A")
    assert flow.step is Step.DONE and flow.ticket is not None
    assert flow.ticket.kind == "green"
    assert "绿色通道" in receipt_text(parts.paper.printed[-1])
    assert hall.tickets(flow.ticket.label)[0][1] == "green"


def test_a_younger_card_gives_a_normal_ticket(parts: Parts, hall: EnrolledHall) -> None:
    flow, session = parts.flow, parts.session
    flow.load()
    session.identity_read(card(age=64, name="李明", serial="135"), "queue_ticket")
    flow.identity_arrived()
    assert session.card is None and flow.younger and not flow.green
    flow.choose("C")
    assert flow.ticket is not None and flow.ticket.kind == "normal"
    assert "绿色通道" not in receipt_text(parts.paper.printed[-1])


def test_a_printer_not_ready_is_said_before_a_number_is_taken(parts: Parts, hall: EnrolledHall) -> None:
    flow = parts.flow
    flow.load()
    parts.paper.ready = (False, "paper_out")
    flow.choose("A")
    assert flow.step is Step.CATEGORIES and flow.error == "paper_out" and flow.ticket is None
    parts.paper.ready = (True, "")
    parts.paper.fail_with = "paper_out"
    flow.choose("A")
    assert flow.step is Step.PRINT_FAILED and flow.ticket is not None
    parts.paper.fail_with = ""
    flow.reprint()
    assert flow.step is Step.DONE and len(parts.paper.printed) == 1


def test_the_wipe_forgets_the_birth_date_and_the_ticket(parts: Parts) -> None:
    flow, session = parts.flow, parts.session
    flow.load()
    session.identity_read(card(age=80), "queue_ticket")
    flow.identity_arrived()
    flow.choose("A")
    flow.wipe()
    assert flow.birth_date is None and flow.ticket is None and not flow.green
    assert flow.categories == [] and flow.step is Step.LOADING


def test_the_hall_and_community_profiles_offer_the_queue_and_the_bank_does_not() -> None:
    import tomllib
    from pathlib import Path

    config = Path(__file__).resolve().parents[2] / "config"

    def offered(profile: str) -> list[str]:
        with (config / f"{profile}.toml").open("rb") as fh:
            return list(tomllib.load(fh)["services"]["offered"])

    assert "queue_ticket" in offered("hall") and "queue_ticket" in offered("community")
    assert "queue_ticket" not in offered("bank")
