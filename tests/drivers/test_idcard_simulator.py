"""The simulator as a device: raw frames in over a pty, replies out the way a reader sends them."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
import serial

from drivers.idcard.frames import SW3, Command, FrameReader, Response, build_command, build_frame
from drivers.idcard.simulator import IdCardSimulator


@pytest.fixture
def port(sim: IdCardSimulator) -> Iterator[serial.Serial]:
    with serial.Serial(str(sim.link_path), 115200, timeout=0.05) as opened:
        yield opened


def ask(port: serial.Serial, frame: bytes, timeout: float = 1.0) -> Response:
    port.write(frame)
    return FrameReader(port.read).read_response(timeout)


def raw_reply(port: serial.Serial, frame: bytes, size: int) -> bytes:
    port.write(frame)
    data = bytearray()
    deadline = time.monotonic() + 1.0
    while len(data) < size and time.monotonic() < deadline:
        data += port.read(size - len(data))
    return bytes(data)


def test_sam_commands_answer_like_a_reader(port: serial.Serial) -> None:
    assert raw_reply(port, build_command(Command.SAM_STATUS), 11) == bytes.fromhex(
        "AAAAAA9669000400009094"
    )
    assert ask(port, build_command(Command.RESET_SAM)).sw3 == SW3.OK
    assert len(ask(port, build_command(Command.SAM_ID)).data) == 16


def test_find_answers_found_once_per_placement(port: serial.Serial, sim: IdCardSimulator) -> None:
    find = build_command(Command.FIND_CARD)
    assert raw_reply(port, find, 11) == bytes.fromhex("AAAAAA9669000400008084")
    sim.place("zhang_san")
    assert raw_reply(port, find, 15) == bytes.fromhex("AAAAAA9669000800009F0000000097")
    select = ask(port, build_command(Command.SELECT_CARD))
    assert (select.sw3, len(select.data)) == (SW3.OK, 8)
    assert ask(port, build_command(Command.READ_TEXT_PHOTO)).sw3 == SW3.OK
    assert ask(port, find).sw3 == SW3.NO_CARD  # already read: must leave the field first
    assert ask(port, build_command(Command.READ_NEW_ADDRESS)).sw3 == SW3.NO_CONTENT
    sim.remove()
    assert ask(port, build_command(Command.READ_NEW_ADDRESS)).sw3 == SW3.NO_CARD
    sim.place("zhang_san")
    assert ask(port, find).sw3 == SW3.CARD_FOUND


def test_read_reply_is_laid_out_as_the_reference_says(port: serial.Serial, sim: IdCardSimulator) -> None:
    sim.place("zhang_san")
    ask(port, build_command(Command.SELECT_CARD))
    reply = raw_reply(port, build_command(Command.READ_TEXT_PHOTO), 1295)
    assert len(reply) == 1295
    assert reply[:14] == bytes.fromhex("AAAAAA9669 0508 000090 0100 0400")
    assert reply[14 : 14 + 4].decode("utf-16-le") == "张三"
    ask(port, build_command(Command.SELECT_CARD))
    with_fp = raw_reply(port, build_command(Command.READ_TEXT_PHOTO_FP), 2321)
    assert with_fp[5:7] == b"\x09\x0a" and with_fp[10:16] == bytes.fromhex("010004000400")


def test_read_without_select_or_card_fails(port: serial.Serial, sim: IdCardSimulator) -> None:
    assert ask(port, build_command(Command.SELECT_CARD)).sw3 == SW3.SELECT_FAILED
    sim.place("zhang_san")
    assert ask(port, build_command(Command.READ_TEXT_PHOTO)).sw3 == SW3.READ_FAILED


def test_unknown_command_is_refused(port: serial.Serial) -> None:
    assert ask(port, build_frame(b"\x55\x01")).sw3 == SW3.BAD_COMMAND


def test_damaged_command_gets_a_checksum_error(port: serial.Serial) -> None:
    frame = bytearray(build_command(Command.FIND_CARD))
    frame[-1] ^= 0xFF
    assert ask(port, bytes(frame)).sw3 == SW3.CHECKSUM_ERROR


def test_reply_is_paced_at_line_speed(port: serial.Serial, sim: IdCardSimulator) -> None:
    sim.place("zhang_san")
    ask(port, build_command(Command.FIND_CARD))
    ask(port, build_command(Command.SELECT_CARD))
    started = time.monotonic()
    raw_reply(port, build_command(Command.READ_TEXT_PHOTO), 1295)
    elapsed = time.monotonic() - started
    wire = (10 + 1295) * 10 / 115200
    assert wire * 0.98 <= elapsed < wire + 0.2  # never faster than the line; slack for load


def test_exchanges_since_place_record_the_read(port: serial.Serial, sim: IdCardSimulator) -> None:
    ask(port, build_command(Command.FIND_CARD))
    sim.place("li_si")
    for command in (Command.FIND_CARD, Command.SELECT_CARD, Command.READ_TEXT_PHOTO):
        ask(port, build_command(command))
    log = sim.exchanges_since_place()
    assert [(e.command, e.sw3) for e in log] == [(0x2001, 0x9F), (0x2002, 0x90), (0x3001, 0x90)]
    assert sim.bytes_since_place == 1359
    assert sim.placed_at is not None and all(e.done_at > sim.placed_at for e in log)


def test_unplug_removes_the_device_and_replug_repoints_the_link(sim: IdCardSimulator) -> None:
    old = sim.port_path
    link = sim.link_path
    assert link is not None and old is not None and os.readlink(link) == old
    sim.unplug()
    assert not link.exists() and not os.path.exists(old)
    assert sim.port_path is None
    sim.replug()
    assert sim.port_path is not None and os.readlink(link) == sim.port_path
    with serial.Serial(str(link), 115200, timeout=0.05) as again:
        assert ask(again, build_command(Command.SAM_STATUS)).sw3 == SW3.OK


def test_bad_fault_requests_are_refused(sim: IdCardSimulator) -> None:
    with pytest.raises(ValueError):
        sim.inject("melt")
    with pytest.raises(ValueError):
        sim.inject("sw3")  # needs the status byte
    with pytest.raises(ValueError):
        sim.inject("checksum", on="sideways")
