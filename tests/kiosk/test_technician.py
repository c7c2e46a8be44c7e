"""The technician's maintenance mode without a window (kiosk/flows/technician.py): its own
PIN and lockout beside the staff PIN, between citizens only, the countdown and the idle
close, the tools, and a log that names nobody."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from drivers.errors import DeviceError, ErrorCode
from drivers.events import CodeScanned, EventHub, IdentityRead, ReadFailed
from drivers.status import DeviceState, DeviceStatus
from kiosk.central_api.checks import CentralCheck, check_central
from kiosk.config import load_config
from kiosk.diagnostics import config_version
from kiosk.events import KioskEvent, TechnicianChanged
from kiosk.flows.base import check_table, inline_runner
from kiosk.flows.pin_mode import TapCounter
from kiosk.flows.staff import StaffStep
from kiosk.flows.technician import TechnicianFlow, TechStep
from kiosk.flows.technician_work import make_preview
from kiosk.session import SessionState
from kiosk.staff import PinGate, entry_places, hash_pin
from kiosk.terminal import Terminal
from tests.support.cards import make_card

STAFF_PIN, TECH_PIN = "246810", "135790"
NAME, BODY = "李四", "11010519491231002"


class _Device:
    def __init__(self, name: str) -> None:
        self.name = name
        self.events = EventHub()
        self._status = DeviceStatus(DeviceState.ONLINE)
        self.frames: list[Any] = []

    def open(self) -> None: ...
    def close(self) -> None: ...

    def status(self) -> DeviceStatus:
        return self._status


class _Camera(_Device):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.frame: tuple[int, Any] | None = None

    def preview_frame(self) -> tuple[int, Any] | None:
        return self.frame


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    site = tmp_path / "kiosk.toml"
    site.write_text(
        f'profile = "hall"\n[terminal]\ndata_dir = "{tmp_path / "data"}"\nterminal_code = "T9"\n'
        f'[staff]\npin_hash = "{hash_pin(STAFF_PIN)}"\npin_digits = 6\n'
        f'[technician]\npin_hash = "{hash_pin(TECH_PIN)}"\nmax_attempts = 2\nlockout_s = 600\n',
        encoding="utf-8",
    )
    devices = {"id_reader": _Device("id_reader"), "code_scanner": _Camera("code_scanner")}
    term = Terminal(load_config(site), devices=devices)  # type: ignore[arg-type]
    term.staff._runner = inline_runner  # type: ignore[attr-defined]
    term.technician._runner = inline_runner  # type: ignore[attr-defined]
    term.technician._central_check = lambda config: CentralCheck(  # type: ignore[attr-defined]
        "https://central.example", True, offset_s=1.5, enrolled=False)
    try:
        yield term
    finally:
        term.technician.close("test")
        term.store.close()


def _in(term: Terminal) -> TechnicianFlow:
    tech = term.technician
    assert tech.open_login()
    tech.enter_pin(TECH_PIN)
    assert tech.step is TechStep.MENU
    return tech


def test_the_table_is_consistent() -> None:
    assert check_table(TechnicianFlow) == []


def test_staff_and_technician_have_separate_pins_and_lockouts(terminal: Terminal, tmp_path: Path) -> None:
    tech, staff = terminal.technician, terminal.staff
    assert tech.open_login()
    tech.enter_pin(STAFF_PIN)                    # the staff PIN does not open maintenance
    assert tech.step is TechStep.PIN and tech.pin_result is not None
    assert tech.pin_result.reason == "wrong_pin"
    tech.enter_pin(STAFF_PIN)
    assert tech.pin_result.reason == "locked" and tech.locked_for == 600
    tech.close()
    assert (tmp_path / "data" / "technician-lock.json").exists()
    assert not (tmp_path / "data" / "staff-lock.json").exists()
    assert staff.open_login()                    # the staff login is not locked by it
    staff.enter_pin(TECH_PIN)                    # and the technician PIN does not open the log
    assert staff.step is StaffStep.PIN
    staff.enter_pin(STAFF_PIN)
    assert staff.step is StaffStep.LOG


def test_the_pin_entry_shows_the_configured_length() -> None:
    assert entry_places(PinGate(None, Path("/nonexistent"), digits=6)) == (6, 6, 6)
    assert entry_places(PinGate(None, Path("/nonexistent"))) == (6, 4, 12)


def test_a_wrong_pin_message_goes_with_the_right_pin_and_when_typing_again(terminal: Terminal) -> None:
    staff = terminal.staff
    assert staff.open_login()
    staff.enter_pin("000000")
    assert staff.pin_result is not None and staff.pin_result.reason == "wrong_pin"
    staff.clear_message()                        # typing again
    assert staff.pin_result is None
    staff.enter_pin("000000")
    staff.enter_pin(STAFF_PIN)
    assert staff.step is StaffStep.LOG and staff.pin_result is None


def test_only_between_citizens_and_never_beside_staff_mode(terminal: Terminal) -> None:
    assert terminal.choose_service("identity_check")
    assert not terminal.technician.open_login()
    terminal.session.finish()
    assert terminal.staff.open_login()
    assert not terminal.technician.open_login()      # staff mode is open
    terminal.staff.close()
    tech = _in(terminal)
    assert not terminal.staff.open_login()           # maintenance is open
    assert not terminal.choose_service("identity_check")   # no citizen during maintenance
    heard: list[KioskEvent] = []
    terminal.subscribe(heard.append)
    tech.close()
    assert TechnicianChanged("closed") in heard and terminal.state().technician.step == "closed"


def test_a_citizen_arriving_at_the_pin_screen_closes_it(terminal: Terminal) -> None:
    assert terminal.technician.open_login()
    terminal._on_device_event(IdentityRead("id_reader", make_card(NAME, BODY)))  # type: ignore[attr-defined]
    assert terminal.session.state is SessionState.IDENTIFIED
    assert terminal.technician.step is TechStep.CLOSED


def test_the_gesture_is_its_own_tap_counter() -> None:
    clock = _Clock()
    taps = TapCounter(clock=clock)
    assert [taps.tap() for _ in range(5)] == [False] * 4 + [True]


def test_a_countdown_then_the_idle_close(terminal: Terminal) -> None:
    clock = _Clock()
    tech = _in(terminal)
    tech._clock = clock  # type: ignore[attr-defined]
    tech.touch()
    heard: list[KioskEvent] = []
    terminal.subscribe(heard.append)
    assert tech.notice_left() is None
    clock.now += tech.idle_s - 20
    tech.tick()
    assert tech.notice_left() == 20 and TechnicianChanged("menu") in heard
    tech.touch()                                       # 继续: the countdown goes
    assert tech.notice_left() is None
    clock.now += tech.idle_s + 1
    tech.tick()
    assert tech.step is TechStep.CLOSED


def test_the_id_card_test_shows_and_logs_only_the_masked_card(terminal: Terminal,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    tech = _in(terminal)
    assert tech.open_tool("id_card") and tech.step is TechStep.TOOL
    card = make_card(NAME, BODY)
    number = card.id_number
    terminal._on_device_event(IdentityRead("id_reader", card))  # type: ignore[attr-defined]
    fields = dict(tech.view.fields)
    assert tech.view.outcome == "ok" and fields["id_number"] == number[:4] + "*" * 10 + number[-4:]
    assert fields["name"] == "李*"
    assert terminal.session.state is SessionState.IDLE      # no citizen session from a test read
    terminal._on_device_event(  # type: ignore[attr-defined]
        ReadFailed("id_reader", DeviceError("gone", ErrorCode.NO_CARD)))
    assert tech.view.outcome == "no_card"
    tech.back()
    assert tech.step is TechStep.MENU and tech.view.fields == ()
    text = caplog.text
    assert "technician: ID card read ok" in text and "tool id_card opened" in text
    assert number not in text and NAME not in text and number[-6:] not in text


def test_a_scanned_code_and_the_live_preview(terminal: Terminal) -> None:
    tech = _in(terminal)
    camera = terminal.devices["code_scanner"]
    gray = np.zeros((720, 1280), np.uint8)
    gray[0, :] = 255                                          # the top row white
    camera.frame = (7, gray)  # type: ignore[attr-defined]
    assert tech.open_tool("scan")
    deadline = 200
    while tech.view.preview is None and deadline:
        tech._preview_stop.wait(0.05)  # type: ignore[attr-defined]
        deadline -= 1
    preview = tech.view.preview
    assert preview is not None and preview.fmt == "luminance" and preview.width == 640
    assert len(preview.pixels) == preview.width * preview.height
    assert preview.pixels[-preview.width:] == b"\xff" * preview.width   # rows bottom-up
    terminal._on_device_event(CodeScanned("code_scanner", "HELLO-1", "QRCode"))  # type: ignore[attr-defined]
    assert (tech.view.text, tech.view.kind) == ("HELLO-1", "QRCode")
    tech.back()
    assert tech._preview_stop.is_set()  # type: ignore[attr-defined]


def test_a_colour_preview_keeps_three_bytes_a_pixel() -> None:
    preview = make_preview(1, np.zeros((480, 640, 3), np.uint8))
    assert preview.fmt == "bgr" and len(preview.pixels) == preview.width * preview.height * 3


def test_enrollment_code_by_scanning_and_without_a_url(terminal: Terminal) -> None:
    tech = _in(terminal)
    assert tech.open_tool("enroll")
    terminal._on_device_event(CodeScanned("code_scanner", " AB12-CD34 ", "QRCode"))  # type: ignore[attr-defined]
    assert tech.view.enroll_code == "AB12-CD34"
    tech.enroll()
    assert tech.view.outcome == "no_central_url"


def test_central_check_config_version_and_printing_without_printers(terminal: Terminal) -> None:
    tech = _in(terminal)
    assert tech.open_tool("central")
    check = tech.view.central
    assert check is not None and check.reachable and check.offset_s == 1.5
    assert tech.open_tool("config") and tech.view.text == config_version(terminal.config)
    assert len(tech.view.text) == 12
    assert tech.open_tool("print")
    tech.print_test("receipt")
    assert tech.view.outcome == "no_printer" and not tech.view.busy
    assert tech.open_tool("voice")
    assert tech.view.outcome in ("", "unavailable")


def test_central_check_without_a_url_says_so(terminal: Terminal) -> None:
    check = check_central(terminal.config)
    assert (check.reachable, check.reason, check.enrolled) == (False, "no_central_url", False)


def test_a_technician_card_opens_maintenance_and_a_staff_card_the_log(terminal: Terminal) -> None:
    from kiosk.events import StaffCardPresented

    terminal._arrival(StaffCardPresented("technician"))  # type: ignore[attr-defined]
    assert terminal.technician.step is TechStep.MENU and not terminal.staff.is_open
    terminal._arrival(StaffCardPresented("hall_staff"))  # type: ignore[attr-defined]
    assert not terminal.staff.is_open                # not while maintenance is open
    terminal.technician.close()
    terminal._arrival(StaffCardPresented("hall_staff"))  # type: ignore[attr-defined]
    assert terminal.staff.step is StaffStep.LOG


class _Voice:
    """The voice's side the technician uses: volume, the sound check, its events."""

    def __init__(self, fail: bool) -> None:
        self.volume = 80
        self.fail = fail
        self._listeners: list[Any] = []

    def subscribe(self, listener: Any) -> None:
        self._listeners.append(listener)

    def sound_check(self) -> None:
        from types import SimpleNamespace

        prompt = SimpleNamespace(prompt_id="sound_check")
        event = SimpleNamespace(kind="failed" if self.fail else "played", prompt=prompt,
                                detail="no_player" if self.fail else "")
        for listener in self._listeners:
            listener(event)


@pytest.mark.parametrize("fail", [False, True])
def test_the_voice_test_plays_and_says_whether_it_was_heard(terminal: Terminal, fail: bool) -> None:
    voice = _Voice(fail)
    tech = _in(terminal)
    tech._voice = lambda: voice  # type: ignore[attr-defined]
    assert tech.open_tool("voice") and tech.view.volume == 80
    tech.change_volume(+30)
    assert voice.volume == 100 and tech.view.volume == 100      # capped at 100
    tech.change_volume(-10)
    assert voice.volume == 90
    tech.sound_check()
    assert tech.view.outcome == ("voice_failed" if fail else "played")
