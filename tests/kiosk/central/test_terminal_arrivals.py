"""The terminal as a whole, against the real central: a code shown to its scanner and a
smart card in its card reader. The scanner and the card reader here are stand-ins that
publish the drivers' events (the drivers themselves are tested over pcscd/vpcd and the
camera simulator): what is tested is what the terminal makes of them."""

from __future__ import annotations

import datetime as dt
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.events import CodeScanned, EventHub, SmartCardRead, SmartCardRemoved
from drivers.pcsc.model import CardData, CardKind
from drivers.status import ONLINE, DeviceStatus
from kiosk.config import load_config
from kiosk.events import CardRefused, CodeNotice, KioskEvent
from kiosk.session import IdentitySource, SessionState
from kiosk.terminal import Terminal
from tests.support.real_central import KIOSK, RealCentral, central_available, seed_person

pytestmark = pytest.mark.skipif(not central_available(), reason="kiosk-central is not installed")

HALL = "晋城市政务服务中心"
PENSION = "11140500MB1947036N4000111001"
BEIJING = dt.timezone(dt.timedelta(hours=8))
ZHANG_SAN = seed_person(0)


class StandIn:
    """A device that only publishes what a test tells it to."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.events = EventHub()

    def open(self) -> None: ...

    def close(self) -> None: ...

    def status(self) -> DeviceStatus:
        return ONLINE


@pytest.fixture
def terminal(real_central: RealCentral, tmp_path: Path) -> Iterator[tuple[Terminal, list[tuple[str, dict[str, Any]]]]]:
    site = tmp_path / "kiosk.toml"
    site.write_text(f'profile = "hall"\n[terminal]\ndata_dir = "data"\nhall_name = "{HALL}"\n'
                    f'[central]\nurl = "{real_central.url}"\n', encoding="utf-8")
    done = subprocess.run([KIOSK, "--config", str(site), "enroll", "--code", real_central.add_terminal()],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    devices: dict[str, Any] = {"code_scanner": StandIn("code_scanner"), "card_reader": StandIn("card_reader")}
    term = Terminal(load_config(site), devices=devices)
    heard: list[KioskEvent] = []
    term.subscribe(heard.append)
    term.start()
    try:
        yield term, heard
    finally:
        term.stop()


def show(term: Terminal, text: str) -> None:
    term.devices["code_scanner"].events.publish(CodeScanned("code_scanner", text, "QRCode"))


def wait_for(predicate: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def codes(heard: list[KioskEvent]) -> list[CodeNotice]:
    return [e for e in heard if isinstance(e, CodeNotice)]


def cli(central: RealCentral, *args: str) -> str:
    return central._cli(*args, "--db", central.db_url)


def test_an_electronic_id_code_identifies_the_citizen_once(terminal: Any, real_central: RealCentral) -> None:
    term, heard = terminal
    code = cli(real_central, "eid", "issue", "--id-number", ZHANG_SAN.id_number)
    show(term, code)
    wait_for(lambda: term.session.state is SessionState.IDENTIFIED)
    snap = term.snapshot()
    assert snap.identity is not None and snap.identity.card_label == "电子证照码"
    assert snap.identity.name == "张*" and term.session.source is IdentitySource.ELECTRONIC_ID
    term.session.finish()
    show(term, code)                              # the same code again: used up
    wait_for(lambda: codes(heard))
    assert codes(heard)[-1] == CodeNotice("electronic_id", "used")
    assert term.session.state is SessionState.IDLE


def test_appointment_codes_are_verified_and_a_forged_one_refused(terminal: Any, real_central: RealCentral) -> None:
    term, heard = terminal
    start = (dt.datetime.now(BEIJING) + dt.timedelta(minutes=20)).isoformat(timespec="minutes")
    code = cli(real_central, "appointment", "issue", "--item", PENSION, "--hall", HALL, "--start", start)
    show(term, code)
    wait_for(lambda: len(codes(heard)) == 1)
    genuine = codes(heard)[0]
    assert (genuine.kind, genuine.reason, genuine.hall) == ("appointment", "", HALL)
    payload, signature = code.split(".")
    forged = payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB") + "." + signature
    show(term, forged)
    wait_for(lambda: len(codes(heard)) == 2)
    assert codes(heard)[1].reason in ("forged", "malformed")
    assert codes(heard)[1].hall == ""


def test_a_receipt_code_opens_progress_query_and_a_stranger_refused(terminal: Any) -> None:
    term, heard = terminal
    show(term, "TONGBAN-APP:14050020261123000042")    # an old receipt at the idle screen
    wait_for(lambda: term.flow is not None and term.flow.SERVICE_ID == "progress_query"
             and term.flow.step == "start" and term.flow.error != "")
    assert term.flow.error == "not_found"             # central knows no such number
    assert term.session.snapshot().service_id == "progress_query" and codes(heard) == []
    show(term, "https://example.com/promo")
    wait_for(lambda: len(codes(heard)) == 1)
    assert codes(heard)[0] == CodeNotice("unknown", "unsupported")
    show(term, "https://zwfw.example.cn/t/14050020261123000042?c=SHORT")   # inside the flow
    wait_for(lambda: term.flow is not None and term.flow.error == "malformed")
    assert len(codes(heard)) == 1


def test_a_social_security_card_identifies_and_its_removal_ends_the_session(terminal: Any) -> None:
    term, _ = terminal
    reader = term.devices["card_reader"]
    card = CardData(kind=CardKind.SOCIAL_SECURITY, reader="Virtual PCD 00 00",
                    card_number="A12345678", id_number=ZHANG_SAN.id_number, name=ZHANG_SAN.name,
                    gender="男", nation="汉", birth_date="1990-03-07")
    reader.events.publish(SmartCardRead("card_reader", "Virtual PCD 00 00", card))
    wait_for(lambda: term.session.state is SessionState.IDENTIFIED)
    assert term.snapshot().identity.card_label == "社会保障卡"  # type: ignore[union-attr]
    assert card.id_number == "" and card.name == ""              # the driver's copy is wiped
    assert term.session.confirm()
    reader.events.publish(SmartCardRemoved("card_reader", "Virtual PCD 00 00"))
    wait_for(lambda: term.session.state is SessionState.IDLE, timeout=20)


def test_a_staff_card_opens_the_staff_screen_only_between_citizens(terminal: Any) -> None:
    term, heard = terminal
    reader = term.devices["card_reader"]
    staff = CardData(kind=CardKind.STAFF, staff_number="S0102", staff_role="hall_staff")
    reader.events.publish(SmartCardRead("card_reader", "r", staff))
    wait_for(lambda: term.staff.step == "log")   # staff mode opened by the card, no PIN
    bank = CardData(kind=CardKind.BANK, pan_masked="622202******0128")
    reader.events.publish(SmartCardRead("card_reader", "r", bank))
    wait_for(lambda: any(isinstance(e, CardRefused) for e in heard))
    assert [e for e in heard if isinstance(e, CardRefused)] == [CardRefused("bank", "not_for_identity")]
    threading.Event().wait(0.1)
