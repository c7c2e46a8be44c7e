"""The terminal with a real PC/SC card reader: virtual cards in a vpcd reader of a private
pcscd, read by the configured driver (``[devices.card_reader] driver = "pcsc"``), turned
into sessions and notifications by the terminal. What a citizen does at the reader: puts a
social security card in and takes it out, pulls a card out too early, offers a bank card;
and what a hall survives: pcscd restarting under a running terminal.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.pcsc.vcard_card import VirtualCard
from drivers.status import DeviceState
from kiosk.config import load_config
from kiosk.events import (
    CardRefused,
    CardTaken,
    DeviceChanged,
    ReadFailed,
    SessionChanged,
    SessionEnded,
)
from kiosk.session import EndReason, SessionState
from kiosk.terminal import Terminal
from tests.support.heard import Heard
from tests.support.pcsc import Pcscd, pcscd_fixture, wait_card_state

TIMEOUT = 15.0   # generous: pcscd polls vpcd every 400 ms and the machine may be busy
CITIZEN = "zhang_san_ssse"


@pytest.fixture(scope="module")
def pcscd() -> Iterator[Pcscd]:
    yield from pcscd_fixture()


@pytest.fixture(scope="module")
def card(pcscd: Pcscd) -> Iterator[VirtualCard]:
    virtual = VirtualCard(None, port=pcscd.ports[0], retry_s=0.05)
    virtual.start()
    try:
        yield virtual
    finally:
        virtual.stop()


def wait_until(condition: Callable[[], bool], timeout: float = TIMEOUT, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout:g}s: {what}"
        time.sleep(0.02)


def site_file(folder: Path, reader: str) -> Path:
    """A hall terminal whose only device is the PC/SC card reader."""
    site = folder / "kiosk.toml"
    site.write_text(
        '[terminal]\nprofile = "hall"\nhall_name = "晋城市政务服务中心"\nregion_code = "140500"\n'
        'data_dir = "data"\n'
        "[session]\nidle_timeout_s = 60\nidle_warning_s = 15\ncard_removal_grace_s = 1\n"
        f'[devices.card_reader]\ndriver = "pcsc"\nreaders = ["{reader}"]\npoll_s = 0.5\n'
        '[services]\noffered = ["identity_check"]\n',
        encoding="utf-8",
    )
    return site


@pytest.fixture(scope="module")
def terminal(pcscd: Pcscd, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Terminal, Heard]]:
    config = load_config(site_file(tmp_path_factory.mktemp("terminal"), pcscd.reader_names[0]))
    assert list(config.devices.model_dump(exclude_none=True)) == ["card_reader"]
    term = Terminal(config)
    heard = Heard()
    term.subscribe(heard)
    term.start()
    try:
        wait_until(lambda: reader_online(term), what="card reader online")
        yield term, heard
    finally:
        term.stop()


def reader_online(term: Terminal) -> bool:
    return term.device_statuses()["card_reader"].state is DeviceState.ONLINE


@pytest.fixture(autouse=True)
def empty_reader(card: VirtualCard, pcscd: Pcscd,
                 terminal: tuple[Terminal, Heard]) -> Iterator[None]:
    """Each test starts and leaves with an empty reader and no session."""
    yield
    card.clear_faults()
    if card.remove() is not None:
        wait_card_state(pcscd.reader_names[0], present=False, timeout=TIMEOUT)
    terminal[0].session.finish()


def insert(card: VirtualCard, key: str) -> None:
    card.insert(key)
    assert card.wait_connected(TIMEOUT), "vpcd did not take the card"


def test_a_social_security_card_identifies_the_citizen_until_it_is_taken_out(
    card: VirtualCard, terminal: tuple[Terminal, Heard]
) -> None:
    term, heard = terminal
    mark = heard.mark()
    insert(card, CITIZEN)
    wait_until(lambda: term.snapshot().state is SessionState.IDENTIFIED, what="identified")
    identity = term.snapshot().identity
    assert identity is not None
    assert (identity.source, identity.card_label) == ("social_security", "社会保障卡")
    assert (identity.name, identity.id_number) == ("张*", "1101**********1233")

    card.remove()
    assert heard.wait(CardTaken, mark).grace == 1
    ended = heard.wait(SessionEnded, mark)
    assert ended.reason == EndReason.CARD_REMOVED
    snapshot = term.snapshot()
    assert snapshot.state is SessionState.IDLE and snapshot.identity is None
    assert term.session.card is None


def test_the_reader_recovers_by_itself_when_pcscd_restarts(
    card: VirtualCard, pcscd: Pcscd, terminal: tuple[Terminal, Heard]
) -> None:
    term, heard = terminal
    mark = heard.mark()
    pcscd.restart()
    heard.wait(DeviceChanged, mark, lambda d: d.status.state is not DeviceState.ONLINE)
    wait_until(lambda: reader_online(term), what="card reader back online")

    insert(card, CITIZEN)
    wait_until(lambda: term.snapshot().state is SessionState.IDENTIFIED,
               what="identified after the restart")
    identity = term.snapshot().identity
    assert identity is not None and identity.source == "social_security"


def test_a_card_pulled_mid_read_says_so_and_starts_no_session(
    card: VirtualCard, pcscd: Pcscd, terminal: tuple[Terminal, Heard]
) -> None:
    term, heard = terminal
    mark = heard.mark()
    card.insert(CITIZEN)
    card.pull_after(3)          # three answers (staff SELECT, SSSE SELECT ...), then gone
    failed = heard.wait(ReadFailed, mark)
    assert failed == ReadFailed("card_removed", "social_security")  # the words name the 社保卡, not the 身份证
    wait_card_state(pcscd.reader_names[0], present=False, timeout=TIMEOUT)
    assert term.snapshot().state is SessionState.IDLE
    assert heard.of(SessionChanged, mark) == [] and heard.of(SessionEnded, mark) == []

    again = heard.mark()
    insert(card, CITIZEN)       # the citizen tries again: read as usual
    wait_until(lambda: term.snapshot().state is SessionState.IDENTIFIED,
               what="identified on the second insertion")
    assert heard.of(ReadFailed, again) == []


def test_a_bank_card_is_refused_for_identity(
    card: VirtualCard, pcscd: Pcscd, terminal: tuple[Terminal, Heard]
) -> None:
    term, heard = terminal
    mark = heard.mark()
    insert(card, "zhang_san_qpboc")
    refused = heard.wait(CardRefused, mark)
    assert refused == CardRefused("bank", "not_for_identity")
    assert term.snapshot().state is SessionState.IDLE
    assert heard.of(SessionChanged, mark) == [] and heard.of(ReadFailed, mark) == []
