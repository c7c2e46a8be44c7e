"""Cards and codes without a window: the words around the social security card PIN and the
other ways in, and the terminal's PIN bridge between the card reader and the UI."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.errors import ErrorCode
from kiosk.config import load_config
from kiosk.events import KioskEvent, PinRequested
from kiosk.terminal import Terminal
from screens import words

pytestmark = pytest.mark.ui


def test_the_first_pin_ask_says_nothing_and_a_wrong_pin_says_the_tries_left() -> None:
    assert words.pin_message(None) == ""
    assert words.pin_message(2, again=True) == "密码错误，还可尝试2次\n" + words.PIN_FORGOT
    assert words.pin_message(None, again=True) == "密码错误，请重新输入\n" + words.PIN_FORGOT


def test_every_pin_outcome_of_the_card_reader_has_its_own_words() -> None:
    codes = (ErrorCode.PIN_WRONG, ErrorCode.PIN_BLOCKED, ErrorCode.PIN_REQUIRED, ErrorCode.CANCELLED)
    for code in codes:
        assert words.read_failed(code.value) != words.READ_FAILED_DEFAULT
    assert words.read_failed("pin_blocked") == "社保卡密码已锁定，请到社保窗口办理解锁"


@pytest.mark.parametrize(
    ("devices", "text"),
    [
        ({"card_reader", "code_scanner"}, "也可插入社保卡，或出示电子证照码"),
        ({"card_reader"}, "也可插入社保卡"),
        ({"code_scanner"}, "也可出示电子证照码"),
        (set(), ""),
    ],
)
def test_the_other_ways_in_name_only_the_ready_devices(devices: set[str], text: str) -> None:
    assert words.other_ways(devices) == text


def test_the_end_of_a_session_names_the_card_the_citizen_used() -> None:
    assert words.ended("card_removed") == "身份证已移开，本次服务已结束，您的信息已清除"
    assert words.ended("card_removed", "social_security").startswith("社保卡已移开")
    assert words.ended("finished", "social_security").endswith("请取走社保卡")
    assert words.ended("finished", "electronic_id") == "服务已完成，您的信息已清除"
    assert words.take_away("electronic_id") == ""
    headline, detail = words.card_removed("social_security", 3)
    assert headline == "社保卡已移开" and detail == "3 秒后结束本次服务\n如需继续，请将社保卡重新插入"


# -- the terminal's PIN bridge -------------------------------------------------------------------


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tuple[Terminal, list[KioskEvent]]]:
    site = tmp_path / "site.toml"
    site.write_text(
        f'profile = "hall"\n[terminal]\ndata_dir = "{tmp_path / "data"}"\n'
        '[devices.card_reader]\ndriver = "pcsc"\nssse_pin_required = true\n',
        encoding="utf-8",
    )
    term = Terminal(load_config(site))   # devices built, not opened: no pcscd needed
    heard: list[KioskEvent] = []
    term.subscribe(heard.append)
    try:
        yield term, heard
    finally:
        term.store.close()


def _ask(term: Terminal, tries_left: int | None) -> tuple[threading.Thread, list[str | None]]:
    """The card reader's thread asking its PIN pad, as the driver does."""
    pad = term.devices["card_reader"].options.pin_pad  # type: ignore[attr-defined]
    answers: list[str | None] = []
    asking = threading.Thread(target=lambda: answers.append(pad.request_pin(tries_left)))
    asking.start()
    return asking, answers


def _wait(predicate: Any, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_card_readers_pin_ask_reaches_the_ui_with_the_tries_left_only(terminal: Any) -> None:
    term, heard = terminal
    asking, answers = _ask(term, 2)
    _wait(lambda: heard)
    assert heard == [PinRequested(2)]
    term.answer_pin("123456")
    asking.join(2)
    assert answers == ["123456"]
    assert all("123456" not in repr(event) for event in heard)


def test_cancelling_the_pin_ends_the_readers_wait(terminal: Any) -> None:
    term, heard = terminal
    asking, answers = _ask(term, None)
    _wait(lambda: heard)
    assert heard == [PinRequested(None)]
    term.cancel_pin()
    asking.join(2)
    assert answers == [None] and not asking.is_alive()
