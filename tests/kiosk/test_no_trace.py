"""After a session ends, nothing of the citizen is left in logs, data dir or temp files."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.idcard.simulator import IdCardSimulator
from kiosk.config import load_config
from kiosk.logs import setup_logging
from kiosk.session import SessionState
from kiosk.terminal import Terminal

CLEAR = {"zhang_san": ("张三", "110101199003071233"), "li_si": ("李四", "31010419880512006X")}


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def files_containing(root: Path, needles: list[str]) -> list[str]:
    encoded = [enc for n in needles for enc in (n.encode("utf-8"), n.encode("utf-16-le"), n.encode("gb18030"))]
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path}: {needle!r}" for needle in encoded if needle in data]
    return hits


@pytest.fixture
def terminal(site_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Terminal]:
    private_tmp = tmp_path / "tmpdir"
    private_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    config = load_config(site_config)
    setup_logging(Path(config.terminal.data_dir) / "logs", level=logging.DEBUG, to_stderr=False)
    term = Terminal(config)
    term.start()
    try:
        yield term
    finally:
        term.stop()
        setup_logging(None, to_stderr=False)


@pytest.mark.parametrize("ending", ["idle_timeout", "card_removed", "finished"])
def test_no_trace_of_the_citizen_after_the_session(
    terminal: Terminal, sim: IdCardSimulator, tmp_path: Path, ending: str
) -> None:
    wait_until(lambda: terminal.device_statuses()["id_reader"].ready)
    assert terminal.choose_service("identity_check")
    for key in CLEAR:  # two citizens in a row: the second replaces the first
        sim.place(key)
        wait_until(lambda: terminal.snapshot().state is SessionState.IDENTIFIED
                   and terminal.session.card is not None
                   and terminal.session.card.name == CLEAR[key][0])  # noqa: B023 - waited on at once
        if key != list(CLEAR)[-1]:
            sim.remove()
            wait_until(lambda: terminal.snapshot().card_removed)
    card = terminal.session.card
    assert card is not None
    photo = card.photo_wlt
    terminal.session.confirm()
    temp_dir = terminal.session.temp_dir
    assert temp_dir is not None
    if ending == "idle_timeout":
        wait_until(lambda: terminal.snapshot().state is SessionState.IDLE, timeout=15)
    elif ending == "card_removed":
        sim.remove()
        wait_until(lambda: terminal.snapshot().state is SessionState.IDLE)
    else:
        terminal.session.finish()

    assert terminal.session.card is None and card.name == "" and card.id_number == ""
    assert photo == bytearray()  # zeroed and released
    assert not temp_dir.exists()
    needles = [value for pair in CLEAR.values() for value in pair]
    logs = list((tmp_path / "data" / "logs").glob("*.log"))
    assert logs and logs[0].stat().st_size > 0, "the terminal logged nothing: the check would prove nothing"
    assert "session ended" in logs[0].read_text(encoding="utf-8")
    assert files_containing(tmp_path / "data", needles) == []
    assert files_containing(tmp_path / "tmpdir", needles) == []
