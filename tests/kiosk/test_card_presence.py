"""The ID card during a visit: by default a card that was read may be taken away; profiles
that need it on the reader (bank) end the session after the grace, say so, and offer
继续办理 when it comes back. At the end the citizen is reminded of a card left lying, and a
card left lying when a new session starts is read.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.idcard.simulator import IdCardSimulator
from kiosk.config import ConfigError, load_config
from kiosk.events import CardBack, CardTaken, KioskEvent, SessionEnded
from kiosk.session import CardPresence, EndReason, Session, SessionState
from kiosk.terminal import Terminal
from tests.support.cards import make_card
from tests.support.heard import Heard

REPO = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


Events = list[KioskEvent]


def _session(tmp_path: Path, clock: FakeClock, presence: CardPresence,
             on_reader: Callable[[], bool] | None = None) -> tuple[Session, Events]:
    session = Session(idle_timeout=60, idle_warning=15, removal_grace=5, temp_root=tmp_path,
                      clock=clock, card_presence=presence, card_on_reader=on_reader)
    events: Events = []
    session.subscribe(events.append)
    return session, events


# -- configuration ---------------------------------------------------------------------------

def test_profiles_set_the_presence_policy() -> None:
    for profile, policy in (("hall", "may_leave"), ("community", "may_leave"), ("bank", "required")):
        assert load_config(REPO / "config" / f"{profile}.toml").session.card_presence == policy


def test_an_unknown_presence_policy_is_named(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('profile = "hall"\n[session]\ncard_presence = "always"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(site)
    assert caught.value.key == "session.card_presence"
    assert "may_leave" in caught.value.reason and "required" in caught.value.reason


# -- the session -----------------------------------------------------------------------------

def test_may_leave_taking_the_card_away_does_not_end_the_visit(tmp_path: Path) -> None:
    clock = FakeClock()
    session, events = _session(tmp_path, clock, CardPresence.MAY_LEAVE)
    session.identity_read(make_card(), "identity_check")
    session.confirm()
    session.form["phone"] = "13800000000"
    session.card_removed()
    clock.now += 30          # far beyond the removal grace
    session.tick()
    snap = session.snapshot()
    assert snap.state is SessionState.ACTIVE and not snap.card_removed and not snap.card_required
    assert session.form == {"phone": "13800000000"}
    assert not any(isinstance(e, CardTaken) for e in events)   # no countdown notice

    # The same card put back: the visit goes on (not restarted), with a short "welcome back".
    session.identity_read(make_card(), "identity_check")
    assert CardBack("id_card") in events and session.state is SessionState.ACTIVE
    assert not session.snapshot().card_returned   # nothing to confirm: nothing was counting
    assert session.form == {"phone": "13800000000"}
    clock.now += 60          # putting the card back counted as activity
    session.tick()
    assert events[-1] == SessionEnded(EndReason.IDLE_TIMEOUT, "id_card", None)


def test_may_leave_the_visit_ends_by_idle_timeout_without_the_card(tmp_path: Path) -> None:
    clock = FakeClock()
    session, events = _session(tmp_path, clock, CardPresence.MAY_LEAVE, on_reader=lambda: False)
    card = make_card()
    session.identity_read(card, "identity_check")
    session.confirm()
    session.card_removed()
    clock.now += 60
    session.tick()
    assert events[-1] == SessionEnded(EndReason.IDLE_TIMEOUT, "id_card", False)
    assert card.id_number == ""


def test_required_card_back_in_the_grace_offers_to_continue(tmp_path: Path) -> None:
    clock = FakeClock()
    session, events = _session(tmp_path, clock, CardPresence.REQUIRED)
    session.identity_read(make_card(), "identity_check")
    session.confirm()
    assert session.snapshot().card_required
    session.card_removed()
    assert events[-1] == CardTaken("id_card", 5)
    clock.now += 3
    session.tick()
    assert session.snapshot().card_removed
    session.identity_read(make_card(), "identity_check")
    snap = session.snapshot()
    assert snap.state is SessionState.ACTIVE and not snap.card_removed
    assert snap.card_returned                      # the screen offers 继续办理
    clock.now += 10
    session.tick()
    assert session.snapshot().card_returned        # until the citizen says so
    session.touch()                                # 继续办理 (or any touch)
    assert not session.snapshot().card_returned
    session.card_removed()
    clock.now += 5
    session.tick()
    assert events[-1] == SessionEnded(EndReason.CARD_REMOVED, "id_card", None)


def test_a_social_security_card_still_ends_its_session_when_removed(tmp_path: Path) -> None:
    from kiosk.session import IdentitySource

    clock = FakeClock()
    session, events = _session(tmp_path, clock, CardPresence.MAY_LEAVE)
    card = make_card()
    card.valid_until = ""
    session.identity_read(card, "identity_check", source=IdentitySource.SOCIAL_SECURITY)
    session.card_removed(IdentitySource.SOCIAL_SECURITY)
    clock.now += 5
    session.tick()
    assert isinstance(events[-1], SessionEnded) and events[-1].reason == EndReason.CARD_REMOVED


@pytest.mark.parametrize("lies", [True, False])
def test_the_end_says_whether_the_card_still_lies_on_the_reader(tmp_path: Path, lies: bool) -> None:
    clock = FakeClock()
    session, events = _session(tmp_path, clock, CardPresence.MAY_LEAVE, on_reader=lambda: lies)
    session.identity_read(make_card(), "identity_check")
    session.confirm()
    session.finish()
    assert events[-1] == SessionEnded(EndReason.FINISHED, "id_card", lies)


def test_the_same_card_read_again_while_lying_there_does_not_restart_the_visit(tmp_path: Path) -> None:
    clock = FakeClock()
    session, events = _session(tmp_path, clock, CardPresence.REQUIRED)
    session.identity_read(make_card(), "identity_check")
    session.confirm()
    session.form["x"] = "1"
    duplicate = make_card()
    session.identity_read(duplicate, "identity_check")   # e.g. the reader reconnected
    assert session.state is SessionState.ACTIVE and session.form == {"x": "1"}
    assert duplicate.id_number == ""                     # the extra copy is wiped at once
    assert not any(isinstance(e, SessionEnded) for e in events)


# -- the terminal with the simulated reader --------------------------------------------------

def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def _terminal(tmp_path: Path, sim: IdCardSimulator, monkeypatch: pytest.MonkeyPatch,
              presence: str) -> Terminal:
    private_tmp = tmp_path / "tmpdir"
    private_tmp.mkdir(exist_ok=True)
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    site = tmp_path / "kiosk.toml"
    site.write_text(
        'profile = "hall"\n[terminal]\ndata_dir = "data"\n'
        "[session]\nidle_timeout_s = 30\nidle_warning_s = 5\ncard_removal_grace_s = 1\n"
        f'card_presence = "{presence}"\n'
        f'[devices.id_reader]\nport = "{sim.link_path}"\npoll_interval_s = 0.02\n'
        "reconnect_interval_s = 0.2\n",
        encoding="utf-8",
    )
    return Terminal(load_config(site))


@pytest.fixture
def may_leave(tmp_path: Path, sim: IdCardSimulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Terminal]:
    terminal = _terminal(tmp_path, sim, monkeypatch, "may_leave")
    terminal.start()
    try:
        yield terminal
    finally:
        terminal.stop()


@pytest.fixture
def required(tmp_path: Path, sim: IdCardSimulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Terminal]:
    terminal = _terminal(tmp_path, sim, monkeypatch, "required")
    terminal.start()
    try:
        yield terminal
    finally:
        terminal.stop()


def _identified(terminal: Terminal, name: str) -> bool:
    card = terminal.session.card
    return terminal.snapshot().state is SessionState.IDENTIFIED and card is not None and card.name == name


def _reader_present(terminal: Terminal) -> bool:
    return bool(getattr(terminal.devices["id_reader"], "card_present", False))


def test_an_elderly_citizen_may_pick_the_card_up_and_carry_on(
    may_leave: Terminal, sim: IdCardSimulator
) -> None:
    terminal = may_leave
    heard = Heard(terminal)
    wait_until(lambda: terminal.device_statuses()["id_reader"].ready)
    assert terminal.choose_service("identity_check")
    sim.place("zhang_san")
    wait_until(lambda: _identified(terminal, "张三"))
    assert terminal.session.confirm()
    sim.remove()
    wait_until(lambda: not _reader_present(terminal))
    time.sleep(1.5)  # beyond the removal grace of this site
    assert terminal.snapshot().state is SessionState.ACTIVE
    assert not terminal.snapshot().card_removed

    terminal.session.finish()
    ended = heard.of(SessionEnded)
    assert ended and ended[-1].reason == EndReason.FINISHED
    assert ended[-1].take_card is False        # the card is gone: no reminder


def test_a_card_left_lying_is_remembered_at_the_end_and_read_for_the_next_session(
    may_leave: Terminal, sim: IdCardSimulator
) -> None:
    terminal = may_leave
    heard = Heard(terminal)
    wait_until(lambda: terminal.device_statuses()["id_reader"].ready)
    sim.place("li_si")                                   # on the home screen: a session starts
    wait_until(lambda: _identified(terminal, "李四"))
    assert terminal.session.confirm()
    terminal.session.finish()
    assert heard.of(SessionEnded)[-1].take_card is True   # "请取走您的身份证"
    assert terminal.snapshot().state is SessionState.IDLE

    # The card still lies there: the next session reads it instead of asking for a card.
    assert terminal.choose_service("identity_check")
    wait_until(lambda: _identified(terminal, "李四"), timeout=5)
    assert terminal.snapshot().service_id == "identity_check"


def test_required_card_taken_away_ends_the_visit_and_coming_back_continues(
    required: Terminal, sim: IdCardSimulator
) -> None:
    terminal = required
    heard = Heard(terminal)
    wait_until(lambda: terminal.device_statuses()["id_reader"].ready)
    assert terminal.choose_service("identity_check")
    sim.place("wang_wu")
    wait_until(lambda: terminal.session.card is not None and terminal.snapshot().state is SessionState.IDENTIFIED)
    assert terminal.snapshot().card_required
    assert terminal.session.confirm()
    sim.remove()
    wait_until(lambda: terminal.snapshot().card_removed)
    sim.place("wang_wu")
    wait_until(lambda: terminal.snapshot().card_returned)
    assert terminal.snapshot().state is SessionState.ACTIVE and heard.of(CardBack)
    terminal.session.touch()
    sim.remove()
    wait_until(lambda: terminal.snapshot().state is SessionState.IDLE, timeout=5)
    assert heard.of(SessionEnded)[-1] == SessionEnded(EndReason.CARD_REMOVED, "id_card", False)


def test_no_personal_data_in_the_log_of_a_visit(
    may_leave: Terminal, sim: IdCardSimulator, tmp_path: Path
) -> None:
    from kiosk.logs import setup_logging

    setup_logging(tmp_path / "logs", level=logging.DEBUG, to_stderr=False)
    try:
        terminal = may_leave
        wait_until(lambda: terminal.device_statuses()["id_reader"].ready)
        sim.place("zhang_san")
        wait_until(lambda: _identified(terminal, "张三"))
        logging.getLogger("kiosk.flows.test").warning("form for %s at %s", "张三", "北京市东城区")
        terminal.session.finish()
    finally:
        setup_logging(None, to_stderr=False)
    text = (tmp_path / "logs" / "kiosk.log").read_text(encoding="utf-8")
    assert "session ended: finished (ID card left on the reader)" in text
    assert "张三" not in text and "张*" in text
