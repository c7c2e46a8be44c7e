"""Technician commands keep log records out of their output and send them to the journal
(issue 11 §4): a real datagram socket stands in for /dev/log."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.logs import setup_cli_logging, setup_logging


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "log"))
    sock.settimeout(10)
    try:
        yield sock
    finally:
        sock.close()
        setup_logging(None, to_stderr=False)


def test_a_warning_goes_to_the_journal_masked_and_not_to_stderr(
    journal: socket.socket, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_cli_logging(verbose=False, journal=journal.getsockname())
    logging.getLogger("drivers.device").warning("id_reader: cannot open %s for 110101199003071233", "/dev/ttyUSB0")
    logging.getLogger("drivers.device").info("chatter that no one needs")
    record = journal.recv(4096).decode("utf-8")
    assert "kiosk-cli[" in record and "WARNING drivers.device: id_reader: cannot open /dev/ttyUSB0" in record
    assert "110101199003071233" not in record          # masked like every log
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_verbose_puts_records_on_stderr_too(journal: socket.socket, capsys: pytest.CaptureFixture[str]) -> None:
    setup_cli_logging(verbose=True, journal=journal.getsockname())
    logging.getLogger("kiosk.test").debug("detail for the technician")
    assert "DEBUG kiosk.test: detail for the technician" in capsys.readouterr().err


def test_without_a_journal_nothing_is_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setup_cli_logging(verbose=False, journal=str(tmp_path / "no-such-socket"))
    try:
        logging.getLogger("drivers.device").error("the reader went away")
        assert capsys.readouterr() == ("", "")      # not even Python's last-resort handler
    finally:
        setup_logging(None, to_stderr=False)
