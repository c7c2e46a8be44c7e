"""帮办代办 in the session: a second person's identity kept as the principal, never a new
session; the agent's own card refused; the principal wiped on drop and at the session's end."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import privacy
from kiosk.events import (
    KioskEvent,
    PrincipalChanged,
    PrincipalRefused,
    SessionChanged,
    SessionEnded,
)
from kiosk.session import CardPresence, Session, SessionState
from kiosk.session_types import IdentitySource
from tests.support.cards import make_card

AGENT = ("李四", "14050219900101002")
PRINCIPAL = ("张三", "14050219500101001")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def session(tmp_path: Path) -> Session:
    s = Session(idle_timeout=60, idle_warning=15, removal_grace=5, temp_root=tmp_path, clock=FakeClock(),
                card_presence=CardPresence.REQUIRED)
    s.identity_read(make_card(*AGENT), "yizheng_tongban")
    assert s.confirm()
    return s


@pytest.fixture
def events(session: Session) -> list[KioskEvent]:
    seen: list[KioskEvent] = []
    session.subscribe(seen.append)
    return seen


def test_another_person_read_while_expecting_becomes_the_principal(session: Session, events) -> None:
    agent = session.card
    assert session.expect_principal(True)
    before = privacy.registered_count()
    session.identity_read(make_card(*PRINCIPAL), "identity_check")
    assert session.state is SessionState.ACTIVE and session.card is agent    # no new session
    assert session.principal is not None and session.principal.name == "张三"
    assert session.principal_source is IdentitySource.ID_CARD
    assert not session.expecting_principal                                  # one principal
    assert events == [PrincipalChanged(True, "id_card")]
    assert privacy.registered_count() == before + 1
    assert "张三" not in privacy.redact("张三 来办事")                        # masked in logs


def test_without_expecting_another_card_still_replaces_the_session(session: Session, events) -> None:
    session.identity_read(make_card(*PRINCIPAL), "identity_check")
    assert session.principal is None
    assert session.state is SessionState.IDENTIFIED
    assert any(isinstance(e, SessionEnded) for e in events)


def test_the_agents_own_card_is_refused_as_principal(session: Session, events) -> None:
    session.expect_principal(True)
    again = make_card(*AGENT)
    session.identity_read(again, "identity_check")
    assert session.principal is None and session.expecting_principal
    assert again.id_number == ""                      # the duplicate read is zeroed
    assert events == [PrincipalRefused("principal_is_agent")]
    assert session.state is SessionState.ACTIVE


def test_an_electronic_id_principal_upgrades_to_the_card_and_rereads_are_quiet(session: Session, events) -> None:
    session.expect_principal(True)
    session.identity_read(make_card(*PRINCIPAL), "x", source=IdentitySource.ELECTRONIC_ID)
    assert session.principal_source is IdentitySource.ELECTRONIC_ID
    session.identity_read(make_card(*PRINCIPAL), "x", source=IdentitySource.ID_CARD)
    assert session.principal_source is IdentitySource.ID_CARD
    session.identity_read(make_card(*PRINCIPAL), "x")
    assert events == [PrincipalChanged(True, "electronic_id"), PrincipalChanged(True, "id_card")]
    assert session.state is SessionState.ACTIVE


def test_the_agents_card_may_leave_the_shared_reader(session: Session, events) -> None:
    session.expect_principal(True)
    session.card_removed(IdentitySource.ID_CARD)       # to make room for the principal's card
    session.tick()
    assert session.state is SessionState.ACTIVE and session.snapshot().card_removed is False


def test_drop_and_end_wipe_the_principal(session: Session, events) -> None:
    session.expect_principal(True)
    principal = make_card(*PRINCIPAL)
    session.identity_read(principal, "x")
    count = privacy.registered_count()
    session.drop_principal()
    assert principal.id_number == "" and principal.name == "" and session.principal is None
    assert privacy.registered_count() == count - 1
    assert events[-1] == PrincipalChanged(False)

    session.expect_principal(True)
    second = make_card(*PRINCIPAL)
    session.identity_read(second, "x")
    assert privacy.registered_count() == count
    session.finish()
    assert second.id_number == "" and session.principal is None and not session.expecting_principal
    assert privacy.registered_count() == count - 2      # the agent's and the principal's


def test_expecting_needs_an_identified_active_session(tmp_path: Path) -> None:
    s = Session(idle_timeout=60, idle_warning=15, removal_grace=5, temp_root=tmp_path)
    assert not s.expect_principal(True)
    s.begin_open("queue_ticket")
    assert not s.expect_principal(True)
    s.identity_read(make_card(*AGENT), "x")
    assert s.principal is None and isinstance(s.card, object)
    s.finish()


def test_session_changed_is_not_sent_for_a_principal(session: Session, events) -> None:
    session.expect_principal(True)
    session.identity_read(make_card(*PRINCIPAL), "x")
    assert not any(isinstance(e, SessionChanged) for e in events)


def test_a_social_security_agent_may_take_their_card_for_the_principals(tmp_path: Path) -> None:
    s = Session(idle_timeout=60, idle_warning=15, removal_grace=0, temp_root=tmp_path, clock=FakeClock())
    s.identity_read(make_card(*AGENT), "yizheng_tongban", source=IdentitySource.SOCIAL_SECURITY)
    assert s.confirm() and s.expect_principal(True)
    s.card_removed(IdentitySource.SOCIAL_SECURITY)
    s.tick()
    assert s.state is SessionState.ACTIVE
    s.identity_read(make_card(*PRINCIPAL), "x", source=IdentitySource.SOCIAL_SECURITY)
    assert s.principal is not None and s.principal_source is IdentitySource.SOCIAL_SECURITY
    s.drop_principal()
    s.card_removed(IdentitySource.SOCIAL_SECURITY)   # no principal any more: the usual rule
    assert s.state is SessionState.IDLE
