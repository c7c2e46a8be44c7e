"""Issue 10 §1: the terminal's logs and data folder are not open to every user of the
machine: logs/ 0750, log files 0640, data_dir 0750, whatever the umask, and folders or
files left looser by an older version are tightened at start."""

from __future__ import annotations

import logging
import logging.handlers
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.logs import setup_logging
from kiosk.terminal import Terminal


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0o000)  # the worst case: everything created 0777 / 0666
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def no_file_logging() -> Iterator[None]:
    try:
        yield
    finally:
        setup_logging(None, to_stderr=False)


def test_a_new_log_folder_and_file_are_0750_and_0640(
    tmp_path: Path, open_umask: None, no_file_logging: None
) -> None:
    logs = tmp_path / "logs"
    setup_logging(logs, to_stderr=False)
    logging.getLogger("kiosk.test").warning("hello")
    assert _mode(logs) == 0o750
    assert _mode(logs / "kiosk.log") == 0o640


def test_looser_logs_from_before_are_tightened_at_start(
    tmp_path: Path, no_file_logging: None
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    os.chmod(logs, 0o777)
    for name in ("kiosk.log", "kiosk.log.1"):
        (logs / name).write_text("old\n", encoding="utf-8")
        os.chmod(logs / name, 0o666)
    setup_logging(logs, to_stderr=False)
    assert _mode(logs) == 0o750
    assert _mode(logs / "kiosk.log") == 0o640
    assert _mode(logs / "kiosk.log.1") == 0o640


def test_a_rolled_over_log_file_is_0640_too(
    tmp_path: Path, open_umask: None, no_file_logging: None
) -> None:
    logs = tmp_path / "logs"
    setup_logging(logs, to_stderr=False)
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_tongban", False))
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    handler.doRollover()
    assert _mode(logs / "kiosk.log") == 0o640
    assert _mode(logs / "kiosk.log.1") == 0o640


def _terminal(tmp_path: Path, data: Path) -> Terminal:
    site = tmp_path / "kiosk.toml"
    site.write_text(
        f'profile = "hall"\n[terminal]\ndata_dir = "{data}"\nterminal_code = "T9"\n',
        encoding="utf-8",
    )
    return Terminal(load_config(site), devices={})


@pytest.mark.parametrize("before", [None, 0o777, 0o755])
def test_the_data_folder_is_0750(tmp_path: Path, open_umask: None, before: int | None) -> None:
    data = tmp_path / "data"
    if before is not None:
        data.mkdir()
        os.chmod(data, before)
    term = _terminal(tmp_path, data)
    try:
        assert _mode(data) == 0o750
    finally:
        term.store.close()


def test_a_stricter_data_folder_is_left_as_it_is(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    term = _terminal(tmp_path, data)
    try:
        assert _mode(data) == 0o700
    finally:
        term.store.close()


def test_a_store_opened_by_a_command_makes_the_data_folder_0750(
    tmp_path: Path, open_umask: None
) -> None:
    """A technician's command may open the store before the kiosk ever ran."""
    from kiosk.store import open_store

    data = tmp_path / "data"
    store = open_store(data)
    try:
        assert _mode(data) == 0o750
    finally:
        store.close()
