"""The session: identity in memory only, countdowns, removal grace, and the wipe."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.events import CardBack, IdleWarning, KioskEvent, ReadFailed, SessionEnded
from kiosk.session import CardPresence, EndReason, Session, SessionState
from tests.support.cards import make_card


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def session(tmp_path: Path, clock: FakeClock) -> Session:
    return Session(idle_timeout=60, idle_warning=15, removal_grace=5, temp_root=tmp_path, clock=clock)


@pytest.fixture
def events(session: Session) -> list[KioskEvent]:
    seen: list[KioskEvent] = []
    session.subscribe(seen.append)
    return seen


def test_card_on_home_starts_the_default_service_with_a_masked_identity(session: Session) -> None:
    session.identity_read(make_card(), "identity_check")
    snap = session.snapshot()
    assert snap.state is SessionState.IDENTIFIED
    assert snap.service_id == "identity_check"
    assert snap.identity is not None
    assert snap.identity.name == "张*"
    assert snap.identity.id_number.startswith("1405") and "*" in snap.identity.id_number
    assert not snap.identity.expired


def test_idle_timeout_warns_then_ends_and_wipes(session: Session, clock: FakeClock, events, tmp_path: Path) -> None:
    card = make_card()
    session.begin("identity_check")
    session.identity_read(card, "identity_check")
    session.form["phone"] = "13800000000"
    temp = session.temp_dir
    assert temp is not None and temp.exists()
    (temp / "scan.jpg").write_bytes(b"page")
    clock.now += 46
    session.tick()
    assert isinstance(events[-1], IdleWarning)
    assert session.snapshot().warning
    clock.now += 14
    session.tick()
    assert events[-1] == SessionEnded(EndReason.IDLE_TIMEOUT, "id_card", None)
    assert session.state is SessionState.IDLE and session.card is None
    assert card.name == "" and card.id_number == "" and card.photo_wlt == bytearray()
    assert session.form == {} and not temp.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_touch_resets_the_idle_timer(session: Session, clock: FakeClock) -> None:
    session.begin("identity_check")
    clock.now += 50
    session.touch()
    clock.now += 50
    session.tick()
    assert session.state is SessionState.WAITING_CARD
    assert session.snapshot().seconds_left == pytest.approx(10)


def test_card_removed_ends_after_grace_unless_put_back(tmp_path: Path, clock: FakeClock) -> None:
    session = Session(idle_timeout=60, idle_warning=15, removal_grace=5, temp_root=tmp_path,
                      clock=clock, card_presence=CardPresence.REQUIRED)
    events: list[KioskEvent] = []
    session.subscribe(events.append)
    session.identity_read(make_card(), "identity_check")
    session.confirm()
    session.card_removed()
    clock.now += 3
    session.tick()
    assert session.state is SessionState.ACTIVE and session.snapshot().card_removed
    session.identity_read(make_card(), "identity_check")  # the same card comes back
    assert CardBack("id_card") in events
    clock.now += 10
    session.tick()
    assert session.state is SessionState.ACTIVE
    session.card_removed()
    clock.now += 5
    session.tick()
    assert events[-1] == SessionEnded(EndReason.CARD_REMOVED, "id_card", None)


def test_another_persons_card_replaces_the_session(session: Session) -> None:
    first = make_card()
    session.identity_read(first, "identity_check")
    session.confirm()
    session.identity_read(make_card("李四", "14050219900101002"), "identity_check")
    assert first.id_number == ""  # the first citizen's data is wiped
    snap = session.snapshot()
    assert snap.state is SessionState.IDENTIFIED and snap.identity is not None
    assert snap.identity.name == "李*"


def test_expired_card_is_flagged_and_cannot_be_confirmed(session: Session) -> None:
    card = make_card()
    card.valid_until = "2020-01-01"
    session.identity_read(card, "identity_check")
    assert session.snapshot().identity.expired  # type: ignore[union-attr]
    assert session.confirm() is False
    assert session.state is SessionState.IDENTIFIED


def test_finish_and_read_failure(session: Session, events) -> None:
    session.identity_failed("read_failed")  # on the home screen: said, no session starts
    assert events == [ReadFailed("read_failed")]
    assert session.state is SessionState.IDLE
    session.begin("identity_check")
    session.identity_failed("invalid_card_data")
    assert events[-1] == ReadFailed("invalid_card_data")
    session.finish()
    assert events[-1] == SessionEnded(EndReason.FINISHED, "id_card", None)


def test_a_social_security_card_session_ends_with_its_own_card_only(tmp_path: Path) -> None:
    from kiosk.session import IdentitySource

    session = Session(idle_timeout=60, idle_warning=10, removal_grace=0, temp_root=tmp_path)
    card = make_card()
    card.valid_until = ""                    # social security cards carry no validity here
    session.identity_read(card, "identity_check", source=IdentitySource.SOCIAL_SECURITY)
    snap = session.snapshot()
    assert snap.identity is not None and snap.identity.card_label == "社会保障卡"
    assert not snap.identity.expired and snap.identity.name == "张*"
    session.card_removed(IdentitySource.ID_CARD)        # an ID card taken off another reader
    assert session.state is SessionState.IDENTIFIED
    session.card_removed(IdentitySource.SOCIAL_SECURITY)
    assert session.state is SessionState.IDLE and card.id_number == ""   # wiped


def test_an_electronic_id_session_has_no_card_to_remove(tmp_path: Path) -> None:
    from kiosk.session import IdentitySource

    session = Session(idle_timeout=60, idle_warning=10, removal_grace=0, temp_root=tmp_path)
    session.identity_read(make_card(), "identity_check", source=IdentitySource.ELECTRONIC_ID)
    session.card_removed(IdentitySource.ID_CARD)
    session.card_removed(IdentitySource.SOCIAL_SECURITY)
    assert session.state is SessionState.IDENTIFIED
    assert session.snapshot().identity.card_label == "电子证照码"  # type: ignore[union-attr]
    session.finish()
    assert session.state is SessionState.IDLE
