"""好差评 on the terminal without central: the handlings store (person_key never the number,
the 7 days, 一次一评), and the flow's steps with inline work, committing evaluations to the
real outbox (central out of reach: they wait, "queued")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kiosk.central_api.errors import NotEnrolled
from kiosk.evaluation.handlings import Handlings, application_handling_id
from kiosk.evaluation.sending import KIND_EVALUATION, AlreadyRated, Rateable
from kiosk.flows.base import Flow, Handling, check_table, inline_runner
from kiosk.flows.evaluation import EvaluationFlow, Step
from kiosk.outbox import Outbox
from kiosk.session import Session
from kiosk.store import Store, open_store
from kiosk.store.schema import handlings as handlings_table
from kiosk.store.schema import outbox as outbox_table
from tests.support.cards import make_card

DAY = 86400.0
T0 = 1_796_000_000.0          # 2026-12-01, a fixed clock


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def _no_client() -> Any:
    raise NotEnrolled()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "data") as opened:
        yield opened


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def outbox(store: Store, clock: Clock) -> Iterator[Outbox]:
    box = Outbox(store, _no_client, clock=clock, rng=lambda: 0.0)
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def handlings(store: Store, outbox: Outbox, clock: Clock) -> Handlings:
    return Handlings(store, clock=clock, outbox=outbox)


@pytest.fixture
def session(tmp_path: Path) -> Session:
    s = Session(idle_timeout=60, idle_warning=15, removal_grace=5, temp_root=tmp_path)
    s.identity_read(make_card(), "evaluation")
    assert s.confirm()
    return s


def evaluation_rows(store: Store) -> list[dict[str, Any]]:
    """The outbox's evaluation rows with their payload decrypted (the store key's)."""
    with store.read() as conn:
        rows = conn.execute(select(outbox_table).where(outbox_table.c.kind == KIND_EVALUATION)).all()
    return [{"label": r.local_receipt, "state": r.state,
             "body": json.loads(store.cipher.decrypt(r.payload_encrypted, r.idempotency_key))}
            for r in rows]


def test_the_flow_table_is_sound() -> None:
    assert check_table(EvaluationFlow) == []


# -- the store -------------------------------------------------------------------------------

def test_person_key_is_a_keyed_hash_never_the_number(store: Store, handlings: Handlings, tmp_path: Path) -> None:
    number = make_card().id_number
    key = handlings.person_key(number)
    assert len(key) == 64 and int(key, 16) >= 0
    assert key == handlings.person_key(number.lower()) and key != handlings.person_key("110101199003071234")
    assert number not in key and number[-6:] not in key
    with open_store(tmp_path / "other") as other:   # another terminal's key: another hash
        assert Handlings(other).person_key(number) != key
    handlings.record(Handling("identity_check", "身份核验"), key)
    store.close()
    for path in (tmp_path / "data").glob("kiosk.db*"):
        data = path.read_bytes()
        assert number.encode() not in data and number.encode("utf-16-le") not in data


def test_record_recent_mark_rated_and_the_seven_days(handlings: Handlings, clock: Clock, store: Store) -> None:
    key, other = handlings.person_key("110101199003071233"), handlings.person_key("31010419880512006X")
    first = handlings.record(Handling("identity_check", "身份核验"), key)
    clock.now += DAY
    filed = handlings.record(Handling("yizheng_tongban", "一证通办：参保登记", "ITEM",
                                      "14050020261201000001", "T-1"), key)
    handlings.record(Handling("proof_print", "证明打印"), other)
    anonymous = handlings.record(Handling("queue_ticket", "排队取号：综合 A001"), None)
    assert filed == application_handling_id("14050020261201000001")   # the same everywhere
    assert [h.handling_id for h in handlings.recent(key)] == [filed, first]   # newest first
    assert handlings.recent("") == [] and [h.service_id for h in handlings.recent(other)] == ["proof_print"]
    assert handlings.mark_rated(first) and not handlings.mark_rated(first)   # once
    assert [h.rated for h in handlings.recent(key)] == [False, True]
    assert handlings.get(anonymous) is not None and handlings.get(anonymous).rated is False  # type: ignore[union-attr]
    # Day 7 after the first: it is still kept for 1 more day; day 8 it is gone.
    clock.now = T0 + 7 * DAY - 1
    assert len(handlings.recent(key)) == 2
    assert [h.handling_id for h in handlings.recent(key, days=1)] == []
    clock.now = T0 + 7 * DAY + 1
    assert [h.handling_id for h in handlings.recent(key)] == [filed]
    assert handlings.prune() == 1
    clock.now = T0 + 9 * DAY
    handlings.record(Handling("identity_check", "身份核验"), key)   # a record prunes too
    with store.read() as conn:
        assert conn.execute(select(handlings_table.c.service_id)).scalars().all() == ["identity_check"]


def test_an_application_completed_twice_is_one_handling(handlings: Handlings) -> None:
    h = Handling("yizheng_tongban", "一证通办：参保登记", "ITEM", "14050020261201000002")
    assert handlings.record(h, None) == handlings.record(h, None)
    assert handlings.mark_rated(application_handling_id("14050020261201000002"))


# -- the flow from the tile ------------------------------------------------------------------

def tile_flow(session: Session, handlings: Handlings) -> EvaluationFlow:
    flow = EvaluationFlow(session, handlings, None, runner=inline_runner, clock=handlings._clock)
    flow.load()
    return flow


def test_the_tile_lists_what_is_not_rated_and_a_good_level_is_one_tap(
        session: Session, handlings: Handlings, store: Store) -> None:
    key = handlings.person_key(make_card().id_number)
    rated = handlings.record(Handling("identity_check", "身份核验"), key)
    handlings.mark_rated(rated)
    proof = handlings.record(Handling("proof_print", "证明打印：社会保险参保证明"), key)
    handlings.record(Handling("proof_print", "证明打印：别人的"), handlings.person_key("31010419880512006X"))
    flow = tile_flow(session, handlings)
    assert flow.step is Step.LIST and not flow.central_missing
    assert [c.handling_id for c in flow.choices] == [proof]
    flow.choose("not-a-handling")
    assert flow.step is Step.LIST
    flow.choose(proof)
    assert flow.step is Step.RATE and flow.chosen is not None
    flow.rate(4)
    assert flow.step is Step.THANKS and flow.outcome == "queued"   # central out of reach: kept
    [row] = evaluation_rows(store)
    body = row["body"]
    assert row["state"] == "pending" and row["label"] == f"E-{proof}"
    assert body["handling_id"] == proof and body["service_id"] == "proof_print"
    assert (body["level"], body["reasons"], body["comment"]) == (4, [], None)
    assert body["application_number"] is None and set(body) == {
        "handling_id", "service_id", "item_code", "application_number", "local_receipt",
        "level", "reasons", "comment", "handled_at", "rated_at"}
    assert handlings.get(proof).rated  # type: ignore[union-attr]
    flow.again()
    assert flow.step is Step.LIST and flow.choices == ()   # 一次一评: not offered again


def test_a_low_level_needs_a_reason_and_takes_a_comment(session: Session, handlings: Handlings,
                                                         store: Store) -> None:
    key = handlings.person_key(make_card().id_number)
    hid = handlings.record(Handling("identity_check", "身份核验"), key)
    flow = tile_flow(session, handlings)
    flow.choose(hid)
    flow.rate(2)
    assert flow.step is Step.REASONS
    flow.send()
    assert flow.step is Step.REASONS and flow.error == "reason_required"
    flow.toggle_reason("slow")
    flow.toggle_reason("device")
    flow.toggle_reason("slow")
    flow.toggle_reason("nonsense")
    assert flow.reasons == ("device",) and flow.error == ""
    flow.set_comment("屏幕反应慢" * 50)
    assert len(flow.comment) == 200
    flow.set_comment("屏幕反应慢")
    flow.back()
    assert flow.step is Step.RATE
    flow.rate(1)
    assert flow.step is Step.REASONS and flow.reasons == ("device",)   # kept across 返回
    flow.send()
    assert flow.step is Step.THANKS and flow.outcome == "queued" and flow.comment == ""
    [row] = evaluation_rows(store)
    assert (row["body"]["level"], row["body"]["reasons"], row["body"]["comment"]) == (1, ["device"], "屏幕反应慢")


def test_one_evaluation_per_handling(handlings: Handlings, clock: Clock) -> None:
    import datetime as dt

    hid = handlings.record(Handling("identity_check", "身份核验"), None)
    kept = handlings.get(hid)
    assert kept is not None and handlings.sender is not None
    rateable = Rateable(hid, Handling("identity_check", "身份核验"), kept.handled_at)
    now = dt.datetime.fromtimestamp(clock(), dt.UTC)
    handlings.sender.submit(rateable, 5, (), "", now, None)
    with pytest.raises(AlreadyRated):
        handlings.sender.submit(rateable, 1, ("other",), "", now, None)
    with pytest.raises(ValueError):   # the contract's rules, before anything is stored
        handlings.sender.submit(Rateable("x", rateable.handling, now), 2, (), "", now, None)
    with pytest.raises(ValueError):
        handlings.sender.submit(Rateable("y", rateable.handling, now), 4, ("slow",), "", now, None)
    # An application from central is kept, rated, when it is rated: not offered again.
    app = Rateable(application_handling_id("14050020261201000003"),
                   Handling("yizheng_tongban", "参保登记", "ITEM", "14050020261201000003"), now, kept=False)
    handlings.sender.submit(app, 3, (), "", now, "k" * 64)
    assert handlings.get(app.handling_id).rated  # type: ignore[union-attr]
    with pytest.raises(AlreadyRated):
        handlings.sender.submit(app, 3, (), "", now, "k" * 64)


# -- the offer's flow ----------------------------------------------------------------------

def test_the_offer_starts_on_rate_and_has_no_list_to_go_back_to(handlings: Handlings, store: Store,
                                                                tmp_path: Path) -> None:
    open_session = Session(idle_timeout=60, idle_warning=15, removal_grace=5, temp_root=tmp_path)
    open_session.begin_open("queue_ticket")
    handling = Handling("queue_ticket", "排队取号：综合 A001")
    hid = handlings.record(handling, None)
    flow = EvaluationFlow(open_session, handlings, None, runner=inline_runner,
                          offered=Rateable(hid, handling, handlings.get(hid).handled_at))  # type: ignore[union-attr]
    flow.load()   # nobody identified: the offer needs no card
    assert flow.step is Step.RATE and flow.chosen is not None and flow.chosen.handling_id == hid
    flow.back()
    assert flow.step is Step.RATE
    flow.rate(5)
    assert flow.step is Step.THANKS and flow.outcome == "queued"
    flow.again()
    assert flow.step is Step.THANKS      # the offer rates one thing only
    flow.wipe()
    assert flow.offered is None and flow.chosen is None and flow.outcome is None


# -- the offer after an open session (排队取号: nobody identified) ---------------------------

class _Ticket(Flow):
    SERVICE_ID = "queue_ticket"
    FIRST = Step.LOADING

    def completed_handling(self) -> Handling:
        return Handling(self.SERVICE_ID, "排队取号：综合 A001")


def test_the_offer_after_an_open_session_is_anonymous(handlings: Handlings, store: Store,
                                                      tmp_path: Path) -> None:
    from types import SimpleNamespace

    from kiosk.evaluation import offer
    from kiosk.evaluation.settings import EvaluationSettings
    from kiosk.events import Publisher

    session = Session(idle_timeout=60, idle_warning=15, removal_grace=5, temp_root=tmp_path)
    session.begin_open("queue_ticket")
    session.identity_read(make_card(), "queue_ticket")    # the green channel's lent card
    assert session.card is not None and session.open
    heard: list[object] = []
    events: Publisher[Any] = Publisher()
    events.subscribe(heard.append)
    terminal = SimpleNamespace(
        session=session, flow=_Ticket(session), handlings=handlings, central=None, events=events,
        config=SimpleNamespace(evaluation=EvaluationSettings(),
                               services=SimpleNamespace(offered=["queue_ticket", "evaluation"])))
    assert offer.finish(terminal)  # type: ignore[arg-type]
    flow = terminal.flow
    assert isinstance(flow, EvaluationFlow) and flow.step is Step.RATE
    assert session.card is None and session.open and session.snapshot().service_id == "evaluation"
    kept = handlings.get(flow.chosen.handling_id)  # type: ignore[union-attr]
    assert kept is not None and kept.service_id == "queue_ticket" and not kept.rated
    with store.read() as conn:
        assert conn.execute(select(handlings_table.c.person_key)).scalars().all() == [""]
    assert not offer.finish(terminal)  # type: ignore[arg-type]   # 跳过: the session ends
    assert session.snapshot().state.value == "idle"
    # Switched off: the session ends at once, nothing kept.
    session.begin_open("queue_ticket")
    terminal.flow = _Ticket(session)
    terminal.config.evaluation = EvaluationSettings(offer_after_service=False)
    assert not offer.finish(terminal)  # type: ignore[arg-type]
    assert session.snapshot().state.value == "idle"
    with store.read() as conn:   # only the first one is kept
        assert len(conn.execute(select(handlings_table.c.handling_id)).all()) == 1
